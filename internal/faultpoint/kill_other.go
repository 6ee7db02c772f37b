//go:build faults && !unix

package faultpoint

import "os"

// kill ends the process at once (TerminateProcess on Windows).
func kill() {
	if p, err := os.FindProcess(os.Getpid()); err == nil {
		_ = p.Kill()
	}
	select {}
}
