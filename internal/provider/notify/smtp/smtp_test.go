package smtp_test

import (
	"context"
	"crypto/tls"
	"errors"
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
	if receipt != "<mfa-onboard-0123456789abcdef@msp.example>" {
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
		"Message-Id": "<mfa-onboard-0123456789abcdef@msp.example>",
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
		if !strings.Contains(string(m.Data), "Message-ID: <mfa-onboard-0123456789abcdef@msp.example>") {
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
		{"unknown auth", func(c *smtp.Config) { c.Auth = "oauth" }, `SMTP auth "oauth" is not known; use plain or xoauth2`},
		{"xoauth2 without a mailbox", func(c *smtp.Config) {
			c.Auth, c.Token = smtp.AuthXOAUTH2, func(context.Context) (string, error) { return token, nil }
		}, "the mailbox the token sends as"},
		{"xoauth2 without a token source", func(c *smtp.Config) { c.Auth, c.Username = smtp.AuthXOAUTH2, "u@example.com" }, "no way to get an OAuth token"},
		{"from domain not in ASCII", func(c *smtp.Config) { c.From = "a@bücher.example" }, "xn--"},
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

// TestNamesTheSenderDomain checks what the server sees of the sender: RFC 5321
// §4.1.1.1 wants a domain (or an address literal) in EHLO, never a bare computer name,
// and RFC 5322 §3.6.4 a domain on the right of the Message-ID. Both are the from
// address's domain.
func TestNamesTheSenderDomain(t *testing.T) {
	srv := smtptest.New(t, smtptest.Options{User: user, Password: password})
	cfg := config(srv)
	cfg.From = "MFA Onboard <mfa-onboard@Desk.MSP.example>"
	receipt, err := newNotifier(t, cfg).Notify(context.Background(), notice())
	if err != nil {
		t.Fatal(err)
	}
	msgs := srv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages; want 1", len(msgs))
	}
	if got := msgs[0].Hello; got != "desk.msp.example" {
		t.Errorf("EHLO %q; want the from domain desk.msp.example", got)
	}
	m, err := mail.ReadMessage(strings.NewReader(string(msgs[0].Data)))
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Header.Get("Message-Id"); got != "<mfa-onboard-0123456789abcdef@desk.msp.example>" || receipt != got {
		t.Errorf("Message-ID %q, receipt %q; want <mfa-onboard-0123456789abcdef@desk.msp.example> for both", got, receipt)
	}
}

const token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJyb2xlcyI6WyJTTVRQLlNlbmRBc0FwcCJdfQ.c2ln"

// oauth is a config that logs in with XOAUTH2, and counts the tokens it was asked for.
func oauth(srv *smtptest.Server, tok string, calls *int) smtp.Config {
	cfg := config(srv)
	cfg.Auth, cfg.Password = smtp.AuthXOAUTH2, ""
	cfg.Token = func(ctx context.Context) (string, error) {
		*calls++
		return tok, ctx.Err()
	}
	return cfg
}

func TestNotifyWithXOAUTH2(t *testing.T) {
	for _, mode := range []smtptest.Auth{smtptest.AuthXOAUTH2, smtptest.AuthExchangeOnline} {
		srv := smtptest.New(t, smtptest.Options{User: user, Token: token, Auth: mode})
		calls := 0
		if _, err := newNotifier(t, oauth(srv, token, &calls)).Notify(context.Background(), notice()); err != nil {
			t.Fatalf("mode %d: %v", mode, err)
		}
		if got := srv.Logins(); len(got) != 1 || got[0] != (smtptest.Login{Mechanism: "XOAUTH2", User: user}) {
			t.Errorf("mode %d: logins %v; want one XOAUTH2 login as %s", mode, got, user)
		}
		if len(srv.Messages()) != 1 || calls != 1 {
			t.Errorf("mode %d: %d messages after %d token requests; want 1 and 1", mode, len(srv.Messages()), calls)
		}
	}
}

func TestXOAUTH2Errors(t *testing.T) {
	tests := []struct {
		name  string
		opts  smtptest.Options
		token func(context.Context) (string, error)
		want  []string
	}{
		{"token refused", smtptest.Options{User: user, Token: token, Auth: smtptest.AuthXOAUTH2},
			func(context.Context) (string, error) { return "expired-" + token, nil },
			[]string{"refused the OAuth token for " + user, "SMTP.SendAsApp", "New-ServicePrincipal", "Add-MailboxPermission"}},
		{"server offers no XOAUTH2", smtptest.Options{User: user, Password: password},
			func(context.Context) (string, error) { return token, nil },
			[]string{"does not offer OAuth (XOAUTH2)", "notify.smtp.auth"}},
		{"no token", smtptest.Options{User: user, Token: token, Auth: smtptest.AuthXOAUTH2},
			func(context.Context) (string, error) {
				return "", errors.New("the Graph client secret is wrong or expired: check graph.client_secret_env")
			},
			[]string{"could not get the OAuth token to send mail as " + user, "graph.client_secret_env"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.New(t, tt.opts)
			cfg := config(srv)
			cfg.Auth, cfg.Password, cfg.Token = smtp.AuthXOAUTH2, "", tt.token
			n := newNotifier(t, cfg)
			for _, err := range []error{notifyErr(n), checkErr(n)} {
				for _, w := range tt.want {
					if err == nil || !strings.Contains(err.Error(), w) {
						t.Fatalf("err = %v; want %q", err, w)
					}
				}
				if strings.Contains(err.Error(), token) {
					t.Fatalf("the token is in the error: %v", err)
				}
			}
			if srv.Auths() != 0 || len(srv.Messages()) != 0 {
				t.Fatalf("%d logins, %d messages; want none", srv.Auths(), len(srv.Messages()))
			}
		})
	}
}

func notifyErr(n *smtp.Notifier) error {
	_, err := n.Notify(context.Background(), notice())
	return err
}

func checkErr(n *smtp.Notifier) error {
	c := n.Check(context.Background())
	if len(c) != 1 || c[0].OK {
		return nil
	}
	return errors.New(c[0].Detail)
}

// TestBasicAuthRetired is Exchange Online after Microsoft retired basic authentication
// for client submission: a password login is answered 550 5.7.30. That is no wrong
// password, and the sentence names both ways that work.
func TestBasicAuthRetired(t *testing.T) {
	srv := smtptest.New(t, smtptest.Options{User: user, Password: password, Token: token, Auth: smtptest.AuthExchangeOnline})
	n := newNotifier(t, config(srv))
	for _, err := range []error{notifyErr(n), checkErr(n)} {
		if err == nil {
			t.Fatal("a password login to Exchange Online went through")
		}
		t.Log(err)
		for _, w := range []string{"no longer accepts a password for SMTP", "providers.notify: [graph-mail]", "notify.graph_mail", "notify.smtp.auth: xoauth2"} {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("err = %v; want %q", err, w)
			}
		}
		if strings.Contains(err.Error(), "username or password") {
			t.Errorf("err = %v; it is not a wrong password", err)
		}
	}
}

func TestCheckWithXOAUTH2(t *testing.T) {
	srv := smtptest.New(t, smtptest.Options{User: user, Token: token, Auth: smtptest.AuthXOAUTH2})
	calls := 0
	got := newNotifier(t, oauth(srv, token, &calls)).Check(context.Background())
	if len(got) != 1 || !got[0].OK || !strings.Contains(got[0].Detail, "STARTTLS, logged in as "+user+" with an OAuth token (XOAUTH2); nothing was sent") {
		t.Fatalf("Check = %+v", got)
	}
	if l := srv.Logins(); len(l) != 1 || l[0].Mechanism != "XOAUTH2" || len(srv.Messages()) != 0 {
		t.Fatalf("logins %v, %d messages; want one XOAUTH2 login and nothing sent", l, len(srv.Messages()))
	}
}

func TestPasswordLoginWhereOnlyOAuthIsOffered(t *testing.T) {
	srv := smtptest.New(t, smtptest.Options{User: user, Token: token, Auth: smtptest.AuthXOAUTH2})
	err := notifyErr(newNotifier(t, config(srv)))
	if err == nil || !strings.Contains(err.Error(), "notify.smtp.auth: xoauth2") {
		t.Fatalf("err = %v; want the hint to log in with OAuth", err)
	}
}
