# mfa-onboard — `make help` lists the targets.
GO          ?= go
BIN         := bin/mfa-onboard
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT      ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null)
# The commit's time, not the build's: the same commit builds the same binary.
DATE        ?= $(shell git log -1 --format=%cI 2>/dev/null)
DATE_UNIX   ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
GORELEASER  := github.com/goreleaser/goreleaser/v2@v2.15.1
LDFLAGS     := -s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT) -X main.date=$(DATE)
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME    ?= 3s
# Packages with fuzz targets, as package:target.
FUZZ        := ./internal/phone:FuzzParse ./internal/state:FuzzLoad ./internal/config:FuzzLoad ./internal/answers:FuzzParse ./internal/provider/duo:FuzzDecode ./internal/provider/twilio:FuzzFailure ./internal/provider/graph:FuzzFailure ./internal/provider/graph:FuzzPermissionsCheck ./internal/provider/notify/autotask:FuzzFailure ./internal/provider/notify/connectwise:FuzzFailure ./internal/provider/notify/message:FuzzRender ./internal/outbox:FuzzLoad ./internal/sanitize:FuzzText ./internal/retryafter:FuzzRetryAfter ./internal/provider/fake:FuzzRecords ./internal/provider/twilio:FuzzClockSkew ./internal/cli:FuzzIndentCompact

.PHONY: help build run smtp-dev test vet unit e2e pipeline fuzz lint bench dist man cross clean
.PHONY: test-faults faults-short

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

build: ## build bin/mfa-onboard
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN) ./cmd/mfa-onboard

# make cannot end with a program's exit code (it exits 2 and adds its own error line
# for any failure), so a stop or a wait is said in words instead: the program's own
# message already says how to carry on.
run: build ## build, then start the wizard on the embedded demo (nothing is sent)
	@./$(BIN) start; code=$$?; if [ $$code -ne 0 ]; then echo "(mfa-onboard ended with exit code $$code: see the README's exit codes)" >&2; fi

smtp-dev: ## a loopback mail server printing what it receives; use with testdata/config/smtp-dev.yaml
	$(GO) run ./scripts/smtp-dev

test: vet cross unit e2e pipeline fuzz faults-short ## everything CI runs: vet, Windows and macOS builds, unit + provider contract tests (-race), pty end-to-end, the pipeline script, short fuzz, short fault suite

vet: ## go vet for this OS, Windows and macOS; gofmt must list nothing
	$(GO) vet ./...
	GOOS=windows $(GO) vet ./...
	GOOS=darwin $(GO) vet ./...
	@test -z "$$(gofmt -l .)" || (echo "gofmt -l lists:"; gofmt -l .; exit 1)

# Windows and macOS binaries cannot run here, so they are compiled: the program and every
# package's tests, for the two platforms most end users have. The other release targets
# (arm64 Windows, Intel Macs, arm64 Linux) are built by make dist; each costs a minute
# of compiling on a fresh machine, more than CI's budget allows for all six.
CROSS_TESTS := $(or $(TMPDIR),/tmp)/mfa-onboard-cross
cross: ## compile the program and every package's tests for windows/amd64 and darwin/arm64
	GOOS=windows GOARCH=amd64 $(GO) build -o /dev/null ./cmd/...
	GOOS=windows GOARCH=amd64 $(GO) test -c -o $(CROSS_TESTS)/windows/ ./...
	GOOS=darwin GOARCH=arm64 $(GO) build -o /dev/null ./cmd/...
	GOOS=darwin GOARCH=arm64 $(GO) test -c -o $(CROSS_TESTS)/darwin/ ./...
	rm -rf $(CROSS_TESTS)

unit: ## unit tests and provider contract tests, with the race detector
	$(GO) test -race -count=1 $$($(GO) list ./... | grep -v /e2e)

e2e: ## build the binary and drive it in a pseudo-terminal and without one
	$(GO) test -race -count=1 ./e2e/

pipeline: build ## the new-hire pipeline on the demo, four non-interactive runs, the outbox as the phone
	scripts/pipeline-demo.sh $(BIN)

