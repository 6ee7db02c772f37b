//go:build !linux && !darwin && !windows

package keyboard

import "os"

// New returns a keyboard that hands the terminal's input straight on.
func New(f *os.File) *Keyboard { return newPassthrough(f, noMode{}) }

type noMode struct{}

func (noMode) quiet() error  { return nil }
func (noMode) normal() error { return nil }
