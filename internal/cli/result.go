package cli

import (
	"bytes"
	"encoding/json"
	"io"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
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
	Reason    string       `json:"reason,omitempty"` // why a run failed, or waits before any step ran
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
	r := Result{Schema: ResultSchema, User: s.User, Status: string(s.Outcome), Reason: s.Reason, Steps: []StepResult{}}
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

// writeJSON prints the result. Its strings are kept exactly (a user or a reason from
// a state file may hold anything), but a character a terminal would act on when
// someone prints the document (a C1 control, a bidi override) is written as a \u
// escape, which a JSON reader decodes back into the same character.
func writeJSON(w io.Writer, s wizard.Summary) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(newResult(s)); err != nil {
		return catalog.Wrap(err, "cli.json.write")
	}
	if _, err := w.Write(sanitize.EscapeJSON(buf.Bytes())); err != nil {
		return catalog.Wrap(err, "cli.json.write")
	}
	return nil
}
