//go:build faults && unix

package faultpoint

import (
	"os"
	"syscall"
)

// kill ends the process as a power cut or `kill -9` would: no deferred call, no
// signal handler, no flush runs.
func kill() {
	_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {} // the signal is on its way; nothing more may run meanwhile
}
