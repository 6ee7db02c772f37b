package remind

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// Kind is what is sent: a reminder to the person, or word to their manager or the
// support desk. Its value is the audit's action ("audit --action remind").
type Kind string

// The kinds of message, as the audit names them.
const (
	KindRemind   Kind = "remind"
	KindEscalate Kind = "remind-escalate"
)

// Policy is config's remind section: how long a person waits before the first
// reminder, the least time between two, and how many before escalating.
type Policy struct {
	After time.Duration
	Every time.Duration
	Max   int
}

// Plan is what is due for one person now.
type Plan struct {
	User string
	Wait Wait
	// Kind is what is due now; "" when nothing is.
	Kind Kind
	// Number is the reminder's number (1 to Max) for KindRemind, and the reminders
	// already sent for KindEscalate.
	Number int
	// NextAt is when something is next due, when nothing is now; zero when nothing
	// more ever is for this wait (its escalation was sent).
	NextAt time.Time
	// Record is the person's reminder record for this wait, a message left pending
	// by a stopped run counted in as sent.
	Record state.RemindRecord
	// Manager is the manager recorded for the person, "" when none is.
	Manager string
}

// Due is true when something is to be sent now.
func (p Plan) Due() bool { return p.Kind != "" }

// Decide says what is due for st at now under pol; ok is false when the person does
// not wait on a part of their own.
func Decide(st *state.State, pol Policy, now time.Time) (p Plan, ok bool) {
	w, ok := Waiting(st)
	if !ok {
		return Plan{}, false
	}
	p = Plan{User: st.User, Wait: w, Manager: strings.TrimSpace(st.Manager)}
	rec, until := current(st, w, pol.Every, now)
	p.Record = rec
	switch {
	case !until.IsZero():
		p.NextAt = until
	case !rec.EscalatedAt.IsZero():
		// Told already: the manager or the desk takes it from here.
	case now.Sub(w.Since) <= pol.After:
		p.NextAt = w.Since.Add(pol.After)
	case rec.Sent > 0 && now.Sub(rec.LastSent) < pol.Every:
		p.NextAt = rec.LastSent.Add(pol.Every)
	case rec.Sent < pol.Max:
		p.Kind, p.Number = KindRemind, rec.Sent+1
	default:
		p.Kind, p.Number = KindEscalate, rec.Sent
	}
	return p, true
}

// current is st's reminder record for the wait w: a fresh one when the record is of
// another wait. A message still pending blocks any other until every has passed
// since it was started (until says till when); after that it counts as sent, since
// whether it went out cannot be known.
func current(st *state.State, w Wait, every time.Duration, now time.Time) (rec state.RemindRecord, until time.Time) {
	rec = state.RemindRecord{Step: w.Step, Since: w.Since}
	if r := st.Remind; r != nil && r.Step == w.Step && r.Since.Equal(w.Since) {
		rec = *r
	}
	if rec.PendingID == "" {
		return rec, time.Time{}
	}
	if now.Sub(rec.PendingAt) < every {
		return rec, rec.PendingAt.Add(every)
	}
	if Kind(rec.PendingKind) == KindEscalate {
		rec.EscalatedAt, rec.EscalatedTo = rec.PendingAt, rec.PendingTo
	} else {
		rec.Sent++
		rec.LastSent = rec.PendingAt
	}
	rec.PendingID, rec.PendingKind, rec.PendingTo, rec.PendingAt = "", "", "", time.Time{}
	return rec, time.Time{}
}

// ID is the id of the message p says is due: the same for the same person, wait,
// kind and number, so that sending it again keeps its Message-ID, and different for
// every other message.
func (p Plan) ID() string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%s\x00%s\x00%d",
		strings.ToLower(p.User), p.Wait.Step, p.Wait.Since.UTC().Format(time.RFC3339Nano), p.Kind, p.Number))
	return "mfa-onboard-" + string(p.Kind) + "-" + hex.EncodeToString(sum[:8])
}
