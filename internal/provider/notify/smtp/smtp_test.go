package smtp_test

import (
	"context"
	"crypto/tls"
	"net"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/smtp"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/smtp/smtptest"
)

const (
	user     = "notify@msp.example"
	password = "s3cret-Pa55word"
)

var when = time.Date(2026, 11, 25, 9, 1, 0, 0, time.UTC)

func notice() provider.Notice {
	return provider.Notice{
		ID: "mfa-onboard-0123456789abcdef", User: "alice@contoso.com", Organisation: "Contoso",
		MaskedPhone: "+1 ***-***-0100", Completed: []string{"mobile number verified"}, When: when, Computer: "PC-042",
	}
}

func config(srv *smtptest.Server) smtp.Config {
	return smtp.Config{
		Host: srv.Host(), Port: srv.Port(), Username: user, Password: password,
		From: "mfa-onboard@msp.example", To: []string{"support@msp.example"}, Cc: []string{"lead@msp.example"},
		TLSConfig: &tls.Config{RootCAs: srv.CertPool(), MinVersion: tls.VersionTLS12},
		Clock:     clock.NewFake(when), Timeout: 5 * time.Second,
	}
}

func newNotifier(t *testing.T, cfg smtp.Config) *smtp.Notifier {
	t.Helper()
	n, err := smtp.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func TestNotifyOverStartTLS(t *testing.T) {
	srv := smtptest.New(t, smtptest.Options{User: user, Password: password})
	n := newNotifier(t, config(srv))
	if got := n.Name(); got != "email to support@msp.example" {
		t.Errorf("Name = %q", got)
	}
	receipt, err := n.Notify(context.Background(), notice())
	if err != nil {
		t.Fatal(err)
	}
	if receipt != "<mfa-onboard-0123456789abcdef@mfa-onboard>" {
		t.Errorf("receipt = %q", receipt)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages received; want 1", len(msgs))
	}
	got := msgs[0]
	if !got.TLS {
		t.Error("message was sent without TLS")
	}
	if got.From != "mfa-onboard@msp.example" || strings.Join(got.To, ",") != "support@msp.example,lead@msp.example" {
		t.Errorf("envelope from %q to %v", got.From, got.To)
	}
	m, err := mail.ReadMessage(strings.NewReader(string(got.Data)))
	if err != nil {
		t.Fatal(err)
	}
	headers := map[string]string{
		"From":       "<mfa-onboard@msp.example>",
		"To":         "<support@msp.example>",
		"Cc":         "<lead@msp.example>",
		"Subject":    "MFA set up: alice@contoso.com",
		"Message-Id": "<mfa-onboard-0123456789abcdef@mfa-onboard>",
	}
	for k, want := range headers {
		if v := m.Header.Get(k); v != want {
			t.Errorf("%s = %q; want %q", k, v, want)
		}
	}
	if d, err := m.Header.Date(); err != nil || !d.Equal(when) {
		t.Errorf("Date = %v (%v); want %v", d, err, when)
	}
	body := string(got.Data)
	for _, w := range []string{"alice@contoso.com", "+1 ***-***-0100", "Reference: mfa-onboard-0123456789abcdef", "PC-042"} {
		if !strings.Contains(body, w) {
			t.Errorf("body lacks %q:\n%s", w, body)
		}
	}
	if r, found, err := n.Sent(context.Background(), notice().ID); err != nil || found || r != "" {
		t.Errorf("Sent = %q, %v, %v; want not found", r, found, err)
	}
}

func TestResendKeepsMessageID(t *testing.T) {
	srv := smtptest.New(t, smtptest.Options{User: user, Password: password})
	n := newNotifier(t, config(srv))
	srv.DropAfterNextData()
	_, err := n.Notify(context.Background(), notice())
	if err == nil || !strings.Contains(err.Error(), "may or may not have arrived") {
		t.Fatalf("err = %v; want the may-or-may-not sentence", err)
	}
	if _, err := newNotifier(t, config(srv)).Notify(context.Background(), notice()); err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages; want the dropped one and the resend", len(msgs))
	}
	for _, m := range msgs {
		if !strings.Contains(string(m.Data), "Message-ID: <mfa-onboard-0123456789abcdef@mfa-onboard>") {
			t.Errorf("message lacks the fixed Message-ID:\n%s", m.Data)
		}
	}
}

