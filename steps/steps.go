// Package steps is the procedure: one type per step, in the order a person goes
// through them. Each step talks only to the Prompter, the Screen and the provider
// roles; it never knows which backend serves a role.
package steps

import (
	"context"
	"errors"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/config"
	"github.com/mfa-onboard/mfa-onboard/internal/prompt"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/screen"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// Step is one part of the procedure. Its ID is stable: state files, answers files
// and flags use it.
type Step interface {
	ID() string
	Title(p *catalog.Printer) string
	// Run does the step, recording progress in env.State (and saving it) as it goes,
	// so that an interrupted step resumes without repeating what it already did.
	Run(ctx context.Context, env *Env) error
}

// Env is everything a step may use.
type Env struct {
	State     *state.State
	Save      func() error
	Prompt    prompt.Prompter
	Screen    *screen.Screen
	Providers provider.Set
	Config    *config.Config
	Clock     clock.Clock
	// Interactive is true when a person answers; without one, confirmations are skipped
	// and guidance is recorded instead of waited on.
	Interactive bool
	// Computer names this machine in the support notice.
	Computer string
	// Program is the command the person types to run this tool again.
	Program string
	// Guidance collects what the current step told the person to do; the runner keeps
	// it with the step's state for runs where nobody reads the screen.
	Guidance []string
	// Actor is who is at the keyboard: the person, or a technician acting for them.
	// It is a value of the run, not of the process, so that one process can run many
	// people's procedures, each with its own.
	Actor Actor
	// Record, when set, writes what a technician did on their own word (a number
	// trusted without a code) to the audit before it takes effect; an error stops it.
	Record func(action, reason string, ids map[string]string) error
	// Text is the catalogue in the language of the run (nil: English). What a step
	// shows and keeps as guidance is said in it; ids, keys and values it saves are not.
	Text *catalog.Printer
}

// say, ok and problem show one paragraph, already in the run's language.
func (e *Env) say(text string)     { e.Screen.Say("%s", text) }
func (e *Env) ok(text string)      { e.Screen.OK("%s", text) }
func (e *Env) problem(text string) { e.Screen.Problem("%s", text) }

// guide shows numbered things to do and keeps them for the result.
func (e *Env) guide(items ...string) {
	e.Screen.StepsFrom(len(e.Guidance)+1, items...)
	e.Guidance = append(e.Guidance, items...)
}

// note says one thing the person should know and keeps it for the result.
func (e *Env) note(text string) {
	e.Screen.Say("%s", text)
	e.Guidance = append(e.Guidance, text)
}

// choose asks for one of opts; without a person and without an answer it returns ""
// so that a guidance step can show every variant instead of waiting.
func (e *Env) choose(ctx context.Context, q prompt.Question, opts []prompt.Option) (string, error) {
	v, err := e.Prompt.Select(ctx, q, opts)
	var need *prompt.NeedsAnswerError
	if !e.Interactive && errors.As(err, &need) && !need.Retry {
		return "", nil
	}
	return v, err
}

// All returns the procedure's steps in order. The order is the procedure's own; the
// list is explicit so that it can be read in one place.
func All() []Step {
	return []Step{
		Phone{},
		Verify{},
		NotifySupport{},
		OfficeApps{},
		MobileMail{},
		DuoInstall{},
		DuoEnroll{},
		DuoTest{},
	}
}

func (e *Env) now() time.Time { return e.Clock.Now().UTC() }

// again is the command that carries on where this run stops: for a technician, their
// own kind of run for the same person, which any technician can pick up.
func (e *Env) again() string {
	cmd := e.Program + " start"
	if e.Program == "" {
		cmd = "mfa-onboard start" // untranslated: a command
	}
	if e.forOther() {
		cmd += " --for " + e.State.User
	}
	return cmd
}

// saveAnswers keeps what a person answered before the next question, so that a
// closed window or a crash never asks it again. Answers from a file or flags are
// read again by the next run and saved with the step, so then nothing is written.
func (e *Env) saveAnswers() error {
	if !e.Interactive {
		return nil
	}
	return e.Save()
}

// source says where answers come from in this run.
func (e *Env) source() state.Source {
	if e.Interactive {
		return state.FromPrompt
	}
	return state.FromAnswers
}

// acknowledge lets a person read guidance (or a technician tell it to them) before
// going on; "no" shows it again. Without a person the guidance stays on record and the
// step completes.
func (e *Env) acknowledge(ctx context.Context, key string, show func()) error {
	if !e.Interactive {
		return nil
	}
	q := prompt.Question{
		Key:     key,
		Message: e.Text.T("steps.ack.ask"),
		Help:    e.Text.T("steps.ack.help"),
		Default: "yes",
	}
	if e.forOther() {
		// The technician tells the person, who does not read this screen.
		q.Message, q.Help = e.Text.T("steps.ack.ask.for"), e.Text.T("steps.ack.help.for")
	}
	for {
		done, err := e.Prompt.Confirm(ctx, q)
		if err != nil || done {
			return err
		}
		e.Guidance = nil
		e.Screen.Blank()
		show()
	}
}
