package wizard

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/prompt"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
	"github.com/mfa-onboard/mfa-onboard/steps"
)

// TestAFailedSaveEndsTheRunAsFailed: whatever the step did, a run whose progress could
// not be saved has failed, and its error must not pass for a step waiting on the person
// or for Ctrl-C: those end quietly, and say the progress is saved.
func TestAFailedSaveEndsTheRunAsFailed(t *testing.T) {
	full := errors.New("cannot save state file x.json (no space left on device); check free disk space")
	boom := errors.New("boom")
	for _, stepErr := range []error{nil, &prompt.NeedsAnswerError{Key: "a.code"}, prompt.ErrInterrupted, boom} {
		var runs int
		st := state.New("u@example.com", time.Time{})
		env, _ := stubEnv(st)
		env.Save = func() error { return full }
		r := &Runner{Steps: []steps.Step{stub{"a", stepErr, &runs}}, Env: env}
		got, err := r.Run(context.Background())
		var save *SaveError
		var wait interface{ Waiting() string }
		switch {
		case got != Failed || !errors.As(err, &save) || save.StepID != "a" || !errors.Is(err, full):
			t.Errorf("step error %v: Run = %s, %v; want failed with a *SaveError for step a", stepErr, got, err)
		case errors.As(err, &wait) || errors.Is(err, prompt.ErrInterrupted):
			t.Errorf("step error %v: the save's error %q passes for waiting or interrupted", stepErr, err)
		case !strings.Contains(err.Error(), full.Error()):
			t.Errorf("step error %v: %q does not say why the save failed", stepErr, err)
		case stepErr == boom && (!errors.Is(err, boom) || !strings.Contains(err.Error(), "boom")):
			t.Errorf("the step's own failure is lost: %q", err)
		}
	}
}
