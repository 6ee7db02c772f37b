package smtp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strings"
	"unicode"

	gomail "github.com/wneessen/go-mail"
)

// hidden is an error whose text has had secrets taken out; errors.Is and errors.As
// still see the original.
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
		return fmt.Errorf("sending the mail to %s was stopped (%w)", server, ctx.Err())
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
		return fmt.Errorf("this computer does not trust the certificate the mail server %s presents (%w): check the SMTP host name, and if a proxy inspects TLS give its CA bundle in the config's ca_file", server, e)
	case strings.Contains(text, "does not support starttls"):
		return fmt.Errorf("the mail server %s does not offer STARTTLS (%w): use the TLS mode tls with port 465, or ask the mail provider for the submission port", server, e)
	case strings.Contains(text, "5.7.30"):
		// Exchange Online's answer to a password once basic authentication for client
		// submission is retired; it is not a wrong password.
		// https://techcommunity.microsoft.com/blog/exchange/exchange-online-to-retire-basic-auth-for-client-submission-smtp-auth/4114750
		//lint:ignore ST1005 the sentence is the person's, and starts with the vendor's name
		return fmt.Errorf("Exchange Online (the mail server %s) no longer accepts a password for SMTP (%w): send the notice through Microsoft Graph with providers.notify: [graph-mail], configured under notify.graph_mail, or keep SMTP and log in with an OAuth token with notify.smtp.auth: xoauth2", server, e)
	case s.cfg.Auth == AuthXOAUTH2 && (strings.Contains(text, "smtp auth failed") || errors.As(err, &protoErr) && protoErr.Code == 535):
		// Exchange Online answers 535 5.7.3 to a token it will not take; what it needs is
		// in https://learn.microsoft.com/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth
		// ("Use client credentials grant flow to authenticate SMTP, IMAP and POP connections").
		return fmt.Errorf("the mail server %s refused the OAuth token for %s (%w): the username must be the sending mailbox, and the app registration needs the Office 365 Exchange Online application permission SMTP.SendAsApp with admin consent, its service principal registered in Exchange Online (New-ServicePrincipal) and access to that mailbox (Add-MailboxPermission)", server, s.cfg.Username, e)
	case strings.Contains(text, "smtp auth failed") || errors.As(err, &protoErr) && protoErr.Code == 535:
		return fmt.Errorf("the mail server %s refused the SMTP username or password (%w): check both, and that the mailbox may send with SMTP AUTH (Microsoft 365 turns it off per mailbox by default)", server, e)
	case errors.Is(err, gomail.ErrXOauth2AuthNotSupported):
		return fmt.Errorf("the mail server %s does not offer OAuth (XOAUTH2) (%w): for Microsoft 365 use smtp.office365.com port 587, or set notify.smtp.auth to plain if this server takes a password", server, e)
	case strings.Contains(text, "does not support smtp auth") || errors.Is(err, gomail.ErrNoSupportedAuthDiscovered):
		return fmt.Errorf("the mail server %s offers no login method this tool can use with a password (%w): if it takes OAuth only, as Exchange Online does, set notify.smtp.auth: xoauth2; otherwise check the SMTP host and port, or leave the username empty if it relays without a login", server, e)
	case errors.As(err, &sendErr):
		return s.sendFailure(server, sendErr, e)
	case errors.As(err, &netErr) && netErr.Timeout():
		return fmt.Errorf("the mail server %s did not answer in time (%w): check the SMTP host and port, and that this network lets mail out on that port", server, e)
	case errors.As(err, &opErr) && opErr.Op == "dial":
		return fmt.Errorf("could not reach the mail server %s (%w): check the SMTP host and port, and this computer's network connection and firewall", server, e)
	}
	return fmt.Errorf("sending the mail through %s failed (%w): check the SMTP settings and try again", server, e)
}

// sendFailure explains a refusal after login: of the sender, a recipient or the message.
func (s *Notifier) sendFailure(server string, se *gomail.SendError, e error) error {
	switch {
	case se.Reason == gomail.ErrSMTPDataClose && se.ErrorCode() == 0:
		return fmt.Errorf("the connection to %s broke while the message was being handed over, so it may or may not have arrived (%w); run again: a resend carries the same Message-ID and reference", server, e)
	case se.IsTemp():
		return fmt.Errorf("the mail server %s refused the message for now (%w); run again in a few minutes", server, e)
	case se.Reason == gomail.ErrSMTPMailFrom:
		return fmt.Errorf("the mail server %s refused the from address %s (%w): use a mailbox the SMTP user may send as", server, s.cfg.From, e)
	case se.Reason == gomail.ErrSMTPRcptTo:
		return fmt.Errorf("the mail server %s refused a recipient (%w): check the SMTP to and cc lists", server, e)
	}
	return fmt.Errorf("the mail server %s refused the message (%w): check the from address and recipients, and the server's sending limits", server, e)
}
