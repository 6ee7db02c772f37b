//go:build unix

package state

import (
	"errors"
	"syscall"
)

// readPlain reads the file at path whole into buf, with no more system calls than
// that takes (os.Open would also set the file up for the poller, twice as many for
// a file of a few kilobytes, and thousands of them are read at once). O_NOFOLLOW
// refuses a link put there since the folder was listed, and O_NONBLOCK keeps a FIFO
// from hanging the listing. false, for a file that does not fit in buf or cannot be
// read, leaves it to readFile.
func readPlain(path string, buf []byte) ([]byte, bool) {
	var fd int
	var err error
	for {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
		if !errors.Is(err, syscall.EINTR) {
			break
		}
	}
	if err != nil {
		return nil, false
	}
	defer syscall.Close(fd)
	n := 0
	for n < len(buf) {
		m, err := syscall.Read(fd, buf[n:])
		switch {
		case errors.Is(err, syscall.EINTR):
			continue
		case err != nil:
			return nil, false
		case m == 0:
			return buf[:n], true
		}
		n += m
	}
	return nil, false
}
