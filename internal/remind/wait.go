// Package remind nudges people who have waited too long on a part of the procedure
// only they can do (the texted code, tapping the Duo activation, approving the test
// push, reading guidance): a mail to their own address at most once per interval,
// and after a number of reminders a word to their manager, or, with none recorded,
// to the support desk. Rolling MFA out to a whole customer is weeks of chasing
// people; this is that chasing, recorded.
//
// Exactly once, or rather at most once per interval: each message's id is written
// into the person's state before it is sent, and its time after (see
// state.RemindRecord). Mail cannot be asked afterwards whether it delivered a
// message, so a run stopped between the two counts the message as sent from when it
// was started: the person is never sent two within the interval, and at worst one
// reminder is lost. Message ids are derived from the person, the wait and the
// reminder's number, so a message sent again keeps its Message-ID.
package remind

import (
	"slices"
	"strings"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/state"
	"github.com/mfa-onboard/mfa-onboard/steps"
)

// Wait is a person's wait on a part only they can do.
type Wait struct {
	// Step is the id of the step they are at.
	Step string
	// Since is when the wait began: when the step before it was done (a later run
	// that waits again, such as a batch run the next day, is not the person moving),
	// or when they started, at the first step.
	Since time.Time
	// Technician is true when a technician runs their procedure (start --for, a
	// batch): they carry on with the technician, not with a run of their own.
	Technician bool
}

// Waiting says what st waits on that only the person can do; ok is false when they
// are done, failed, or wait on something else (a number nobody gave yet, a support
// notice whose channel is down, a choice a technician can make).
func Waiting(st *state.State) (w Wait, ok bool) {
	since := st.Created
	notify := steps.NotifySupport{}.ID()
	for _, s := range steps.All() {
		id := s.ID()
		step := st.Step(id)
		switch {
		case step.Status == state.Done || step.Status == state.Skipped:
			if step.Changed.After(since) {
				since = step.Changed
			}
			continue
		case step.Status == state.Failed:
			return Wait{}, false
		case id == notify && step.Status == state.Waiting:
			// A notice not sent yet (its channel was down) holds nobody up: the
			// procedure goes on past it, and the next run tries it again.
			continue
		}
		if !personOnly(st, id) {
			return Wait{}, false
		}
		return Wait{Step: id, Since: since, Technician: byTechnician(st)}, true
	}
	return Wait{}, false
}

// personOnly says whether step id, not done, waits on the person alone, from what the
// state records of it rather than from the words of its reason.
func personOnly(st *state.State, id string) bool {
	switch id {
	case steps.Verify{}.ID():
		// The proof of possession (the texted code, or Microsoft's security-info page)
		// is the person's; once it is given, what is left (which number to keep) is a
		// choice a technician can make.
		v := st.Verify
		return v == nil || v.VerifiedAt.IsZero() && v.TrustedAt.IsZero()
	case steps.OfficeApps{}.ID(), steps.MobileMail{}.ID(), steps.DuoInstall{}.ID():
		// Guidance waits only on the person reading it (or hearing it).
		return true
	case steps.DuoEnroll{}.ID():
		// Only once an activation was given is the rest theirs: before it, the tool
		// still has Duo's user and phone to make.
		d := st.Duo
		return d != nil && d.ActivatedAt.IsZero() && (!d.ActivationShown.IsZero() || !d.ActivationTexted.IsZero())
	case steps.DuoTest{}.ID():
		// A push sent, or one that was not approved and is sent again only when the
		// person asks.
		t := st.DuoTest
		return t != nil && t.ApprovedAt.IsZero() && (!t.PushedAt.IsZero() || t.Outcome != "")
	}
	return false
}

// byTechnician says whether a technician runs the person's procedure. The state has
// no field for it, so it is read from what such runs leave: the technician's name,
// a number trusted on their word, guidance handed over, or the command to carry on
// with (start --for), which every technician's wait names.
func byTechnician(st *state.State) bool {
	if st.LastRun != nil && st.LastRun.Technician != "" {
		return true
	}
	if v := st.Verify; v != nil && !v.TrustedAt.IsZero() {
		return true
	}
	for _, s := range st.Steps {
		if namesStartFor(s.Reason) || slices.ContainsFunc(s.Guidance, namesStartFor) {
			return true
		}
	}
	return false
}

// namesStartFor says whether text names the command a technician carries on with:
// a technician's wait does ("… start --for alice@…"), and so does guidance handed
// over ("(start --for)"), whatever language the run spoke.
func namesStartFor(text string) bool {
	// untranslated: the command, the same in every language
	return strings.Contains(text, " start --for ") || strings.Contains(text, "(start --for)")
}
