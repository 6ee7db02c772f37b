package remind

import (
	"context"
	"errors"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/audit"
	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// The statuses of a Result.
const (
	Sent      = "sent"
	Failed    = "failed"
	Skipped   = "skipped"
	WouldSend = "would-send"
)

// Result is one message that was due: sent, failed, skipped, or, in a dry run, what
// would be sent. It is one row of remind's table and one object of its JSON.
type Result struct {
	User         string    `json:"user"`
	Action       Kind      `json:"action"`
	Step         string    `json:"step"`
	WaitingSince time.Time `json:"waiting_since"`
	// Reminder is the reminder's number, or for an escalation the reminders sent
	// before it; Max is remind.max.
	Reminder int `json:"reminder"`
	Max      int `json:"max"`
	// To is the address, Recipient whose it is (person, manager or support).
	To        string `json:"to"`
	Recipient string `json:"recipient"`
	// Channel is the providers.notify channel it goes through.
	Channel string `json:"channel"`
	Status  string `json:"status"`
	ID      string `json:"id"`
	Receipt string `json:"receipt,omitempty"`
	// Reason says why it failed or was skipped.
	Reason string `json:"reason,omitempty"`
	// Problem is set when the message went out but the person's state could not be
	// saved after it; the message still counts as sent (see state.RemindRecord).
	Problem string `json:"problem,omitempty"`
}

// OK is false for a result that needs the technician's attention.
func (r Result) OK() bool { return r.Status != Failed && r.Problem == "" }

// Store is the part of the state store a Sender uses.
type Store interface {
	Lock(user string) (unlock func() error, err error)
	Load(user string) (*state.State, error)
	Save(st *state.State) error
}

// Log is the customer's audit.
type Log interface {
	Append(audit.Entry) error
}

// Sender sends what is due, one person at a time, under their lock.
type Sender struct {
	Store  Store
	Mailer provider.PersonMailer
	// Channel is the providers.notify name of Mailer ("smtp", "graph-mail", "fake").
	Channel string
	Log     Log
	Policy  Policy
	Texts   Texts
	Now     func() time.Time
	// Text is the language of the messages built in (nil: English), and of the
	// reasons and records it gives.
	Text *catalog.Printer
}

// Preview is what Send would make of p, without sending: a dry run's row.
func (s *Sender) Preview(p Plan) Result {
	r := s.result(p)
	r.Status = WouldSend
	return r
}

func (s *Sender) result(p Plan) Result {
	to, who := p.To(s.Texts)
	return Result{User: p.User, Action: p.Kind, Step: p.Wait.Step, WaitingSince: p.Wait.Since.UTC(), Reminder: p.Number, Max: s.Policy.Max,
		To: to, Recipient: who, Channel: s.Channel, ID: p.ID()}
}

// Send sends what planned (from a listing of everyone) says is due, deciding again
// under the person's lock from their state as it is then: due is false when nothing
// is any more (another remind sent it). The error is one that must stop every
// further send: the audit could not be written, so nothing more may be done that it
// would not show.
func (s *Sender) Send(ctx context.Context, planned Plan) (res Result, due bool, err error) {
	user := planned.User
	unlock, err := s.Store.Lock(user)
	if errors.Is(err, state.ErrLocked) {
		res = s.result(planned)
		res.Status, res.Reason = Skipped, s.Text.T("remind.send.busy")
		return res, true, nil
	}
	if err != nil {
		res = s.result(planned)
		res.Status, res.Reason = Failed, s.Text.Error(err)
		return res, true, nil
	}
	defer func() { _ = unlock() }()
	st, err := s.Store.Load(user)
	if err != nil {
		res = s.result(planned)
		res.Status, res.Reason = Failed, s.Text.Error(err)
		return res, true, nil
	}
	now := s.Now().UTC()
	p, ok := Decide(st, s.Policy, now)
	if !ok || !p.Due() {
		return Result{}, false, nil
	}
	res = s.result(p)
	if res.To == "" {
		return s.failed(res, catalog.NewError("remind.send.no-support-email"))
	}
	rec := p.Record
	rec.PendingID, rec.PendingKind, rec.PendingTo, rec.PendingAt = res.ID, string(p.Kind), res.To, now
	st.Remind = &rec
	if err := s.Store.Save(st); err != nil {
		return s.failed(res, catalog.Wrap(err, "remind.send.not-recorded"))
	}
	subject, body := Compose(s.Text, p, st, s.Texts, s.Policy, now)
	receipt, sendErr := s.Mailer.MailPerson(ctx, res.To, subject, body, res.ID)
	rec.PendingID, rec.PendingKind, rec.PendingTo, rec.PendingAt = "", "", "", time.Time{}
	if sendErr != nil {
		if err := s.Store.Save(st); err != nil {
			sendErr = catalog.Wrap(sendErr, "remind.send.failed-unsaved", "Next", now.Add(s.Policy.Every).Format(time.RFC3339), "Problem", err)
		}
		return s.failed(res, sendErr)
	}
	sentAt := s.Now().UTC()
	if p.Kind == KindEscalate {
		rec.EscalatedAt, rec.EscalatedTo = sentAt, res.To
	} else {
		rec.Sent, rec.LastSent = rec.Sent+1, sentAt
	}
	rec.Receipt = receipt
	res.Status, res.Receipt = Sent, receipt
	if err := s.Store.Save(st); err != nil {
		// The pending mark saved before sending still stands: it counts as sent.
		res.Problem = s.Text.T("remind.send.sent-unsaved", "Err", err)
	}
	return res, true, s.record(res)
}

func (s *Sender) failed(res Result, err error) (Result, bool, error) {
	res.Status, res.Reason = Failed, s.Text.Error(err)
	return res, true, s.record(res)
}

// record writes res to the audit: which message, to whom, through what, and how it
// ended. The reminder's text is not kept, only its id and the channel's receipt.
func (s *Sender) record(res Result) error {
	t := s.Text
	what := t.T("remind.record.reminder", "Number", res.Reminder, "Max", res.Max)
	if res.Action == KindEscalate {
		what = t.T("remind.record.manager", "Count", res.Reminder)
		if res.Recipient == ToSupport {
			what = t.T("remind.record.support", "Count", res.Reminder)
		}
	}
	reason := t.T("remind.record", "What", what, "Step", res.Step, "To", res.To)
	switch {
	case res.Reason != "":
		reason = t.T("remind.record.why", "What", what, "Step", res.Step, "To", res.To, "Why", res.Reason)
	case res.Problem != "":
		reason = t.T("remind.record.why", "What", what, "Step", res.Step, "To", res.To, "Why", res.Problem)
	}
	ids := map[string]string{"message_id": res.ID}
	if res.Receipt != "" {
		ids["receipt"] = res.Receipt
	}
	e := audit.Entry{Action: string(res.Action), User: res.User, Provider: res.Channel, Result: res.Status, IDs: ids, Reason: reason}
	if err := s.Log.Append(e); err != nil {
		return catalog.Wrap(err, "remind.record.failed", "Action", string(res.Action), "User", res.User, "Status", res.Status)
	}
	return nil
}
