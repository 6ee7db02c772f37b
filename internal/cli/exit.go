package cli

import (
	"context"
	"errors"

	"github.com/mfa-onboard/mfa-onboard/internal/answers"
	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/config"
	"github.com/mfa-onboard/mfa-onboard/internal/prompt"
)

// Exit codes. Scripts outside this repository rely on them; the README lists them.
const (
	ExitOK          = 0
	ExitFailed      = 1
	ExitUsage       = 2
	ExitWaiting     = 3
	ExitInterrupted = 130
)

// UsageError is a mistake in how the command was called.
type UsageError struct{ Err error }

func (e *UsageError) Error() string { return e.Err.Error() }
func (e *UsageError) Unwrap() error { return e.Err }

// Localize says the mistake in p's language.
func (e *UsageError) Localize(p *catalog.Printer) string { return p.Error(e.Err) }

// usage is err as a mistake in how the command was called (exit 2).
func usage(err error) error { return &UsageError{Err: err} }

// ExitCode maps an error to the process exit code; this is the only place that does.
func ExitCode(err error) int {
	var (
		usage *UsageError
		ans   *answers.Error
		cfg   *config.Error
		bad   *prompt.BadAnswerError
		wait  interface{ Waiting() string }
	)
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, prompt.ErrInterrupted), errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.As(err, &wait):
		return ExitWaiting
	case errors.As(err, &usage), errors.As(err, &cfg), errors.As(err, &bad), errors.As(err, &ans):
		return ExitUsage
	}
	return ExitFailed
}
