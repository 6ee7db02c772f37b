package steps

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/phone"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// NotifySupport tells the support desk that the person has a verified sign-in phone,
// so that support can make two-step sign-in required on the account.
type NotifySupport struct{}

// ID is the step's stable id.
func (NotifySupport) ID() string { return "notify-support" }

// Roles are the provider roles the step uses.
func (NotifySupport) Roles() []provider.Role { return []provider.Role{provider.RoleNotify} }

// Title names the step for people.
func (NotifySupport) Title(p *catalog.Printer) string { return p.T("steps.notify-support.title") }

// Run sends the notice once: its id is saved before sending, and a re-run asks each
// channel whether that id already went out before sending again.
func (NotifySupport) Run(ctx context.Context, env *Env) error {
	notifiers, err := env.Providers.Notifiers()
	if err != nil {
		return err
	}
	rec := env.State.Notice
	if rec == nil {
		id := make([]byte, 8)
		if _, err := rand.Read(id); err != nil {
			return fmt.Errorf("make a notice id: %w", err)
		}
		rec = &state.NoticeRecord{ID: "mfa-onboard-" + hex.EncodeToString(id), Started: env.now()}
		env.State.Notice = rec
		if err := env.Save(); err != nil {
			return err
		}
	}
	support := env.Config.Support
	if env.forOther() {
		env.Screen.Say("The Microsoft 365 part is done for %s. Now %s is told, so that two-step sign-in can be "+
			"required on the account.", env.State.User, support.Name)
	} else {
		env.Screen.Say("Your part of the Microsoft 365 set-up is done. Now %s is told, so that they can make "+
			"two-step sign-in required on your account (you do not need to email them yourself).", support.Name)
	}
	env.Screen.Blank()
	notice := provider.Notice{
		ID:           rec.ID,
		User:         env.State.User,
		Organisation: env.Config.Organisation,
		MaskedPhone:  maskedPhone(env.State),
		Completed:    []string{proof(env.State), "registered as the Microsoft 365 sign-in phone"},
		When:         env.now(),
		Computer:     env.Computer,
	}
	if rec.Channels == nil {
		rec.Channels = map[string]string{}
	}
	var failed []string
	for _, n := range notifiers {
		if r, done := rec.Channels[n.Name()]; done {
			env.Screen.OK("Support was already told by %s (reference %s).", n.Name(), r)
			continue
		}
		receipt, err := notifyOnce(ctx, n, notice)
		if err != nil {
			env.Screen.Problem("Support could not be told by %s: %v", n.Name(), err)
			failed = append(failed, fmt.Sprintf("%s: %v", n.Name(), err))
			continue
		}
		// Saved at once, so a crash before the next channel never repeats this one.
		rec.Channels[n.Name()], rec.Receipt = receipt, receipt
		if err := env.Save(); err != nil {
			return err
		}
		env.Screen.OK("Support was told by %s (reference %s).", n.Name(), receipt)
	}
	if len(failed) > 0 {
		return &Deferred{Reason: "support is not told yet (" + strings.Join(failed, "; ") + "); the next run tries again, and the other steps go on meanwhile"}
	}
	rec.SentAt = env.now()
	if err := env.Save(); err != nil {
		return err
	}
	enforcer, err := env.Providers.Enforcer()
	if err != nil {
		return err
	}
	if enforcer == nil {
		env.note(pending(env))
		return env.Save()
	}
	// The enforcer chooses how (per-user MFA, a group, or nothing beside the tenant's
	// own policies); the step records what it did and why.
	e, err := enforcer.Enforce(ctx, env.State.User)
	if err != nil {
		return fmt.Errorf("require MFA for %s: %w", env.State.User, err)
	}
	rec.Enforcement, rec.EnforcementReason = e.How, e.Reason
	if !e.Required() {
		env.Screen.Say("MFA is not required for %s by this run: %s.", env.State.User, e.Reason)
		env.note("MFA is not required by this run: " + e.Reason + ".")
		env.note(pending(env))
		return env.Save()
	}
	rec.EnforcedAt = env.now()
	env.Screen.OK("MFA is now required for %s: %s.", env.State.User, e.Reason)
	env.note("MFA is required: " + e.Reason + ".")
	if env.forOther() {
		env.note(fmt.Sprintf("Office apps and the mail on their phone will ask %s for a code the next time they sign in. "+
			"That can take up to an hour to reach every app: the next steps say what to tell them.", env.State.User))
		return env.Save()
	}
	env.note("Office apps and your phone's mail will ask for a code the next time you sign in. " +
		"That can take up to an hour to reach every app: the next steps show what to expect.")
	return env.Save()
}

// pendingNote is what the person is told when nobody made MFA required in this run.
const pendingNote = "Once support makes two-step sign-in required (status shows it as pending until then), Office apps and " +
	"your phone's mail will ask for a code when you sign in. That can take up to an hour to reach every app: the next steps show what to expect."

// pending is pendingNote, or its words for a technician acting for the person.
func pending(env *Env) string {
	if !env.forOther() {
		return pendingNote
	}
	return fmt.Sprintf("Once support makes two-step sign-in required (status shows it as pending until then), Office apps and "+
		"the mail on their phone will ask %s for a code when they sign in. That can take up to an hour to reach every app: "+
		"the next steps say what to tell them.", env.State.User)
}

// proof is what the notice says about how the number was proven: support must know
// when it was not, on whose word and why.
func proof(st *state.State) string {
	if v := st.Verify; v != nil && v.VerifiedAt.IsZero() && !v.TrustedAt.IsZero() {
		by := v.TrustedBy
		if by == "" {
			by = "a technician"
		}
		return fmt.Sprintf("mobile number trusted without a texted code by %s: %s", by, v.TrustReason)
	}
	return "mobile number verified"
}

// notifyOnce asks the channel whether the notice already went out (a crash after
// sending and before saving) and sends it only if not.
func notifyOnce(ctx context.Context, n provider.Notifier, notice provider.Notice) (string, error) {
	receipt, found, err := n.Sent(ctx, notice.ID)
	if err != nil {
		return "", fmt.Errorf("could not check for an earlier notice: %w", err)
	}
	if found {
		return receipt, nil
	}
	return n.Notify(ctx, notice)
}

// Deferred is a step that could not finish for a reason outside the person's hands (a
// mail server down): it stays waiting with Reason, and the procedure goes on.
type Deferred struct{ Reason string }

func (d *Deferred) Error() string { return d.Reason }

// Waiting marks the run as waiting when it ends.
func (d *Deferred) Waiting() string { return "notify-support" }

// Deferred tells the runner to carry on with the next step.
func (d *Deferred) Deferred() bool { return true }

// EnforcementPending is the note status shows for a user whose notice went out but
// whose MFA nobody has confirmed as required yet.
func EnforcementPending(st *state.State) bool {
	return st.Notice != nil && !st.Notice.SentAt.IsZero() && st.Notice.EnforcedAt.IsZero()
}

func maskedPhone(st *state.State) string {
	if st.Phone == nil {
		return "(none)"
	}
	return phone.Mask(st.Phone.E164)
}