func TestNotifyErrors(t *testing.T) {
	closed := func(t *testing.T) (string, int) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().(*net.TCPAddr)
		l.Close()
		return "127.0.0.1", addr.Port
	}
	tests := []struct {
		name  string
		setup func(t *testing.T, srv *smtptest.Server, cfg *smtp.Config)
		want  string
	}{
		{"wrong password", func(t *testing.T, _ *smtptest.Server, cfg *smtp.Config) { cfg.Password = "wrong-" + password },
			"refused the SMTP username or password"},
		{"unreachable", func(t *testing.T, _ *smtptest.Server, cfg *smtp.Config) { cfg.Host, cfg.Port = closed(t) },
			"could not reach the mail server"},
		{"untrusted certificate", func(t *testing.T, _ *smtptest.Server, cfg *smtp.Config) { cfg.TLSConfig = nil },
			"does not trust the certificate"},
		{"temporary refusal", func(t *testing.T, srv *smtptest.Server, _ *smtp.Config) { srv.FailNextData(451) },
			"refused the message for now"},
		{"permanent refusal", func(t *testing.T, srv *smtptest.Server, _ *smtp.Config) { srv.FailNextData(554) },
			"refused the message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.New(t, smtptest.Options{User: user, Password: password})
			cfg := config(srv)
			tt.setup(t, srv, &cfg)
			_, err := newNotifier(t, cfg).Notify(context.Background(), notice())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v; want %q", err, tt.want)
			}
			t.Log(err)
			if strings.Contains(err.Error(), password) {
				t.Fatalf("the password is in the error: %v", err)
			}
			if n := len(srv.Messages()); n != 0 {
				t.Fatalf("%d messages recorded", n)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	srv := smtptest.New(t, smtptest.Options{User: user, Password: password})
	got := newNotifier(t, config(srv)).Check(context.Background())
	if len(got) != 1 || !got[0].OK || !strings.Contains(got[0].Detail, "STARTTLS, logged in as "+user+"; nothing was sent") {
		t.Fatalf("Check = %+v", got)
	}
	if srv.Auths() != 1 || len(srv.Messages()) != 0 {
		t.Fatalf("auths %d, messages %d; want 1 login and nothing sent", srv.Auths(), len(srv.Messages()))
	}
	cfg := config(srv)
	cfg.Password = "nope"
	got = newNotifier(t, cfg).Check(context.Background())
	if len(got) != 1 || got[0].OK || !strings.Contains(got[0].Detail, "username or password") {
		t.Fatalf("Check with a wrong password = %+v", got)
	}
}

func TestNew(t *testing.T) {
	base := smtp.Config{Host: "smtp.example.com", From: "a@example.com", To: []string{"b@example.com"}}
	tests := []struct {
		name   string
		change func(*smtp.Config)
		want   string
	}{
		{"no host", func(c *smtp.Config) { c.Host = "" }, "SMTP host is empty"},
		{"clear text off loopback", func(c *smtp.Config) { c.TLS = smtp.TLSNone }, "allowed only to this computer"},
		{"unknown mode", func(c *smtp.Config) { c.TLS = "ssl" }, "not known"},
		{"bad from", func(c *smtp.Config) { c.From = "nobody" }, "from address"},
		{"no recipients", func(c *smtp.Config) { c.To = nil }, "to list is empty"},
		{"user without password", func(c *smtp.Config) { c.Username = "u" }, "password is empty"},
		{"bad template", func(c *smtp.Config) { c.Template = "{{" }, "notify.template"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := base
			tt.change(&cfg)
			_, err := smtp.New(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v; want %q", err, tt.want)
			}
		})
	}
	cfg := base
	cfg.Username, cfg.Password = "u", password
	n, err := smtp.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{n.String(), n.GoString(), cfg.String(), cfg.GoString()} {
		if strings.Contains(s, password) {
			t.Fatalf("%q shows the password", s)
		}
	}
}
