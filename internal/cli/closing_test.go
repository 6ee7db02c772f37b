package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/prompt"
	"github.com/mfa-onboard/mfa-onboard/internal/screen"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
	"github.com/mfa-onboard/mfa-onboard/internal/wizard"
	"github.com/mfa-onboard/mfa-onboard/steps"
)

type endsWith struct{ err error }

func (endsWith) ID() string                              { return "phone" }
func (endsWith) Title(*catalog.Printer) string           { return "Your mobile number" }
func (s endsWith) Run(context.Context, *steps.Env) error { return s.err }

// TestAFullDiskNeverSaysProgressIsSaved: the closing words said "your progress is
// saved" above the error saying it could not be; a waiting step's save failure exited
// 3, which prints no error at all, and an interrupted one exited 130.
func TestAFullDiskNeverSaysProgressIsSaved(t *testing.T) {
	full := errors.New("cannot save state file /home/a/state/x.json (no space left on device); check free disk space and that you may write to /home/a/state")
	for _, stepErr := range []error{nil, errors.New("Duo refused the request"), &prompt.NeedsAnswerError{Key: steps.KeyPhoneNumber}, prompt.ErrInterrupted} {
		st := state.New("alice@example.com", time.Time{})
		var screenOut bytes.Buffer
		scr := screen.New(&screenOut, screen.Options{})
		env := &steps.Env{State: st, Save: func() error { return full }, Screen: scr, Clock: clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))}
		list := []steps.Step{endsWith{stepErr}}
		outcome, err := (&wizard.Runner{Steps: list, Env: env}).Run(context.Background())
		sum := summarize(nil, list, st)
		sum.Outcome = outcome
		sum.WaitingOn = firstWaiting(st, list)
		screenOut.Reset()
		closing(scr, sum, err, "mfa-onboard")
		said := screenOut.String()
		if !strings.Contains(said, "could not be saved") || strings.Contains(said, "progress is saved") {
			t.Errorf("step error %v: the closing words are %q; want them to say progress could not be saved", stepErr, said)
		}
		if code := ExitCode(err); code != ExitFailed {
			t.Errorf("step error %v: exit %d; want %d, so the error is printed", stepErr, code, ExitFailed)
		}
		var errOut bytes.Buffer
		printError(&errOut, nil, 0, err, ExitCode(err))
		if !strings.Contains(errOut.String(), "no space left on device") {
			t.Errorf("step error %v: the error printed is %q", stepErr, errOut.String())
		}
	}
}

// The welcome and the closing words are said in the run's language, with the
// step's id, the answers key and the flag as they are.
func TestWelcomeAndClosingSpeakTheRunsLanguage(t *testing.T) {
	es := catalog.New(language.Spanish)
	var out bytes.Buffer
	scr := screen.New(&out, screen.Options{})
	st := state.New("alice@example.com", time.Time{})
	list := []steps.Step{endsWith{}, steps.Verify{}}
	st.Mark("phone", state.Done, "", time.Time{})
	welcome(scr, es, st, list, "mfa-onboard", "mfa-onboard start")
	sum := summarize(es, list, st)
	sum.Outcome, sum.WaitingOn = wizard.WaitingUser, "verify"
	closeRun(scr, es, sum, &prompt.NeedsAnswerError{Key: steps.KeyVerifyCode}, "mfa-onboard start")
	for _, want := range []string{
		"Hola de nuevo, alice@example.com: ya está hecho 1 de los 2 pasos; continuamos desde ahí.",
		"Puede detenerse en cualquier momento con Ctrl-C",
		`En espera de la persona en el paso "verify": necesita la clave "verify.code" del archivo de respuestas o --code.`,
		"Indíquela, o ejecute mfa-onboard start en un terminal para continuar.",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the screen lacks %q:\n%s", want, out.String())
		}
	}
}
