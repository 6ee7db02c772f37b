package keyboard

import (
	"os"

	"golang.org/x/sys/windows"
)

// New returns the keyboard of the console f. The prompt library reads Windows console
// events itself, so the keyboard cannot sit in between: it throws away what was typed
// before each question instead, and a question cannot be ended from outside.
func New(f *os.File) *Keyboard {
	return newPassthrough(f, console{h: windows.Handle(f.Fd())})
}

// console drops pending input when a question starts.
type console struct{ h windows.Handle }

func (c console) quiet() error  { return nil }
func (c console) normal() error { return windows.FlushConsoleInputBuffer(c.h) }
