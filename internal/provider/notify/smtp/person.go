package smtp

import (
	"context"
	"errors"
	"net/mail"
	"strconv"
	"strings"

	gomail "github.com/wneessen/go-mail"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

var _ provider.PersonMailer = (*Notifier)(nil)

// MailPerson mails subject and body to one address (a reminder to the person, word to
// their manager), from the notice's sender and without the support desk's to and cc.
// Its Message-ID is <id@from-domain> and its receipt that Message-ID, as a notice's.
// What is and is not guaranteed is what the package comment says of notices: SMTP
// cannot be asked what a server accepted, so the caller keeps its own record.
func (s *Notifier) MailPerson(ctx context.Context, to, subject, body, id string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if !validID(id) {
		return "", catalog.NewError("smtp.message-id-invalid", "ID", strconv.Quote(id))
	}
	if _, err := mail.ParseAddress(to); err != nil || !strings.Contains(to, "@") {
		return "", catalog.NewError("smtp.person-address-invalid", "Address", strconv.Quote(to))
	}
	m := gomail.NewMsg()
	if err := m.From(s.cfg.From); err != nil {
		return "", catalog.Wrap(err, "smtp.from-unusable", "From", strconv.Quote(s.cfg.From))
	}
	if err := m.To(to); err != nil {
		return "", catalog.Wrap(err, "smtp.person-address-unusable", "Address", strconv.Quote(to))
	}
	m.Subject(singleLine(subject))
	m.SetMessageIDWithValue(id + "@" + s.domain)
	m.SetDateWithValue(s.cfg.Clock.Now())
	m.SetGenHeader("X-MFA-Onboard-Reference", id)
	// An out-of-office answer to the tool's mailbox helps nobody.
	m.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	m.SetBodyString(gomail.TypeTextPlain, body)
	c, token, err := s.client(ctx)
	if err != nil {
		return "", err
	}
	if err := c.DialAndSendWithContext(ctx, m); err != nil {
		var se *gomail.SendError
		if errors.As(err, &se) && se.Reason == gomail.ErrSMTPRcptTo && !se.IsTemp() {
			return "", catalog.NewError("smtp.person-address-refused", "Server", s.server(), "Address", to, "Said", s.redact(err.Error(), token))
		}
		return "", s.explain(ctx, err, token)
	}
	return s.MessageID(id), nil
}

// singleLine keeps a subject on one line, so that it cannot start a header of its own.
func singleLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\r' || r == '\n' || r == '\t' }), " ")
}
