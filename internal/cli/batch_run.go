package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/batch"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
	"github.com/mfa-onboard/mfa-onboard/internal/wizard"
)

// startFor is the batch's run for one person: `start --for` as a technician would
// type it, in this process, with no keyboard (a person-only part ends the run
// waiting), its own output, and the batch's vendor clients.
func startFor(parent *Factory, vendors *vendorClients, trust bool, reason string) batch.RunOne {
	return func(ctx context.Context, row batch.Row) (batch.Outcome, error) {
		var out, errOut bytes.Buffer
		f := parent.child(&out, &errOut, vendors)
		runErr := runStart(ctx, &StartOptions{F: f, For: row.User, Phone: row.Phone, Country: row.Country, Platform: row.Platform, Output: "json", TrustPhone: trust, Reason: reason, Manager: row.Manager})
		if errors.Is(runErr, state.ErrUnreachable) {
			// The team's database, not the person: the engine says so (interrupted,
			// for the same command to carry on with).
			return batch.Outcome{}, runErr
		}
		var res Result
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			if runErr != nil {
				return batch.Outcome{Status: batch.Failed, Reason: f.Text.Error(runErr)}, nil
			}
			return batch.Outcome{Status: batch.Failed, Reason: f.Text.T("batch.no-result", "Output", firstLine(errOut.String()))}, nil
		}
		switch {
		case ctx.Err() != nil:
			return batch.Outcome{Status: batch.Interrupted, Step: res.WaitingOn}, nil
		case res.Status == string(wizard.Completed):
			return batch.Outcome{Status: batch.Completed}, nil
		case res.Status == string(wizard.WaitingUser):
			return batch.Outcome{Status: batch.Waiting, Step: res.WaitingOn, Reason: waitingReason(res)}, nil
		}
		reason := res.Reason
		if reason == "" && runErr != nil {
			reason = f.Text.Error(runErr)
		}
		return batch.Outcome{Status: batch.Failed, Step: failedStep(res), Reason: reason}, nil
	}
}

// child is a copy of f for one run of a batch: its own output and no keyboard, the
// shared vendor clients, the same home, profile, technician and clock.
func (f *Factory) child(out, errOut *bytes.Buffer, vendors *vendorClients) *Factory {
	c := *f
	c.IO = &IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut}
	c.NonInteractive = true
	c.keys = nil
	c.vendors = vendors
	return &c
}

// waitingReason is what the technician is to do for the waiting step (its guidance,
// written for a technician's run: whom to ask for what, and the command to carry on),
// else the step's reason, else the run's.
func waitingReason(r Result) string {
	for _, s := range r.Steps {
		if s.ID != r.WaitingOn {
			continue
		}
		if len(s.Guidance) > 0 {
			return strings.Join(s.Guidance, " ")
		}
		if s.Reason != "" {
			return s.Reason
		}
	}
	return r.Reason
}

func failedStep(r Result) string {
	for _, s := range r.Steps {
		if s.Status == "failed" {
			return s.ID
		}
	}
	return ""
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
