package steps

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

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
func (NotifySupport) Title() string { return "Tell the support desk" }

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
	env.Screen.Say("Your part of the Microsoft 365 set-up is done. Now %s is told, so that they can make", support.Name)
	env.Screen.Say("two-step sign-in required on your account (you do not need to email them yourself).")
	env.Screen.Blank()
	notice := provider.Notice{
		ID:           rec.ID,
		User:         env.State.User,
		Organisation: env.Config.Organisation,
		MaskedPhone:  maskedPhone(env.State),
		Completed:    []string{"mobile number verified", "registered as the Microsoft 365 sign-in phone"},
		When:         env.now(),
		Computer:     env.Computer,
	}
	for _, n := range notifiers {
		receipt, found, err := n.Sent(ctx, rec.ID)
		if err != nil {
			return fmt.Errorf("check whether %s was already told: %w", n.Name(), err)
		}
		if !found {
			if receipt, err = n.Notify(ctx, notice); err != nil {
				return fmt.Errorf("tell support by %s: %w", n.Name(), err)
			}
		}
		rec.Receipt = receipt
		env.Screen.OK("Support was told by %s (reference %s).", n.Name(), receipt)
	}
	rec.SentAt = env.now()
	if err := env.Save(); err != nil {
		return err
	}
	enforcer, err := env.Providers.Enforcer()
	if err != nil {
		return err
	}
	if enforcer != nil {
		if err := enforcer.SetMFAState(ctx, env.State.User, "enforced"); err != nil {
			return fmt.Errorf("require MFA for %s: %w", env.State.User, err)
		}
		rec.EnforcedAt = env.now()
		env.Screen.OK("MFA is now required for %s.", env.State.User)
		env.note("Office apps and your phone's mail will ask for a code the next time you sign in. " +
			"That can take up to an hour to reach every app: the next steps show what to expect.")
	} else {
		env.note("Once support makes two-step sign-in required (status shows it as pending until then), Office apps and " +
			"your phone's mail will ask for a code when you sign in. That can take up to an hour to reach every app: the next steps show what to expect.")
	}
	return env.Save()
}

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
