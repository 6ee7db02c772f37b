//go:build linux || darwin

package keyboard

import (
	"os"

	"golang.org/x/sys/unix"
)

// New returns the keyboard of the terminal f. Prompts read it through Read, so every
// key passes through the filter.
func New(f *os.File) *Keyboard {
	return newFiltered(f, f, newTermios(int(f.Fd())))
}

// termios is the terminal's mode as found, and the quiet variant of it.
type termios struct {
	fd    int
	found *unix.Termios
}

func newTermios(fd int) *termios {
	t, err := unix.IoctlGetTermios(fd, ioctlGetTermios)
	if err != nil {
		return &termios{fd: -1}
	}
	return &termios{fd: fd, found: t}
}

// quiet turns off echo and line editing, so keys typed during a wait neither smear
// the screen nor wait in the terminal for Enter; ISIG stays, so Ctrl-C still stops.
func (t *termios) quiet() error {
	if t.found == nil {
		return nil
	}
	q := *t.found
	q.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON
	q.Cc[unix.VMIN], q.Cc[unix.VTIME] = 1, 0
	return unix.IoctlSetTermios(t.fd, ioctlSetTermios, &q)
}

func (t *termios) normal() error {
	if t.found == nil {
		return nil
	}
	return unix.IoctlSetTermios(t.fd, ioctlSetTermios, t.found)
}
