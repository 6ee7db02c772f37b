package fake_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/config"
	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/fake"
)

var _ provider.PersonMailer = (*fake.Notifier)(nil)

func TestMailPersonPutsTheMailInTheOutboxForThePerson(t *testing.T) {
	dir := t.TempDir()
	box := filepath.Join(dir, "outbox.jsonl")
	when := time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC)
	s := fake.NewServices(filepath.Join(dir, "demo-services.json"), fake.OptionsFrom(config.Default()), outbox.New(box, nil), clock.NewFake(when))
	n := s.Notifier("support@example.com")
	receipt, err := n.MailPerson(t.Context(), "bob@contoso.com", "Reminder\nBcc: x", "Please carry on.\n", "mfa-onboard-remind-abc")
	if err != nil {
		t.Fatal(err)
	}
	again, err := n.MailPerson(t.Context(), "bob@contoso.com", "Reminder", "Please carry on.\n", "mfa-onboard-remind-abc")
	if err != nil || again != receipt || receipt == "" {
		t.Errorf("receipts %q and %q; want one, the same for the same id", receipt, again)
	}
	msgs, err := outbox.Read(box)
	if err != nil {
		t.Fatal(err)
	}
	// Like mail, the demo cannot be asked what it delivered: a resend is a second message.
	if len(msgs) != 2 {
		t.Fatalf("%d messages in the outbox; want 2", len(msgs))
	}
	m := msgs[0]
	if m.Channel != outbox.Email || m.To != "bob@contoso.com" || !m.Time.Equal(when) {
		t.Errorf("message %+v; want an email to the person, at the demo's time", m)
	}
	if !strings.HasPrefix(m.Text, "Subject: Reminder Bcc: x\n\nPlease carry on.\n") || !strings.Contains(m.Text, "Reference: mfa-onboard-remind-abc") {
		t.Errorf("text = %q; want the one-line subject, the body and the reference", m.Text)
	}
	if _, err := n.MailPerson(t.Context(), "bob", "s", "b", "mfa-onboard-remind-1"); err == nil || !strings.Contains(err.Error(), "not a mail address") {
		t.Errorf("err = %v; want an address that is none refused", err)
	}
}
