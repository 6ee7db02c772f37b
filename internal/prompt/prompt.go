// Package prompt asks a person questions. Steps see only the Prompter interface; the
// terminal (survey), a plain line-based version (screen readers, Git Bash, TERM=dumb),
// answers given in advance (automation) and scripted answers (tests) implement it.
package prompt

import (
	"context"
	"errors"
	"strconv"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// Question is one thing to ask. Key is the answers-file key that answers it without a
// person (for example "phone.number"); tests and error messages name questions by it.
type Question struct {
	Key     string
	Message string
	Help    string
	Default string
}

// Option is one choice of a Select. Value is what the answers file and state hold.
type Option struct {
	Value string
	Label string
}

// Prompter asks questions and returns the answers.
type Prompter interface {
	// Input asks for free text; validate (may be nil) refuses an answer with a reason
	// and the question is asked again.
	Input(ctx context.Context, q Question, validate func(string) error) (string, error)
	// Select asks for one of opts and returns its Value.
	Select(ctx context.Context, q Question, opts []Option) (string, error)
	// Confirm asks a yes/no question; q.Default "yes" or "no" is taken on Enter.
	Confirm(ctx context.Context, q Question) (bool, error)
}

// ErrInterrupted means the person pressed Ctrl-C (or the run was cancelled) at a prompt.
var ErrInterrupted = errors.New("interrupted")

// Stopped is the error of a question whose context ended before it was answered. It
// is ErrInterrupted, and also the context's cause, so that a step that gave the
// question a deadline (a code that expires) or asked for a redraw (the window was
// resized) can tell that from Ctrl-C with errors.Is.
func Stopped(ctx context.Context) error {
	cause := context.Cause(ctx)
	if cause == nil || errors.Is(cause, context.Canceled) {
		return ErrInterrupted
	}
	return &stoppedError{cause: cause}
}

type stoppedError struct{ cause error }

// untranslated: a question's end from outside, which the steps handle and nobody reads.
func (e *stoppedError) Error() string { return "interrupted: " + e.cause.Error() }

func (e *stoppedError) Is(target error) bool { return target == ErrInterrupted }

func (e *stoppedError) Unwrap() error { return e.cause }

// Asker is a keyboard that prompts read from: Ask starts a question (dropping keys
// typed before it) and the returned func ends it; Interrupt ends it from outside.
type Asker interface {
	Ask() (end func())
	Interrupt()
}

// NeedsAnswerError means no person can be asked and no answer was given in advance.
type NeedsAnswerError struct {
	Key string
	// Retry is set when an answer was given but not accepted (a wrong code, say).
	Retry bool
}

func (e *NeedsAnswerError) Error() string { return e.Localize(nil) }

// Localize says the error in p's language; the key stays as the answers file spells it.
func (e *NeedsAnswerError) Localize(p *catalog.Printer) string {
	if e.Retry {
		return p.T("prompt.needs-new-answer", "Key", strconv.Quote(e.Key))
	}
	return p.T("prompt.needs-answer", "Key", strconv.Quote(e.Key))
}

// Waiting reports the step key a run without a person stopped at; the wizard treats
// any error with this method as "waiting on the person", not as a failure.
func (e *NeedsAnswerError) Waiting() string { return e.Key }

// WaitingError means the person has something to do that no answer can stand in for
// (open a link on their phone, say); a later run checks again.
type WaitingError struct {
	Key string
	// What is what the person has to do, as a catalogue message (catalog.NewError),
	// so that it is said in the reader's language.
	What error
}

func (e *WaitingError) Error() string { return e.What.Error() }

// Localize says what the person has to do in p's language.
func (e *WaitingError) Localize(p *catalog.Printer) string { return p.Error(e.What) }

// Waiting reports what the run is waiting for.
func (e *WaitingError) Waiting() string { return e.Key }

// BadAnswerError means an answer given in advance is not valid, so a run without a
// person cannot go on; the person who wrote the answers file must fix it.
type BadAnswerError struct {
	Key    string
	Reason string
	// Err is the refusal itself where there is one: it is said in the reader's
	// language, and Reason (its English) stands in when it is nil.
	Err error
}

func (e *BadAnswerError) Error() string { return e.Localize(nil) }

// Localize says the error in p's language.
func (e *BadAnswerError) Localize(p *catalog.Printer) string {
	reason := e.Reason
	if e.Err != nil {
		reason = p.Error(e.Err)
	}
	return p.T("prompt.bad-answer", "Key", strconv.Quote(e.Key), "Reason", reason)
}

func (e *BadAnswerError) Unwrap() error { return e.Err }

// badAnswer is the BadAnswerError of key refused for err.
func badAnswer(key string, err error) *BadAnswerError {
	return &BadAnswerError{Key: key, Reason: err.Error(), Err: err}
}

// confirmHint is what a yes/no question shows after itself: the answers, the default
// in capitals, as "(Y/n)".
func confirmHint(p *catalog.Printer, yes bool) string {
	if yes {
		return p.T("prompt.confirm.hint-yes")
	}
	return p.T("prompt.confirm.hint-no")
}

// parseYesNo reads a yes/no answer in p's language or in English, which works in
// every language (as do true and false, for answers written by a program); ok is
// false when s is neither. Case does not matter: "Sí", "SI" and "s" are yes in Spanish.
func parseYesNo(p *catalog.Printer, s string) (yes, ok bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	has := func(words string) bool {
		for _, w := range strings.Fields(words) {
			if w == s {
				return true
			}
		}
		return false
	}
	switch {
	case s == "true" || has(catalog.English().T("prompt.confirm.yes-words")) || has(p.T("prompt.confirm.yes-words")):
		return true, true
	case s == "false" || has(catalog.English().T("prompt.confirm.no-words")) || has(p.T("prompt.confirm.no-words")):
		return false, true
	}
	return false, false
}
