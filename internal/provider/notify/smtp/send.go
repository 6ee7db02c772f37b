package smtp

import (
	"context"
	"crypto/tls"
	"errors"
	"strconv"

	gomail "github.com/wneessen/go-mail"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/message"
)

// MessageID is the Message-ID header a notice is sent with: the same for every resend
// of one notice, so the desk's mail system can recognise a duplicate. Its right side
// is the from address's domain, as RFC 5322 §3.6.4 asks for a domain there
// (https://www.rfc-editor.org/rfc/rfc5322#section-3.6.4).
func (s *Notifier) MessageID(noticeID string) string { return "<" + noticeID + "@" + s.domain + ">" }

// Notify sends the notice and returns its Message-ID as the receipt.
func (s *Notifier) Notify(ctx context.Context, n provider.Notice) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if !validID(n.ID) {
		return "", catalog.NewError("smtp.notice-id-invalid", "ID", strconv.Quote(n.ID))
	}
	m, err := s.message(n)
	if err != nil {
		return "", err
	}
	c, token, err := s.client(ctx)
	if err != nil {
		return "", err
	}
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		return "", s.explain(ctx, err, token)
	}
	return s.MessageID(n.ID), nil
}

// Sent cannot know: SMTP has no way to ask what a server accepted (see the package
// comment), so it always answers not found.
func (s *Notifier) Sent(ctx context.Context, id string) (string, bool, error) {
	return "", false, ctx.Err()
}

func (s *Notifier) message(n provider.Notice) (*gomail.Msg, error) {
	subject, body, err := message.Render(s.cfg.Template, n)
	if err != nil {
		return nil, err
	}
	m := gomail.NewMsg()
	if err := m.From(s.cfg.From); err != nil {
		return nil, catalog.Wrap(err, "smtp.from-unusable", "From", strconv.Quote(s.cfg.From))
	}
	if err := m.To(s.cfg.To...); err != nil {
		return nil, catalog.Wrap(err, "smtp.to-unusable")
	}
	if len(s.cfg.Cc) > 0 {
		if err := m.Cc(s.cfg.Cc...); err != nil {
			return nil, catalog.Wrap(err, "smtp.cc-unusable")
		}
	}
	m.Subject(subject)
	m.SetMessageIDWithValue(n.ID + "@" + s.domain)
	m.SetDateWithValue(s.cfg.Clock.Now())
	m.SetGenHeader("X-MFA-Onboard-Reference", n.ID)
	// Auto-replies (out of office) to a tool's mailbox help nobody.
	m.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	m.SetBodyString(gomail.TypeTextPlain, body)
	return m, nil
}

// client builds a go-mail client for one connection, with a fresh token when it logs
// in with XOAUTH2 (the token is returned so that errors can leave it out).
func (s *Notifier) client(ctx context.Context) (*gomail.Client, string, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.cfg.TLSConfig != nil {
		tc = s.cfg.TLSConfig.Clone()
	}
	if tc.ServerName == "" {
		tc.ServerName = s.cfg.Host
	}
	opts := []gomail.Option{
		gomail.WithPort(s.cfg.Port),
		gomail.WithTimeout(s.cfg.Timeout),
		gomail.WithTLSConfig(tc),
		// go-mail says EHLO with os.Hostname(), on a workstation a bare name such as
		// PC-042. RFC 5321 §4.1.1.1 wants the client's domain there; the sender's domain
		// is a real one and names no internal machine.
		// https://www.rfc-editor.org/rfc/rfc5321#section-4.1.1.1
		gomail.WithHELO(s.domain),
	}
	switch s.cfg.TLS {
	case TLSImplicit:
		opts = append(opts, gomail.WithSSL())
	case TLSNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	token := ""
	switch {
	case s.cfg.Auth == AuthXOAUTH2:
		var err error
		if token, err = s.cfg.Token(ctx); err != nil {
			if ctx.Err() != nil {
				return nil, "", catalog.Wrap(ctx.Err(), "smtp.token-stopped")
			}
			return nil, "", catalog.Wrap(err, "smtp.token-failed", "User", s.cfg.Username)
		}
		// go-mail never picks XOAUTH2 on its own (its auto-discovery leaves it out), so
		// it is named here; the token goes where the password would.
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthXOAUTH2),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(token))
	case s.cfg.Username == "":
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthNoAuth))
	case s.cfg.TLS == TLSNone:
		// Loopback only (New refuses anything else), so a clear-text login is acceptable.
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlainNoEnc),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	default:
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.cfg.Username), gomail.WithPassword(s.cfg.Password))
	}
	c, err := gomail.NewClient(s.cfg.Host, opts...)
	if err != nil {
		return nil, "", catalog.Wrap(errors.New(s.redact(err.Error(), token)), "smtp.settings-unusable")
	}
	return c, token, nil
}

// validID keeps the id to characters that are safe inside a Message-ID.
func validID(id string) bool {
	if id == "" || len(id) > 200 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_') {
			return false
		}
	}
	return true
}
