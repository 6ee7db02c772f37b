package fake

import (
	"context"
	"fmt"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
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
//
// The outbox is the support desk's mailbox, so it is what says whether a notice went
// out: the records file is written only after the message is in the outbox, and
// Sent reads the outbox itself. A run stopped between the two leaves a message that
// Sent finds (no second notice), never a record of a notice nobody received.
type Notifier struct {
	s  *Services
	to string
}

// Notifier returns a fake notifier addressed to the support desk at to.
func (s *Services) Notifier(to string) *Notifier { return &Notifier{s: s, to: to} }

// Name says where notices go.
func (n *Notifier) Name() string { return "email to " + n.to + " (demo)" }

// The lines every demo notice carries, by which Sent recognises it.
const (
	referenceLine = "Reference: "
	messageIDLine = "Message-ID: "
)

// Notify writes the notice to the outbox once per notice id.
func (n *Notifier) Notify(ctx context.Context, no provider.Notice) (string, error) {
	if receipt, found, err := n.Sent(ctx, no.ID); err != nil || found {
		return receipt, err
	}
	// The mail server's id for the message is taken first, as it goes in the message.
	var receipt string
	err := n.s.update(func(r *records) error {
		receipt = r.nextID("MSG")
		return nil
	})
	if err != nil {
		return "", err
	}
	text := fmt.Sprintf("Subject: MFA set up for %s\n\n%s has finished: %s. Phone %s. Sent from %s at %s. Please enforce MFA for this account.\n\n%s%s\n%s%s",
		no.User, no.User, strings.Join(no.Completed, ", "), no.MaskedPhone, no.Computer, no.When.Format("2006-01-02 15:04 MST"),
		referenceLine, no.ID, messageIDLine, receipt)
	if err := n.s.deliver(outbox.Email, n.to, text, ""); err != nil {
		return "", err
	}
	err = n.s.update(func(r *records) error {
		if r.Notices == nil {
			r.Notices = map[string]string{}
		}
		r.Notices[no.ID] = receipt
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("the notice went out (reference %s) but the demo services could not record it (%w); run again: the notice is found in the outbox and not sent twice", receipt, err)
	}
	return receipt, nil
}

// Sent reports whether the notice id is in the outbox, addressed to this desk, and
// its receipt. The records are not asked: versions before this one recorded a notice
// before writing it, so a run stopped in between left a record of a notice that never
// arrived, and such a notice is sent now.
func (n *Notifier) Sent(ctx context.Context, id string) (string, bool, error) {
	if err := ctx.Err(); err != nil {
		return "", false, err
	}
	msgs, err := outbox.Read(n.s.outbox.Path())
	if err != nil {
		return "", false, err
	}
	for _, m := range msgs {
		if m.Channel != outbox.Email || m.To != n.to {
			continue
		}
		var receipt string
		var ours bool
		for _, line := range strings.Split(m.Text, "\n") {
			switch {
			case line == referenceLine+id:
				ours = true
			case strings.HasPrefix(line, messageIDLine):
				receipt = strings.TrimPrefix(line, messageIDLine)
			}
		}
		if ours {
			return receipt, true, nil
		}
	}
	return "", false, nil
}
