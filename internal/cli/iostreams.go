package cli

import (
	"io"
	"os"

	"golang.org/x/term"

	"github.com/mfa-onboard/mfa-onboard/internal/qr"
)

// IOStreams are the process's standard streams and what is known about them. Results
// go to Out; questions, QR codes, progress and hints go to ErrOut.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer
	// InFile and ErrFile are set when the streams are real files (the terminal prompt needs them).
	InFile, ErrFile *os.File
	InTTY, ErrTTY   bool
	// Colour is true when the terminal takes ANSI colours (every Unix terminal; a
	// Windows 10+ console once asked).
	Colour bool
	// Size is the terminal's size, if there is one.
	Size func() (qr.Size, bool)
}

// System returns the process's own streams.
func System() *IOStreams {
	inTTY := term.IsTerminal(int(os.Stdin.Fd()))
	errTTY := term.IsTerminal(int(os.Stderr.Fd()))
	colour := errTTY && EnableColour(os.Stderr)
	return &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		InFile: os.Stdin, ErrFile: os.Stderr,
		InTTY: inTTY, ErrTTY: errTTY, Colour: colour,
		Size: func() (qr.Size, bool) {
			if !errTTY {
				return qr.Size{}, false
			}
			w, h, err := term.GetSize(int(os.Stderr.Fd()))
			if err != nil {
				return qr.Size{}, false
			}
			return qr.Size{Cols: w, Rows: h}, true
		},
	}
}
