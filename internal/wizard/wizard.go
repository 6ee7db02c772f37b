// Package wizard runs the procedure's steps in order over a user's saved state: it
// skips what is done, stops at what needs a person, and records every outcome.
package wizard

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
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
	// Auditor, when set, hears of every step that changed something, right after its
	// state is saved.
	Auditor Auditor
}

// Auditor records what each step did. It is told step by step, not at the end of
// the run, so that a run killed later still leaves a record of what it did before.
type Auditor interface {
	// Record is called once per step that changed something, after its state was
	// saved (or failed to be). An error ends the run as failed, with an *AuditError:
	// nothing more is done that could not be recorded.
	Record(StepResult) error
}

// StepResult is what one step did in a run.
type StepResult struct {
	Step steps.Step
	// Roles are the provider roles the step uses, none for a step of guidance alone.
	Roles []provider.Role
	// Status is the step's status as recorded; an interrupted step keeps the one it had.
	Status      state.Status
	Interrupted bool
	// Err is the step's own error, nil when it was done.
	Err error
	// SaveErr is why its state could not be saved, nil when it was.
	SaveErr error
	// Before is a copy of the state as it was before the step ran; State is the state
	// after it, the runner's own (read it, do not keep it).
	Before, State *state.State
}

// Changed is true when the step changed something: its status or reason, or any
// record of the state (an id, a time something was sent). A step that waits again
// for the same thing changed nothing.
func (r StepResult) Changed() bool {
	id := r.Step.ID()
	before, after := r.Before.Step(id), r.State.Step(id)
	if before.Status != after.Status || before.Reason != after.Reason {
		return true
	}
	return !bytes.Equal(records(r.Before), records(r.State))
}

// records is the state without what every save rewrites whatever the step did: the
// steps' statuses, the time of the last change and who ran the run that saved it.
func records(st *state.State) []byte {
	var fields map[string]json.RawMessage
	if b, err := json.Marshal(st); err != nil || json.Unmarshal(b, &fields) != nil {
		return nil
	}
	for _, k := range []string{"steps", "updated", "last_run"} {
		delete(fields, k)
	}
	b, _ := json.Marshal(fields) // map keys are sorted: the same records, the same bytes
	return b
}

// snapshot is a deep copy of st: the JSON it is saved as, read back.
func snapshot(st *state.State) *state.State {
	var c state.State
	if b, err := json.Marshal(st); err == nil && json.Unmarshal(b, &c) == nil {
		return &c
	}
	return state.New(st.User, st.Created)
}

// AuditError ends a run after step StepID, whose outcome is saved but could not be
// written to the audit.
type AuditError struct {
	StepID string
	Err    error
}

func (e *AuditError) Error() string { return e.Localize(nil) }

// Localize says the error in p's language.
func (e *AuditError) Localize(p *catalog.Printer) string {
	return p.T("wizard.audit-failed", "Step", strconv.Quote(e.StepID), "Err", e.Err)
}

func (e *AuditError) Unwrap() error { return e.Err }

// stepRoles are the roles step says it uses.
func stepRoles(step steps.Step) []provider.Role {
	if r, ok := step.(roler); ok {
		return r.Roles()
	}
	return nil
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
		env.Screen.Heading(i+1, len(r.Steps), step.Title(env.Text), demoStep(step, env))
		env.Guidance = nil
		var before *state.State
		if r.Auditor != nil {
			before = snapshot(st)
		}
		err := step.Run(ctx, env)
		now := env.Clock.Now().UTC()
		var need waiting
		switch {
		case err == nil:
			st.Mark(id, state.Done, "", now)
			st.Steps[id].Guidance = env.Guidance
		case errors.As(err, &need):
			// The reason is kept, like the guidance, in the language of the run.
			st.Mark(id, state.Waiting, env.Text.Error(err), now)
			st.Steps[id].Guidance = env.Guidance
		case errors.Is(err, prompt.ErrInterrupted) || errors.Is(err, context.Canceled):
			// The step stays as it was; whatever it recorded so far is saved below.
			st.Updated = now
		default:
			st.Mark(id, state.Failed, env.Text.Error(err), now)
		}
		serr := env.Save()
		if r.Auditor != nil {
			res := StepResult{Step: step, Roles: stepRoles(step), Status: st.Step(id).Status, Err: err, SaveErr: serr, Before: before, State: st,
				Interrupted: errors.Is(err, prompt.ErrInterrupted) || errors.Is(err, context.Canceled)}
			if res.Changed() {
				if aerr := r.Auditor.Record(res); aerr != nil && serr == nil {
					return Failed, &AuditError{StepID: id, Err: aerr}
				}
			}
		}
		if serr != nil {
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
func Summarize(p *catalog.Printer, list []steps.Step, st *state.State) Summary {
	s := Summary{User: st.User, Outcome: Completed, Updated: st.Updated}
	for _, step := range list {
		ss := st.Step(step.ID())
		s.Steps = append(s.Steps, StepSummary{ID: step.ID(), Title: step.Title(p), Status: ss.Status, Changed: ss.Changed, Reason: ss.Reason, Guidance: ss.Guidance})
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
