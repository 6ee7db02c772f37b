package fake

import (
	"context"
	"fmt"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

// mobileMethodID is the id Graph gives every user's mobile phone method; the fake uses
// it too so records look like Graph's.
const mobileMethodID = "3179e48a-750b-4051-897c-87b9720928f7"

// Registrar is the fake Microsoft 365 phone-method registration (Graph's role).
type Registrar struct{ s *Services }

// Registrar returns the fake phone registrar.
func (s *Services) Registrar() *Registrar { return &Registrar{s: s} }

// MobileMethod returns the mobile number registered for user, or "".
func (g *Registrar) MobileMethod(ctx context.Context, user string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	var num string
	err := g.s.view(func(r *records) error {
		num = r.Mobiles[strings.ToLower(user)]
		return nil
	})
	return num, err
}

// RegisterMobile sets the user's mobile method to e164.
func (g *Registrar) RegisterMobile(ctx context.Context, user, e164 string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	err := g.s.update(func(r *records) error {
		if r.Mobiles == nil {
			r.Mobiles = map[string]string{}
		}
		r.Mobiles[strings.ToLower(user)] = e164
		return nil
	})
	if err != nil {
		return "", err
	}
	return mobileMethodID, nil
}

// Notifier is the fake support desk: the notice lands in the outbox as an email.
type Notifier struct {
	s  *Services
	to string
}

// Notifier returns a fake notifier addressed to the support desk at to.
func (s *Services) Notifier(to string) *Notifier { return &Notifier{s: s, to: to} }

// Name says where notices go.
func (n *Notifier) Name() string { return "email to " + n.to + " (demo)" }

// Notify writes the notice to the outbox once per notice id.
func (n *Notifier) Notify(ctx context.Context, no provider.Notice) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	receipt, already := "", false
	err := n.s.update(func(r *records) error {
		if got, ok := r.Notices[no.ID]; ok {
			receipt, already = got, true
			return nil
		}
		if r.Notices == nil {
			r.Notices = map[string]string{}
		}
		receipt = r.nextID("MSG")
		r.Notices[no.ID] = receipt
		return nil
	})
	if err != nil || already {
		return receipt, err
	}
	text := fmt.Sprintf("Subject: MFA set up for %s\n\n%s has finished: %s. Phone %s. Sent from %s at %s. Please enforce MFA for this account.",
		no.User, no.User, strings.Join(no.Completed, ", "), no.MaskedPhone, no.Computer, no.When.Format("2006-01-02 15:04 MST"))
	if err := n.s.deliver("email", n.to, text, ""); err != nil {
		return "", err
	}
	return receipt, nil
}

// Sent reports whether the notice id was sent already.
func (n *Notifier) Sent(ctx context.Context, id string) (string, bool, error) {
	if err := ctx.Err(); err != nil {
		return "", false, err
	}
	var receipt string
	var found bool
	err := n.s.view(func(r *records) error {
		receipt, found = r.Notices[id]
		return nil
	})
	return receipt, found, err
}
