package wizard

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/prompt"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
	"github.com/mfa-onboard/mfa-onboard/steps"
)

// doer is a step that does something to the state, then returns err.
type doer struct {
	id  string
	do  func(*state.State)
	err error
}

func (d doer) ID() string                    { return d.id }
func (d doer) Title(*catalog.Printer) string { return d.id }
func (d doer) Run(_ context.Context, env *steps.Env) error {
	if d.do != nil {
		d.do(env.State)
	}
	return d.err
}

// heard is an Auditor that keeps what it hears, and how many saves preceded each.
type heard struct {
	results []StepResult
	saves   []int
	counter *int
	err     error
}

func (h *heard) Record(r StepResult) error {
	h.results = append(h.results, r)
	h.saves = append(h.saves, *h.counter)
	return h.err
}

func TestTheAuditorHearsOfEachStepAsSoonAsItIsSaved(t *testing.T) {
	st := state.New("u@example.com", time.Time{})
	env, saves := stubEnv(st)
	h := &heard{counter: saves}
	r := &Runner{Env: env, Auditor: h, Steps: []steps.Step{
		doer{id: "a", do: func(s *state.State) { s.Duo = &state.DuoRecord{UserID: "DU1"} }},
		doer{id: "b", err: &prompt.NeedsAnswerError{Key: "b.code"}},
	}}
	if got, _ := r.Run(context.Background()); got != WaitingUser {
		t.Fatalf("Run = %s; want waiting", got)
	}
	if len(h.results) != 2 {
		t.Fatalf("heard of %d steps; want 2", len(h.results))
	}
	a, b := h.results[0], h.results[1]
	if a.Step.ID() != "a" || a.Status != state.Done || a.State.Duo.UserID != "DU1" || a.Before.Duo != nil {
		t.Errorf("step a heard as %+v", a)
	}
	if b.Step.ID() != "b" || b.Status != state.Waiting || b.Err == nil {
		t.Errorf("step b heard as %+v", b)
	}
	if h.saves[0] != 1 || h.saves[1] != 2 {
		t.Errorf("saves before each record = %v; want each step recorded right after its own save", h.saves)
	}
}

func TestAStepThatChangedNothingIsNotRecordedAgain(t *testing.T) {
	need := &prompt.NeedsAnswerError{Key: "a.code"}
	st := state.New("u@example.com", time.Time{})
	st.Mark("a", state.Waiting, need.Error(), time.Time{})
	env, saves := stubEnv(st)
	h := &heard{counter: saves}
	r := &Runner{Env: env, Auditor: h, Steps: []steps.Step{doer{id: "a", err: need}}}
	r.Run(context.Background())
	if len(h.results) != 0 {
		t.Errorf("a step still waiting for the same thing was recorded: %+v", h.results)
	}
}

func TestAnInterruptedStepIsRecordedWhenItChangedSomething(t *testing.T) {
	tests := []struct {
		name string
		do   func(*state.State)
		want int
	}{
		{"a code was sent", func(s *state.State) { s.Verify = &state.VerifyRecord{SentTo: "+12015550100"} }, 1},
		{"nothing was done", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env, saves := stubEnv(state.New("u@example.com", time.Time{}))
			h := &heard{counter: saves}
			r := &Runner{Env: env, Auditor: h, Steps: []steps.Step{doer{id: "a", do: tt.do, err: prompt.ErrInterrupted}}}
			if got, _ := r.Run(context.Background()); got != Interrupted {
				t.Fatalf("Run = %s; want interrupted", got)
			}
			if len(h.results) != tt.want {
				t.Fatalf("heard %d; want %d", len(h.results), tt.want)
			}
			if tt.want == 1 && (!h.results[0].Interrupted || h.results[0].Status != state.Pending) {
				t.Errorf("heard %+v; want interrupted, still pending", h.results[0])
			}
		})
	}
}

func TestARunWhoseAuditCannotBeWrittenStopsAsFailed(t *testing.T) {
	full := errors.New("the entry could not be written whole to the audit a.jsonl (no space left on device); free some disk space and run again")
	var later int
	env, saves := stubEnv(state.New("u@example.com", time.Time{}))
	h := &heard{counter: saves, err: full}
	r := &Runner{Env: env, Auditor: h, Steps: []steps.Step{doer{id: "a"}, stub{"b", nil, &later}}}
	got, err := r.Run(context.Background())
	var ae *AuditError
	if got != Failed || !errors.As(err, &ae) || ae.StepID != "a" || !errors.Is(err, full) {
		t.Fatalf("Run = %s, %v; want failed with an *AuditError for step a", got, err)
	}
	if !strings.Contains(err.Error(), "audit") || !strings.Contains(err.Error(), "free some disk space") {
		t.Errorf("%q does not say what to do", err)
	}
	if later != 0 {
		t.Errorf("the next step ran although the one before could not be recorded")
	}
	if env.State.Step("a").Status != state.Done {
		t.Errorf("step a is %s; its own outcome must stay saved", env.State.Step("a").Status)
	}
}

func TestWithoutAnAuditorNothingChanges(t *testing.T) {
	var a int
	env, _ := stubEnv(state.New("u@example.com", time.Time{}))
	r := &Runner{Env: env, Steps: []steps.Step{stub{"a", nil, &a}}}
	if got, err := r.Run(context.Background()); got != Completed || err != nil || a != 1 {
		t.Fatalf("Run = %s, %v (ran %d)", got, err, a)
	}
}
