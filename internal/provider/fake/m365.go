package fake

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
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

// mobileMethod is the Microsoft 365 mobile phone method of a user
// (users/<k2>/<key>/m365.json).
type mobileMethod struct {
	User   string `json:"user"`
	Number string `json:"number"`
}

// MobileMethod returns the mobile number registered for user, or "".
func (g *Registrar) MobileMethod(ctx context.Context, user string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	m, err := view[mobileMethod](g.s, userRef(mobileRecord, user))
	if err != nil || m == nil {
		return "", err
	}
	return m.Number, nil
}

// RegisterMobile sets the user's mobile method to e164.
func (g *Registrar) RegisterMobile(ctx context.Context, user, e164 string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	err := update(g.s, userRef(mobileRecord, user), func(m *mobileMethod, _ bool) error {
		*m = mobileMethod{User: strings.ToLower(user), Number: e164}
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
// out. Before the message is written, the notice's record says where the outbox ended
// (and the receipt the message carries); once it is written, the record says so. A
// run stopped in between leaves a record that sends Sent to read the outbox from that
// point on, where the message is if it went out: so a notice is never sent twice, and
// never taken as sent when nobody received it — and no call reads the whole outbox.
type Notifier struct {
	s  *Services
	to string
}

// noticeRecord is the demo mail server's record of one notice to one desk
// (notices/<k2>/<key>/notice.json).
type noticeRecord struct {
	Desk    string `json:"desk"`
	ID      string `json:"id"`
	Receipt string `json:"receipt"`
	// Offset is the size of the outbox just before the message was appended.
	Offset int64 `json:"outbox_offset,omitempty"`
	// Delivered is set once the message is in the outbox.
	Delivered bool `json:"delivered"`
}

// Notifier returns a fake notifier addressed to the support desk at to.
func (s *Services) Notifier(to string) *Notifier { return &Notifier{s: s, to: to} }

// Name says where notices go. It is the key under which the person's state records
// the channel's receipt, so it is the same in every language.
func (n *Notifier) Name() string {
	return "email to " + n.to + " (demo)" // untranslated: a key of the person's saved state
}

// Describe says the channel in p's language.
func (n *Notifier) Describe(p *catalog.Printer) string { return p.T("fake.channel", "To", n.to) }

// The lines every demo notice carries, by which Sent recognises it.
const (
	referenceLine = "Reference: "
	messageIDLine = "Message-ID: " // untranslated: a mail header, which Sent reads back
)

// Notify writes the notice to the outbox once per notice id.
func (n *Notifier) Notify(ctx context.Context, no provider.Notice) (string, error) {
	if receipt, found, err := n.Sent(ctx, no.ID); err != nil || found {
		return receipt, err
	}
	at := noticeRef(n.to, no.ID)
	// The mail server's id for the message goes in the message, so it is taken first,
	// with the place in the outbox the message is about to go to.
	var receipt string
	err := update(n.s, at, func(r *noticeRecord, found bool) error {
		if !found {
			r.Desk, r.ID, r.Receipt = n.to, no.ID, "MSG"+strings.ToUpper(at.key)
		}
		offset, err := n.outboxSize()
		if err != nil {
			return err
		}
		r.Offset, r.Delivered = offset, false
		receipt = r.Receipt
		return nil
	})
	if err != nil {
		return "", err
	}
	// The demo notice stands for the support desk's message, which is in the MSP's own
	// words (package message), not in the person's language. untranslated: as above.
	text := fmt.Sprintf("Subject: MFA set up for %s\n\n%s has finished: %s. Phone %s. Sent from %s at %s. Please enforce MFA for this account.\n\n%s%s\n%s%s",
		no.User, no.User, strings.Join(no.Completed, ", "), no.MaskedPhone, no.Computer, no.When.Format("2006-01-02 15:04 MST"),
		referenceLine, no.ID, messageIDLine, receipt)
	if err := n.s.deliver(outbox.Email, n.to, text, ""); err != nil {
		return "", err
	}
	err = update(n.s, at, func(r *noticeRecord, _ bool) error {
		r.Delivered = true
		return nil
	})
	if err != nil {
		return "", catalog.Wrap(err, "fake.notice-unrecorded", "Receipt", receipt)
	}
	return receipt, nil
}

// outboxSize is where the outbox ends now: a message appended later starts there or
// after.
func (n *Notifier) outboxSize() (int64, error) {
	fi, err := os.Stat(n.s.outbox.Path())
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, catalog.Wrap(err, "fake.outbox.stat", "Path", n.s.outbox.Path())
	}
	return fi.Size(), nil
}

// Sent reports whether the notice id went out to this desk, and its receipt: from its
// record, or, when a run stopped between writing the message and recording it, from
// the outbox after the place the record names.
func (n *Notifier) Sent(ctx context.Context, id string) (string, bool, error) {
	if err := ctx.Err(); err != nil {
		return "", false, err
	}
	r, err := view[noticeRecord](n.s, noticeRef(n.to, id))
	switch {
	case err != nil || r == nil:
		return "", false, err
	case r.Delivered:
		return r.Receipt, true, nil
	}
	return n.inOutbox(id, r.Offset)
}

// inOutbox looks for the notice id to this desk in the outbox from offset on.
func (n *Notifier) inOutbox(id string, offset int64) (string, bool, error) {
	path := n.s.outbox.Path()
	f, err := n.s.files.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, catalog.Wrap(err, "fake.outbox.open", "Path", path)
	}
	defer f.Close()
	c, err := outbox.LoadAt(f, offset)
	if err != nil {
		return "", false, catalog.Wrap(err, "fake.outbox.read", "Path", path)
	}
	for _, m := range c.Messages {
		if m.Channel != outbox.Email || m.To != n.to {
			continue
		}
		if ref, receipt, ok := parseNotice(m.Text); ok && ref == id {
			return receipt, true, nil
		}
	}
	return "", false, nil
}

// parseNotice reads the reference and receipt lines of a demo notice's text.
func parseNotice(text string) (id, receipt string, ok bool) {
	for _, line := range strings.Split(text, "\n") {
		switch {
		case strings.HasPrefix(line, referenceLine):
			id, ok = strings.TrimPrefix(line, referenceLine), true
		case strings.HasPrefix(line, messageIDLine):
			receipt = strings.TrimPrefix(line, messageIDLine)
		}
	}
	return id, receipt, ok
}
