// Package keyboard owns a terminal's input for the whole run, so that keys typed
// while nothing is being asked (a countdown, a poll, a provider call) are dropped
// instead of waiting in the terminal to become the next answer, and so that a
// question can be ended from outside (a deadline, a resized window).
package keyboard

import (
	"errors"
	"io"
	"os"
	"sync"
)

// interruptKey is what a terminal sends for Ctrl-C in raw mode; prompt libraries end
// a question when they read it, which is how a question is ended from outside.
const interruptKey = 0x03

// mode switches the terminal between "quiet" (no echo, no line editing, Ctrl-C still
// a signal) for the time between questions and the mode it had, for questions.
type mode interface {
	quiet() error
	normal() error
}

// poker is a mode that can end a question the prompt library reads from the console
// itself (Windows), by putting a Ctrl-C key event into the console's input.
type poker interface {
	poke() error
}

// Keyboard is the one reader of a terminal's input.
type Keyboard struct {
	file   *os.File
	src    io.Reader
	mode   mode
	filter bool

	mu      sync.Mutex
	asking  bool
	pending []byte
	err     error
	ready   chan struct{}
	enter   chan struct{}
}

// newFiltered returns a keyboard that reads src in its own goroutine from the first
// question on and hands bytes on only while a question is asked.
func newFiltered(file *os.File, src io.Reader, m mode) *Keyboard {
	k := &Keyboard{file: file, src: src, mode: m, filter: true,
		ready: make(chan struct{}, 1), enter: make(chan struct{}, 1)}
	_ = m.quiet()
	// Reading starts now: keys typed before the first question (while the program
	// starts, or while a resumed run calls a service) are dropped like any others.
	go k.pump()
	return k
}

// Fd is the terminal's descriptor, for the prompt library's raw mode and size queries.
func (k *Keyboard) Fd() uintptr { return k.file.Fd() }

// Ask starts a question: whatever was typed before now is dropped, the terminal is
// put back as it was (echo, line editing), and input flows to Read until end is called.
func (k *Keyboard) Ask() (end func()) {
	_ = k.mode.normal()
	k.mu.Lock()
	if !k.filter {
		k.asking = true
		k.mu.Unlock()
		return func() { k.mu.Lock(); k.asking = false; k.mu.Unlock() }
	}
	k.asking, k.pending = true, nil
	k.mu.Unlock()
	return func() {
		k.mu.Lock()
		k.asking, k.pending = false, nil
		k.mu.Unlock()
		_ = k.mode.quiet()
	}
}

// Interrupt ends the question being asked as Ctrl-C would: the Ctrl-C key follows
// whatever was already typed (a half-read terminal answer must not be cut). The caller
// says why (a deadline, a resize) through the question's context.
func (k *Keyboard) Interrupt() {
	if !k.filter {
		k.mu.Lock()
		asking := k.asking
		k.mu.Unlock()
		if p, ok := k.mode.(poker); ok && asking {
			_ = p.poke()
		}
		return
	}
	k.mu.Lock()
	if k.asking {
		k.pending = append(k.pending, interruptKey)
	}
	k.mu.Unlock()
	k.signal(k.ready)
}

// Enter reports each press of Enter made while no question is asked, so a wait can
// offer "press Enter to check now". Presses nobody takes are forgotten.
func (k *Keyboard) Enter() <-chan struct{} { return k.enter }

// Read hands on what is typed at the current question.
func (k *Keyboard) Read(p []byte) (int, error) {
	if !k.filter {
		return k.src.Read(p)
	}
	for {
		k.mu.Lock()
		if len(k.pending) > 0 {
			n := copy(p, k.pending)
			k.pending = k.pending[n:]
			k.mu.Unlock()
			return n, nil
		}
		if k.err != nil {
			err := k.err
			k.mu.Unlock()
			return 0, err
		}
		k.mu.Unlock()
		<-k.ready
	}
}

// Close gives the terminal back as it was found.
func (k *Keyboard) Close() error { return k.mode.normal() }

// pump reads the terminal for as long as the program runs; bytes that arrive while no
// question is asked are dropped at once, so none can be stored up for a later one.
func (k *Keyboard) pump() {
	buf := make([]byte, 256)
	for {
		n, err := k.src.Read(buf)
		k.mu.Lock()
		if n > 0 {
			if k.asking {
				k.pending = append(k.pending, buf[:n]...)
			} else if containsEnter(buf[:n]) {
				k.signal(k.enter)
			}
		}
		if err != nil {
			if errors.Is(err, os.ErrClosed) {
				err = io.EOF
			}
			k.err = err
		}
		k.mu.Unlock()
		k.signal(k.ready)
		if err != nil {
			return
		}
	}
}

func (k *Keyboard) signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

func containsEnter(b []byte) bool {
	for _, c := range b {
		if c == '\r' || c == '\n' {
			return true
		}
	}
	return false
}
