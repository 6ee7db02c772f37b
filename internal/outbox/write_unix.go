//go:build !windows

package outbox

import (
	"errors"
	"os"
	"syscall"
)

// writeOnce hands the whole of b to the kernel in a single write(2). os.File.Write
// would carry on after a short write with a second call, and with O_APPEND that second
// part could land after another process's line; one call means a line is either whole
// or cut short at the end of the file.
func writeOnce(f *os.File, b []byte) (int, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, err
	}
	var n int
	var werr error
	err = rc.Write(func(fd uintptr) bool {
		for {
			n, werr = syscall.Write(int(fd), b)
			// Interrupted before anything was written: trying again is still one write.
			if !errors.Is(werr, syscall.EINTR) {
				break
			}
		}
		return true
	})
	if n < 0 {
		n = 0
	}
	if err != nil {
		return n, err
	}
	return n, werr
}

// lockAppend holds an advisory lock on the open outbox while a line is appended, so
// that the look at the file's last byte sees no other run's line half-way in (a
// stat can see a write in progress, and would then start a needless empty line).
// Readers take no lock. The lock goes with the file's close, or the process's end.
func lockAppend(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var lerr error
	err = rc.Control(func(fd uintptr) {
		for {
			lerr = syscall.Flock(int(fd), syscall.LOCK_EX)
			if !errors.Is(lerr, syscall.EINTR) {
				return
			}
		}
	})
	if err != nil {
		return err
	}
	return lerr
}
