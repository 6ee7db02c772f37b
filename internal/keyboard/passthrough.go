//go:build !linux && !darwin

package keyboard

import "os"

// newPassthrough returns a keyboard for a console whose prompts read it directly
// (Windows): it can only throw away what was typed before a question.
func newPassthrough(file *os.File, m mode) *Keyboard {
	return &Keyboard{file: file, src: file, mode: m, ready: make(chan struct{}, 1), enter: make(chan struct{}, 1)}
}
