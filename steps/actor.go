package steps

import (
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// Actor is who runs the procedure, and so whom its screens speak to.
type Actor struct {
	// Technician is set when a technician runs the procedure on the person's behalf
	// (start --for), beside them or on a call: what admin APIs can do is done, and
	// what only the person can do (read the texted code, tap the activation link,
	// approve the push) is asked of them through the technician.
	Technician bool
	// Name is who the technician is, for what they vouch for: their own name where
	// they gave one and their account on this computer, as "Jo Tech (jtech)".
	Name string
	// TrustPhone, when not empty, is the technician's reason for registering the
	// number without proof of possession (start --for --trust-phone --reason). It is
	// never the default and never comes from an answers file.
	TrustPhone string
}

// ActionTrustPhone is the audit action of a number registered on a technician's
// word, without a texted code: the name internal/audit and "audit --action" use.
const ActionTrustPhone = "trust-phone"

// CheckTrust refuses a trusted number that is not a technician's explicit word with a
// reason: registering a number nobody proved locks a person out if it is wrong, so
// whoever vouches for it must be known and say why.
func (a Actor) CheckTrust() error {
	if a.TrustPhone == "" {
		return nil
	}
	if !a.Technician {
		return catalog.NewError("steps.trust.not-technician")
	}
	if strings.TrimSpace(a.TrustPhone) == "" {
		return catalog.NewError("steps.trust.no-reason")
	}
	return nil
}

// VerifyNote is the verify step's note for status and the result, in p's language:
// that the number was registered on a technician's word, whose and why; "" for a
// number proven with a code.
func VerifyNote(p *catalog.Printer, st *state.State) string {
	v := st.Verify
	if v == nil || v.TrustedAt.IsZero() {
		return ""
	}
	if v.TrustedBy != "" {
		return p.T("steps.verify.note.by", "Reason", v.TrustReason, "By", v.TrustedBy)
	}
	return p.T("steps.verify.note", "Reason", v.TrustReason)
}

// forOther is true in a technician's run for the person.
func (e *Env) forOther() bool { return e.Actor.Technician }

// record writes a technician's action to the audit, where there is one.
func (e *Env) record(action, reason string, ids map[string]string) error {
	if e.Record == nil {
		return nil
	}
	if err := e.Record(action, reason, ids); err != nil {
		return catalog.Wrap(err, "steps.audit.failed", "Action", action)
	}
	return nil
}

// handover marks the current step's guidance as told to the person by the technician
// (or, with nobody at the screen, as still to be told), so that the result never says
// the person read what they were only told; it is kept first, once.
func (e *Env) handover() {
	mark := e.Text.T("steps.handover.told", "User", e.State.User)
	if !e.Interactive {
		mark = e.Text.T("steps.handover.to-tell", "User", e.State.User)
	}
	if len(e.Guidance) == 0 || e.Guidance[0] != mark {
		e.Guidance = append([]string{mark}, e.Guidance...)
	}
}

// tell shows the technician, as a numbered list, what to tell the person, and keeps
// it in the step's guidance as handed over.
func (e *Env) tell(items ...string) {
	e.handover()
	told := len(e.Guidance) - 1
	if told == 0 {
		e.say(e.Text.T("steps.tell", "User", e.State.User))
	}
	e.Screen.StepsFrom(told+1, items...)
	e.Guidance = append(e.Guidance, items...)
}
