//go:build faults && unix

// Package faults is the fault suite (`make test-faults`; a short pass runs in
// `make test`). It kills the built binary — built with -tags faults, so that the
// fault points of internal/faultpoint exist in it — at every write of the demo
// procedure and at every request it makes to the contract-test servers, runs it
// again to completion the way a pipeline would, and counts what happened at the
// vendors: nothing may be lost, nothing corrupt, nothing in need of a hand repair,
// and nothing doubled except where the vendor gives no way to ask (texts, pushes,
// mail, webhooks). It prints the figures as a table (RELIABILITY.md quotes them).
//
// The suite runs on Unix (it kills with SIGKILL). It lives in its own package, not
// in e2e/: it needs its own binary (the faults build), its own time budget, and it
// must stay out of `make unit` and `make e2e`, which build and race-test the ordinary
// binary. Every file carries the faults build tag, so `go test ./...` and
// `go vet ./...` skip it.
package faults

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mfa-onboard/mfa-onboard/internal/pgtest"
)

var (
	// binary is mfa-onboard built with -tags faults, once for the whole suite.
	binary string
	// reportFile, when set, receives the figures table (make test-faults prints it).
	reportFile = flag.String("report", "", "write the figures table to this file")
)

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "mfa-onboard-faults-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "faults: make a folder for the binary: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	goTool, err := exec.LookPath("go")
	if err != nil {
		fmt.Fprintf(os.Stderr, "faults: the go command is not on PATH: %v\n", err)
		return 1
	}
	binary = filepath.Join(dir, "mfa-onboard")
	build := exec.Command(goTool, "build", "-tags", "faults", "-o", binary, "../cmd/mfa-onboard")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "faults: %s failed: %v\n%s", strings.Join(build.Args, " "), err, out)
		return 1
	}
	code := m.Run()
	if err := postgres.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "faults: stop PostgreSQL: %v\n", err)
	}
	return code
}

// postgres is the PostgreSQL server of the postgres suite, started by its first
// world and stopped once the suite has run.
var postgres pgtest.Lazy
