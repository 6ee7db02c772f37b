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
	// OutTTY is true when Out is a terminal too (not redirected to a file or a pipe).
	OutTTY bool
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
	outTTY := term.IsTerminal(int(os.Stdout.Fd()))
	colour := errTTY && EnableColour(os.Stderr)
	return &IOStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		InFile: os.Stdin, ErrFile: os.Stderr,
		InTTY: inTTY, ErrTTY: errTTY, OutTTY: outTTY, Colour: colour,
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

// Width is the terminal's width in columns for text written to a stream that is a
// terminal (tty), so that sentences break between words rather than wherever the
// terminal cuts them; 0, no wrapping, for a file, a pipe or an unknown size.
func (s *IOStreams) Width(tty bool) int {
	if !tty || s.Size == nil {
		return 0
	}
	if size, ok := s.Size(); ok {
		return size.Cols
	}
	return 0
}
