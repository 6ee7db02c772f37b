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
			return catalog.Wrap(err, "steps.notify.id-failed")
		}
		rec = &state.NoticeRecord{ID: "mfa-onboard-" + hex.EncodeToString(id), Started: env.now()}
		env.State.Notice = rec
		if err := env.Save(); err != nil {
			return err
		}
	}
	support := env.Config.Support
	if env.forOther() {
		env.say(env.Text.T("steps.notify.intro.for", "User", env.State.User, "Support", support.Name))
	} else {
		env.say(env.Text.T("steps.notify.intro", "Support", support.Name))
	}
	env.Screen.Blank()
	notice := provider.Notice{
		ID:           rec.ID,
		User:         env.State.User,
		Organisation: env.Config.Organisation,
		MaskedPhone:  noticePhone(env.State),
		Completed:    []string{proof(env.State), "registered as the Microsoft 365 sign-in phone"}, // untranslated: the support desk's notice, in its own words
		When:         env.now(),
		Computer:     env.Computer,
	}
	if rec.Channels == nil {
		rec.Channels = map[string]string{}
	}
	var failed []channelError
	for _, n := range notifiers {
		if r, done := rec.Channels[n.Name()]; done {
			env.ok(env.Text.T("steps.notify.already", "Channel", n.Describe(env.Text), "Reference", r))
			continue
		}
		receipt, err := notifyOnce(ctx, n, notice)
		if err != nil {
			env.problem(env.Text.T("steps.notify.failed", "Channel", n.Describe(env.Text), "Err", err))
			failed = append(failed, channelError{n.Name(), err})
			continue
		}
		// Saved at once, so a crash before the next channel never repeats this one.
		rec.Channels[n.Name()], rec.Receipt = receipt, receipt
		if len(failed) == 0 && allTold(rec, notifiers) {
			// The last channel: the notice is out now, and is saved as out with it.
			rec.SentAt = env.now()
		}
		if err := env.Save(); err != nil {
			return err
		}
		env.ok(env.Text.T("steps.notify.told", "Channel", n.Describe(env.Text), "Reference", receipt))
	}
	if len(failed) > 0 {
		return &Deferred{failed: failed}
	}
	if rec.SentAt.IsZero() {
		// Every channel had told the desk in an earlier run that stopped before this.
		rec.SentAt = env.now()
	}
	// From here on, nothing is lost by a crash before the wizard saves at the end of
	// the step: enforcing again does the same.
	enforcer, err := env.Providers.Enforcer()
	if err != nil {
		return err
	}
	if enforcer == nil {
		env.note(pending(env))
		return nil
	}
	// The enforcer chooses how (per-user MFA, a group, or nothing beside the tenant's
	// own policies); the step records what it did and why.
	e, err := enforcer.Enforce(ctx, env.State.User)
	if err != nil {
		return catalog.Wrap(err, "steps.notify.enforce-failed", "User", env.State.User)
	}
	// The state keeps the enforcer's reason in English, as status reads it; the screen
	// and the guidance say it in the run's language.
	rec.Enforcement, rec.EnforcementReason = e.How, e.Reason
	why := e.Say(env.Text)
	if !e.Required() {
		env.say(env.Text.T("steps.notify.not-required", "User", env.State.User, "Reason", why))
		env.note(env.Text.T("steps.notify.not-required.note", "Reason", why))
		env.note(pending(env))
		return nil
	}
	rec.EnforcedAt = env.now()
	env.ok(env.Text.T("steps.notify.required", "User", env.State.User, "Reason", why))
	env.note(env.Text.T("steps.notify.required.note", "Reason", why))
	if env.forOther() {
		env.note(env.Text.T("steps.notify.next.for", "User", env.State.User))
		return nil
	}
	env.note(env.Text.T("steps.notify.next"))
	return nil
}

// allTold reports whether every channel has a receipt.
func allTold(rec *state.NoticeRecord, notifiers []provider.Notifier) bool {
	for _, n := range notifiers {
		if _, ok := rec.Channels[n.Name()]; !ok {
			return false
		}
	}
	return true
}

// pending is what the person is told when nobody made MFA required in this run, or
// its words for a technician acting for them.
func pending(env *Env) string {
	if !env.forOther() {
		return env.Text.T("steps.notify.pending")
	}
	return env.Text.T("steps.notify.pending.for", "User", env.State.User)
}

// proof is what the notice says about how the number was proven: support must know
// when it was not, on whose word and why.
func proof(st *state.State) string {
	if v := st.Verify; v != nil && v.VerifiedAt.IsZero() && !v.TrustedAt.IsZero() {
		by := v.TrustedBy
		if by == "" {
			by = "a technician" // untranslated: the support desk's notice, in its own words
		}
		// untranslated: the support desk's notice, in its own words
		return fmt.Sprintf("mobile number trusted without a texted code by %s: %s", by, v.TrustReason)
	}
	return "mobile number verified" // untranslated: the support desk's notice, in its own words
}

// notifyOnce asks the channel whether the notice already went out (a crash after
// sending and before saving) and sends it only if not.
func notifyOnce(ctx context.Context, n provider.Notifier, notice provider.Notice) (string, error) {
	receipt, found, err := n.Sent(ctx, notice.ID)
	if err != nil {
		return "", catalog.Wrap(err, "steps.notify.check-failed")
	}
	if found {
		return receipt, nil
	}
	return n.Notify(ctx, notice)
}

// Deferred is a step that could not finish for a reason outside the person's hands (a
// mail server down): it stays waiting, and the procedure goes on.
type Deferred struct {
	// failed are the channels that could not tell support, and why.
	failed []channelError
}

// channelError is why one channel could not tell support.
type channelError struct {
	channel string
	err     error
}

func (d *Deferred) Error() string { return d.Localize(nil) }

// Localize says why support is not told yet in p's language.
func (d *Deferred) Localize(p *catalog.Printer) string {
	why := make([]string, len(d.failed))
	for i, f := range d.failed {
		why[i] = p.T("steps.notify.channel-failed", "Channel", f.channel, "Err", f.err)
	}
	return p.T("steps.notify.deferred", "Failures", strings.Join(why, "; "))
}

// Waiting marks the run as waiting when it ends.
func (d *Deferred) Waiting() string { return "notify-support" }

// Deferred tells the runner to carry on with the next step.
func (d *Deferred) Deferred() bool { return true }

// EnforcementPending is the note status shows for a user whose notice went out but
// whose MFA nobody has confirmed as required yet.
func EnforcementPending(st *state.State) bool {
	return st.Notice != nil && !st.Notice.SentAt.IsZero() && st.Notice.EnforcedAt.IsZero()
}

// noticePhone is the person's number as the support desk's notice shows it.
func noticePhone(st *state.State) string {
	if st.Phone == nil {
		return "(none)" // untranslated: the support desk's notice, in its own words
	}
	return phone.Mask(st.Phone.E164)
}

// maskedPhone is the person's number as the screen shows it, or that there is none.
func maskedPhone(env *Env) string {
	if env.State.Phone == nil {
		return env.Text.T("steps.no-phone")
	}
	return phone.Mask(env.State.Phone.E164)
}
