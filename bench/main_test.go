//go:build bench && unix

// Package bench measures the whole program at a customer's scale (`make bench`): it
// builds mfa-onboard, writes a customer's CSV file, runs `batch` as a technician
// would — on the demo for 10,000 people and against the contract-test servers
// (duotest, graphtest, twiliotest) with a rate limit and latency for 1,000 — then
// `status --all` over the 10,000, and writes the figures, each beside its target, to
// BENCHMARKS.md. It measures: a missed target is a figure marked "no", never a
// failed test; a test fails only when the program does not do its work (a row
// skipped, a person failed).
//
// Every file carries the bench build tag, so `go test ./...`, `go vet ./...` and
// `make test` leave it out: it takes minutes and wants a quiet machine.
package bench

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

var (
	// binary is mfa-onboard built for the run.
	binary string
	// launcher is bench/launch built for the run; launchFloor is the most memory it
	// held when it started a program, which every peak RSS figure includes.
	launcher    string
	launchFloor int64

	reportFile    = flag.String("report", "", "write the figures to this Markdown file (its sections of this suite are replaced)")
	prebuilt      = flag.String("binary", "", "measure this mfa-onboard instead of building one (another build, for a before and after)")
	demoUsers     = flag.Int("demo-users", 10000, "people in the demo batch (0: no demo batch)")
	contractUsers = flag.Int("contract-users", 1000, "people in the batch against the contract-test servers (0: none)")
	vendorRate    = flag.Int("rate", 10, "requests a second each contract-test vendor API admits, and limits.rate")
	trustUsers    = flag.Int("trust-users", 200, "people in the batch against the contract-test servers with trusted numbers (0: none)")
	trustRate     = flag.Int("trust-rate", 20, "-rate for the batch with trusted numbers")
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "mfa-onboard-bench-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: make a folder for the binary: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	goTool, err := exec.LookPath("go")
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: the go command is not on PATH: %v\n", err)
		return 1
	}
	// Built as `make build` builds it, without the race detector: what is measured
	// is what a technician runs.
	binary = filepath.Join(dir, "mfa-onboard")
	build := exec.Command(goTool, "build", "-trimpath", "-ldflags", "-s -w", "-o", binary, "../cmd/mfa-onboard")
	if *prebuilt != "" {
		binary = *prebuilt
	} else if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %s failed: %v\n%s", strings.Join(build.Args, " "), err, out)
		return 1
	}
	launcher = filepath.Join(dir, "launch")
	if out, err := exec.Command(goTool, "build", "-tags", "bench", "-o", launcher, "./launch").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "bench: build bench/launch: %v\n%s", err, out)
		return 1
	}
	code := m.Run()
	rss := fmt.Sprintf("Peak RSS is wait4's ru_maxrss of the mfa-onboard process, started through bench/launch so that it is the process's own and not the suite's (a child's ru_maxrss includes its parent's resident size when it was started); it includes launch's %.1f MiB.", mib(launchFloor))
	figures.noteOnce(batchID, rss)
	figures.noteOnce(statusID, rss)
	fmt.Print(figures.markdown())
	if *reportFile != "" {
		if err := figures.write(*reportFile); err != nil {
			fmt.Fprintf(os.Stderr, "bench: write %s: %v\n", *reportFile, err)
			return 1
		}
	}
	return code
}
