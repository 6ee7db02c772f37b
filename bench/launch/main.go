//go:build bench && unix

// Command launch runs one program and writes what it cost to a file: the bench
// suite starts every mfa-onboard run through it.
//
// The suite cannot read a child's peak memory itself. Linux starts a child as a
// copy of its parent (Go's os/exec uses clone with CLONE_VM, a plain fork copies the
// page tables), and the kernel keeps the old memory's high-water mark when the child
// execs: wait4's ru_maxrss is then at least the parent's resident size at the
// moment of the start. The suite's own process holds the contract-test servers and
// every output it has read, so its children's figures were the suite's, not
// theirs (240 MiB for a `status --all` that peaks at 50). This program is small, so
// the floor it lends its child is a few MiB, and it writes that floor beside the
// figure.
//
// Usage: launch RESULT-FILE PROGRAM [ARG…]; standard input and output pass
// straight through, and it exits with the program's code.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"time"
)

// Result is what launch writes: the program's exit code (-1 when a signal ended
// it), its wall and CPU time, its peak resident memory and launch's own at the
// start, in bytes.
type Result struct {
	Code      int           `json:"code"`
	Wall      time.Duration `json:"wall"`
	CPU       time.Duration `json:"cpu"`
	PeakRSS   int64         `json:"peak_rss"`
	FloorRSS  int64         `json:"floor_rss"`
	StartFail string        `json:"start_fail,omitempty"`
}

func main() {
	if len(os.Args) < 3 {
		fmt.Fprintln(os.Stderr, "usage: launch RESULT-FILE PROGRAM [ARG…]")
		os.Exit(2)
	}
	res := run(os.Args[2], os.Args[3:])
	data, _ := json.Marshal(res)
	if err := os.WriteFile(os.Args[1], data, 0o600); err != nil {
		fmt.Fprintf(os.Stderr, "launch: write %s: %v\n", os.Args[1], err)
		os.Exit(2)
	}
	if res.Code < 0 {
		os.Exit(2)
	}
	os.Exit(res.Code)
}

func run(program string, args []string) Result {
	res := Result{FloorRSS: ownPeak()}
	cmd := exec.Command(program, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	began := time.Now()
	err := cmd.Run()
	res.Wall = time.Since(began)
	if cmd.ProcessState == nil {
		res.Code, res.StartFail = -1, err.Error()
		return res
	}
	res.Code = cmd.ProcessState.ExitCode()
	res.CPU = cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		res.PeakRSS = bytes(int64(ru.Maxrss))
	}
	return res
}

// ownPeak is the most memory this process's own image has held (VmHWM): what its
// child's figure starts from. Its ru_maxrss would not do, for the reason this
// program exists: it includes the suite's. Where there is no /proc, ru_maxrss is the
// best there is.
func ownPeak() int64 {
	if data, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
				var kb int64
				if _, err := fmt.Sscanf(strings.TrimSpace(v), "%d kB", &kb); err == nil {
					return kb * 1024
				}
			}
		}
	}
	var self syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &self)
	return bytes(int64(self.Maxrss))
}

// bytes is a ru_maxrss in bytes: Linux and the BSDs count kilobytes, macOS bytes.
func bytes(maxrss int64) int64 {
	if runtime.GOOS == "darwin" {
		return maxrss
	}
	return maxrss * 1024
}
