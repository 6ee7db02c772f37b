// Package wizard runs the procedure's steps in order over a user's saved state: it
// skips what is done, stops at what needs a person, and records every outcome.
package wizard

import (
	"context"
	"errors"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/prompt"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
	"github.com/mfa-onboard/mfa-onboard/steps"
)

// Outcome is how a run ended.
type Outcome string

// The ways a run ends. They are part of the JSON output and must not change.
const (
	Completed   Outcome = "completed"
	WaitingUser Outcome = "waiting"
	Failed      Outcome = "failed"
	Interrupted Outcome = "interrupted"
)

// Runner runs steps for one user.
type Runner struct {
	Steps []steps.Step
	Env   *steps.Env
}

// waiting is an error that means "the person has something to do", such as
// *prompt.NeedsAnswerError: the run ends as waiting, not failed.
type waiting interface {
	error
	Waiting() string
}

// Run goes through every step not yet done. It returns the outcome and the error that
// stopped it, if any: an error with a Waiting method when waiting on a person,
// prompt.ErrInterrupted on Ctrl-C, a *SaveError when progress could not be saved, or
// the step's own error.
func (r *Runner) Run(ctx context.Context) (Outcome, error) {
	env, st := r.Env, r.Env.State
	var deferred error
	for i, step := range r.Steps {
		id := step.ID()
		if s := st.Step(id).Status; s == state.Done || s == state.Skipped {
			continue
		}
		if ctx.Err() != nil {
			return Interrupted, prompt.ErrInterrupted
		}
		env.Screen.Heading(i+1, len(r.Steps), step.Title(), demoStep(step, env))
		env.Guidance = nil
		err := step.Run(ctx, env)
		now := env.Clock.Now().UTC()
		var need waiting
		switch {
		case err == nil:
			st.Mark(id, state.Done, "", now)
			st.Steps[id].Guidance = env.Guidance
		case errors.As(err, &need):
			st.Mark(id, state.Waiting, err.Error(), now)
			st.Steps[id].Guidance = env.Guidance
		case errors.Is(err, prompt.ErrInterrupted) || errors.Is(err, context.Canceled):
			// The step stays as it was; whatever it recorded so far is saved below.
			st.Updated = now
		default:
			st.Mark(id, state.Failed, err.Error(), now)
		}
		if serr := env.Save(); serr != nil {
			return Failed, newSaveError(id, err, serr)
		}
		var later interface{ Deferred() bool }
		switch {
		case err == nil:
			continue
		case errors.As(err, &later) && later.Deferred():
			// Outside the person's hands (a mail server down): record it, go on, and
			// end the run as waiting so the next run retries it.
			deferred = err
			continue
		case need != nil:
			return WaitingUser, err
		case errors.Is(err, prompt.ErrInterrupted) || errors.Is(err, context.Canceled):
			return Interrupted, prompt.ErrInterrupted
		default:
			return Failed, err
		}
	}
	if deferred != nil {
		return WaitingUser, deferred
	}
	return Completed, nil
}

// SaveError ends a run whose progress could not be saved after step StepID (a full
// disk, a folder gone read-only): the run has failed whatever the step did, since what
// it recorded is lost, and nothing may say the progress is saved. It unwraps to the
// save's error and, when the step failed on its own, the step's; a step that was
// waiting or interrupted is left out, so that the run neither exits as waiting (which
// prints no error) nor as interrupted.
type SaveError struct {
	StepID string
	// Step is the step's own failure, or nil when it finished, waited or was stopped.
	Step error
	Err  error
}

func newSaveError(id string, stepErr, saveErr error) *SaveError {
	var need waiting
	if errors.As(stepErr, &need) || errors.Is(stepErr, prompt.ErrInterrupted) || errors.Is(stepErr, context.Canceled) {
		stepErr = nil
	}
	return &SaveError{StepID: id, Step: stepErr, Err: saveErr}
}

func (e *SaveError) Error() string { return errors.Join(e.Step, e.Err).Error() }

func (e *SaveError) Unwrap() []error {
	if e.Step == nil {
		return []error{e.Err}
	}
	return []error{e.Step, e.Err}
}

// roler is a step that says which provider roles it uses, so its screen is labelled
// a demo only when one of those is a stand-in.
type roler interface {
	Roles() []provider.Role
}

func demoStep(step steps.Step, env *steps.Env) bool {
	if env.Providers == nil || allDemo(env.Providers) {
		// A whole demo says so once, at the top; a label on every step is noise.
		return false
	}
	r, ok := step.(roler)
	if !ok {
		return env.Providers.Demo()
	}
	for _, role := range r.Roles() {
		if env.Providers.DemoRole(role) {
			return true
		}
	}
	return false
}

func allDemo(set provider.Set) bool {
	for _, r := range []provider.Role{provider.RoleSMS, provider.RolePhoneRegistration, provider.RoleNotify, provider.RoleDuo} {
		if !set.DemoRole(r) {
			return false
		}
	}
	return true
}

// Summary is the state of every step, for status and for the JSON result.
type Summary struct {
	User      string
	Outcome   Outcome
	WaitingOn string
	Steps     []StepSummary
	Updated   time.Time
	// Reason is why a failed run failed, in its error's words: the one thing a
	// pipeline must learn when the run stopped before any step (a lock held, a damaged
	// state file) or when its progress could not be saved.
	Reason string
}

// StepSummary is one step's line in a summary.
type StepSummary struct {
	ID       string
	Title    string
	Status   state.Status
	Changed  time.Time
	Reason   string
	Guidance []string
}

// Summarize describes st against the list of steps.
func Summarize(list []steps.Step, st *state.State) Summary {
	s := Summary{User: st.User, Outcome: Completed, Updated: st.Updated}
	for _, step := range list {
		ss := st.Step(step.ID())
		s.Steps = append(s.Steps, StepSummary{ID: step.ID(), Title: step.Title(), Status: ss.Status, Changed: ss.Changed, Reason: ss.Reason, Guidance: ss.Guidance})
		switch ss.Status {
		case state.Done, state.Skipped:
		case state.Failed:
			if s.Outcome == Completed {
				s.Outcome = Failed
			}
		default:
			if s.Outcome == Completed {
				s.Outcome = WaitingUser
				s.WaitingOn = step.ID()
			}
		}
	}
	return s
}
