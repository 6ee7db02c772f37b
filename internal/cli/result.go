package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/wizard"
)

// ResultSchema versions the JSON result. Scripts parse it: add fields freely, but
// renaming or removing one needs a new version.
const ResultSchema = 1

// Result is the one JSON document "start" and "status" print with --output json.
type Result struct {
	Schema    int          `json:"schema"`
	User      string       `json:"user"`
	Status    string       `json:"status"`
	WaitingOn string       `json:"waiting_on,omitempty"`
	Updated   *time.Time   `json:"updated,omitempty"`
	Steps     []StepResult `json:"steps"`
}

// StepResult is one step in the JSON result.
type StepResult struct {
	ID      string     `json:"id"`
	Title   string     `json:"title"`
	Status  string     `json:"status"`
	Changed *time.Time `json:"changed,omitempty"`
	Reason  string     `json:"reason,omitempty"`
	// Guidance is what the person should do or expect, for a pipeline to pass on.
	Guidance []string `json:"guidance,omitempty"`
}

func newResult(s wizard.Summary) Result {
	r := Result{Schema: ResultSchema, User: s.User, Status: string(s.Outcome), Steps: []StepResult{}}
	if s.Outcome == wizard.Interrupted {
		// Scripts know three outcomes; an interrupted run is resumable, like a waiting one.
		r.Status = string(wizard.WaitingUser)
	}
	if r.Status == string(wizard.WaitingUser) {
		r.WaitingOn = s.WaitingOn
	}
	if !s.Updated.IsZero() {
		u := s.Updated.UTC()
		r.Updated = &u
	}
	for _, st := range s.Steps {
		sr := StepResult{ID: st.ID, Title: st.Title, Status: string(st.Status), Reason: st.Reason, Guidance: st.Guidance}
		if !st.Changed.IsZero() {
			c := st.Changed.UTC()
			sr.Changed = &c
		}
		r.Steps = append(r.Steps, sr)
	}
	return r
}

func writeJSON(w io.Writer, s wizard.Summary) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(newResult(s)); err != nil {
		return fmt.Errorf("write the JSON result: %w", err)
	}
	return nil
}
