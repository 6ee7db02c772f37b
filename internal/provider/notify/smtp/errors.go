package smtp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"net/textproto"
	"strings"
	"unicode"

	gomail "github.com/wneessen/go-mail"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// hidden is an error whose text has had secrets taken out; errors.Is and errors.As
// still see the original. Its text is the mail library's or the server's, which no
// Printer translates.
type hidden struct {
	text string
	err  error
}

func (h *hidden) Error() string { return h.text }
func (h *hidden) Unwrap() error { return h.err }

// redact takes the password, the token and control characters out of text from the
// server or the mail library, so neither a secret nor a terminal escape reaches the
// screen.
func (s *Notifier) redact(text, token string) string {
	if s.cfg.Password != "" {
		text = strings.ReplaceAll(text, s.cfg.Password, "[password]")
	}
	if token != "" {
		text = strings.ReplaceAll(text, token, "[token]")
	}
	text = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, text)
	text = strings.Join(strings.Fields(text), " ")
	if r := []rune(text); len(r) > 300 {
		text = string(r[:300]) + "…"
	}
	return text
}

// explain turns a go-mail failure into one sentence for the technician; token is the
// one this connection logged in with, if any.
func (s *Notifier) explain(ctx context.Context, err error, token string) error {
	server := s.server()
	e := &hidden{text: s.redact(err.Error(), token), err: err}
	if ctx.Err() != nil {
		return catalog.Wrap(ctx.Err(), "smtp.stopped", "Server", server)
	}
	var (
		sendErr   *gomail.SendError
		unknownCA x509.UnknownAuthorityError
		verify    *tls.CertificateVerificationError
		hostErr   x509.HostnameError
		netErr    net.Error
		opErr     *net.OpError
		protoErr  *textproto.Error
	)
	text := strings.ToLower(e.text)
	switch {
	case errors.As(err, &unknownCA) || errors.As(err, &verify) || errors.As(err, &hostErr):
		return catalog.Wrap(e, "smtp.certificate-untrusted", "Server", server)
	case strings.Contains(text, "does not support starttls"): // untranslated: go-mail's words
		return catalog.Wrap(e, "smtp.no-starttls", "Server", server)
	case strings.Contains(text, "5.7.30"):
		// Exchange Online's answer to a password once basic authentication for client
		// submission is retired; it is not a wrong password.
		// https://techcommunity.microsoft.com/blog/exchange/exchange-online-to-retire-basic-auth-for-client-submission-smtp-auth/4114750
		return catalog.Wrap(e, "smtp.basic-auth-retired", "Server", server)
	// untranslated: go-mail's words, looked for in its error
	case s.cfg.Auth == AuthXOAUTH2 && (strings.Contains(text, "smtp auth failed") || errors.As(err, &protoErr) && protoErr.Code == 535):
		// Exchange Online answers 535 5.7.3 to a token it will not take; what it needs is
		// in https://learn.microsoft.com/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth
		// ("Use client credentials grant flow to authenticate SMTP, IMAP and POP connections").
		return catalog.Wrap(e, "smtp.token-refused", "Server", server, "User", s.cfg.Username)
	case strings.Contains(text, "smtp auth failed") || errors.As(err, &protoErr) && protoErr.Code == 535: // untranslated: go-mail's words
		return catalog.Wrap(e, "smtp.login-refused", "Server", server)
	case errors.Is(err, gomail.ErrXOauth2AuthNotSupported):
		return catalog.Wrap(e, "smtp.no-xoauth2", "Server", server)
	case strings.Contains(text, "does not support smtp auth") || errors.Is(err, gomail.ErrNoSupportedAuthDiscovered): // untranslated: go-mail's words
		return catalog.Wrap(e, "smtp.no-login-method", "Server", server)
	case errors.As(err, &sendErr):
		return s.sendFailure(server, sendErr, e)
	case errors.As(err, &netErr) && netErr.Timeout():
		return catalog.Wrap(e, "smtp.timeout", "Server", server)
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return catalog.Wrap(e, "smtp.unreachable", "Server", server)
	}
	return catalog.Wrap(e, "smtp.failed", "Server", server)
}

// sendFailure explains a refusal after login: of the sender, a recipient or the message.
func (s *Notifier) sendFailure(server string, se *gomail.SendError, e error) error {
	switch {
	case se.Reason == gomail.ErrSMTPDataClose && se.ErrorCode() == 0:
		return catalog.Wrap(e, "smtp.broke-off", "Server", server)
	case se.IsTemp():
		return catalog.Wrap(e, "smtp.refused-for-now", "Server", server)
	case se.Reason == gomail.ErrSMTPMailFrom:
		return catalog.Wrap(e, "smtp.from-refused", "Server", server, "From", s.cfg.From)
	case se.Reason == gomail.ErrSMTPRcptTo:
		return catalog.Wrap(e, "smtp.recipient-refused", "Server", server)
	}
	return catalog.Wrap(e, "smtp.message-refused", "Server", server)
}