# Under load, Go's fuzzing engine can run out of its own time before it has fuzzed at all
# ("context deadline exceeded", no failing input): that pass is run once more. A real
# finding names its failing input and fails at once.
fuzz: ## a short pass of every fuzz target (FUZZTIME each)
	@for pt in $(FUZZ); do \
		pkg=$${pt%%:*}; fn=$${pt##*:}; \
		echo "fuzz $$pkg $$fn"; \
		out=$$($(GO) test -run='^$$' -fuzz="^$$fn$$" -fuzztime=$(FUZZTIME) $$pkg 2>&1); rc=$$?; echo "$$out"; \
		if [ $$rc -ne 0 ] && echo "$$out" | grep -q 'context deadline exceeded' && ! echo "$$out" | grep -q 'Failing input'; then \
			echo "(the fuzzing engine ran out of time under load; once more)"; \
			$(GO) test -run='^$$' -fuzz="^$$fn$$" -fuzztime=$(FUZZTIME) $$pkg || exit 1; \
		elif [ $$rc -ne 0 ]; then exit 1; fi; \
	done

# The fault suite (faults/, RELIABILITY.md): the binary built with -tags faults is killed
# at every write and at every request to the contract-test servers, then resumed; it
# prints its figures table (also in $(FAULTS_REPORT)) whether it passes or fails.
FAULTS_REPORT ?= $(CURDIR)/bin/faults-report.txt
FAULTS_TEST    = $(GO) vet -tags faults ./faults/ ./internal/faultpoint/... && \
	$(GO) test -tags faults -count=1 ./internal/faultpoint/... && \
	mkdir -p $(dir $(FAULTS_REPORT)) && rm -f $(FAULTS_REPORT) && \
	{ $(GO) test -tags faults -count=1 -parallel 4 -timeout 15m $(1) ./faults/ -args -report=$(FAULTS_REPORT); rc=$$?; \
	  cat $(FAULTS_REPORT) 2>/dev/null; exit $$rc; }

test-faults: ## the whole fault suite (a few minutes): kill anywhere, resume, count duplicates and losses
	@$(call FAULTS_TEST,)

faults-short: ## the fault suite at step boundaries and after each vendor write's answer (under a minute)
	@$(call FAULTS_TEST,-short)

# third_party/ is other projects' code, kept as they wrote it (see its README): vet
# and the tests cover it, staticcheck's style checks are for ours.
lint: vet ## vet plus staticcheck (pinned)
	$(GO) run $(STATICCHECK) $$($(GO) list ./... | grep -v /third_party/)

# The benchmark suite (bench/, build tag bench) runs the Go benchmarks four times
# (benchstat needs four to tell a difference) and compares them with the last
# reported run (bench/testdata/go-benchmarks.txt) with benchstat, then builds the
# binary and measures it whole: start-up against a bare cobra program, every screen
# in a pseudo-terminal, the pipeline's CPU and fsyncs, binary sizes, and batches of
# 10,000 people on the demo and 1,000 against the rate-limited contract-test
# servers. It writes its figures into BENCHMARKS.md. BENCH_FLAGS passes it flags
# (go test -tags bench ./bench/ -args -h lists them).
BENCH_FLAGS ?=
bench: ## every benchmark: the Go benchmarks (benchstat against the last run), start-up, every screen, the pipeline, binary sizes, a customer's scale (about 20 minutes on 2 cores, more the first time); figures in BENCHMARKS.md
	$(GO) vet -tags bench ./bench/
	$(GO) test -tags bench -count=1 -timeout 60m -v ./bench/ -args -report=$(CURDIR)/BENCHMARKS.md $(BENCH_FLAGS)

man: ## man pages for every command, in man/ (read one with: man -l man/mfa-onboard-start.1)
	$(GO) run ./cmd/mfa-onboard-man man/

# GoReleaser is built from source by go run the first time (about 6 minutes on 2 cores,
# then cached); building the six targets takes about as long again on a fresh machine.
dist: ## release archives for Windows, macOS and Linux (amd64, arm64), SHA-256 checksums, a Scoop manifest and a Homebrew cask, in dist/
	MFA_DESCRIBE=$(VERSION) MFA_VERSION=$(patsubst v%,%,$(VERSION)) MFA_COMMIT=$(COMMIT) MFA_DATE=$(DATE) MFA_DATE_UNIX=$(DATE_UNIX) \
		$(GO) run $(GORELEASER) release --snapshot --clean

clean: ## remove build output
	rm -rf bin man dist
