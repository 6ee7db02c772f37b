package smtp_test

import (
	"context"
	"net/mail"
	"strings"
	"testing"

	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/smtp"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/smtp/smtptest"
)

var _ provider.PersonMailer = (*smtp.Notifier)(nil)

func TestMailPersonSendsToThePersonAloneFromTheNoticeSender(t *testing.T) {
	srv := smtptest.New(t, smtptest.Options{User: user, Password: password})
	n := newNotifier(t, config(srv))
	receipt, err := n.MailPerson(context.Background(), "bob@contoso.com", "Reminder:\r\nBcc: evil@example.com", "Please carry on.\n", "mfa-onboard-remind-abc123")
	if err != nil {
		t.Fatal(err)
	}
	if receipt != "<mfa-onboard-remind-abc123@msp.example>" {
		t.Errorf("receipt = %q; want the Message-ID", receipt)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages; want 1", len(msgs))
	}
	got := msgs[0]
	if got.From != "mfa-onboard@msp.example" || strings.Join(got.To, ",") != "bob@contoso.com" {
		t.Errorf("envelope from %q to %v; want the notice sender, to the person only (no support cc)", got.From, got.To)
	}
	m, err := mail.ReadMessage(strings.NewReader(string(got.Data)))
	if err != nil {
		t.Fatal(err)
	}
	if id := m.Header.Get("Message-Id"); id != "<mfa-onboard-remind-abc123@msp.example>" {
		t.Errorf("Message-ID = %q", id)
	}
	if m.Header.Get("Bcc") != "" || strings.Contains(m.Header.Get("Subject"), "\n") {
		t.Errorf("the subject's line break made a header: %v", m.Header)
	}
	if ref := m.Header.Get("X-Mfa-Onboard-Reference"); ref != "mfa-onboard-remind-abc123" {
		t.Errorf("reference header = %q", ref)
	}
}

func TestMailPersonRefusesWhatCannotBeSent(t *testing.T) {
	srv := smtptest.New(t, smtptest.Options{User: user, Password: password})
	n := newNotifier(t, config(srv))
	tests := []struct{ name, to, id, want string }{
		{"not an address", "bob", "mfa-onboard-remind-1", `"bob" is not a mail address`},
		{"an id that cannot be a Message-ID", "bob@contoso.com", "a b", "bug in mfa-onboard"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := n.MailPerson(context.Background(), tt.to, "s", "b", tt.id)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v; want one saying %q", err, tt.want)
			}
		})
	}
	if len(srv.Messages()) != 0 {
		t.Error("a refused message was sent")
	}
}

func TestMailPersonExplainsARefusedRecipient(t *testing.T) {
	srv := smtptest.New(t, smtptest.Options{User: user, Password: password})
	srv.FailNextData(550)
	n := newNotifier(t, config(srv))
	_, err := n.MailPerson(context.Background(), "bob@contoso.com", "s", "b", "mfa-onboard-remind-1")
	if err == nil || !strings.Contains(err.Error(), "refused") {
		t.Errorf("err = %v; want the server's refusal explained", err)
	}
}
