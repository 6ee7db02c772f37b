package graph

import (
	"context"
	"net/mail"
	"strconv"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

var _ provider.PersonMailer = (*Mailer)(nil)

// MailPerson mails subject and body to one address through sendMail
// (https://learn.microsoft.com/graph/api/user-sendmail), from the mailbox notices are
// sent from and without the support desk's to and cc. The id goes in the
// x-mfa-onboard-reference header; the receipt is Graph's request-id. What is and is
// not guaranteed is what Mailer says of notices: sendMail gives no message id and the
// app cannot read the mailbox, so the caller keeps its own record.
func (m *Mailer) MailPerson(ctx context.Context, to, subject, body, id string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if _, err := mail.ParseAddress(to); err != nil || !strings.Contains(to, "@") {
		return "", catalog.NewError("graph.mail-person.bad-address", "Address", strconv.Quote(sanitize.Line(to)))
	}
	if id == "" {
		return "", catalog.NewError("graph.mail-person.no-id")
	}
	msg := mailMessage{
		Subject: strings.Join(strings.FieldsFunc(subject, func(r rune) bool { return r == '\r' || r == '\n' || r == '\t' }), " "),
		Body:    mailBody{ContentType: "Text", Content: body},
		To:      recipients([]string{to}),
		// Graph takes custom headers named x-… only
		// (https://learn.microsoft.com/graph/api/resources/internetmessageheader).
		InternetHeaders: []mailHeader{{Name: ReferenceHeader, Value: id}},
	}
	brokeOff := catalog.NewError("graph.mail.broke-off-person", "To", sanitize.Line(to), "From", sanitize.Line(m.cfg.From))
	return m.send(ctx, msg, id, brokeOff, func(a answer) error {
		if code, _ := parse(a); code == "ErrorInvalidRecipients" {
			return catalog.NewError("graph.mail-person.refused", "Address", sanitize.Line(to))
		}
		return m.failure(a)
	})
}
