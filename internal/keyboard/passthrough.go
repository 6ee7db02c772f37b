//go:build !linux && !darwin

package keyboard

import "os"

// newPassthrough returns a keyboard for a console whose prompts read it directly
// (Windows): it throws away what was typed before a question, and ends one from
// outside with a Ctrl-C key event where the console can take one.
func newPassthrough(file *os.File, m mode) *Keyboard {
	return &Keyboard{file: file, src: file, mode: m, ready: make(chan struct{}, 1), enter: make(chan struct{}, 1)}
}
