package graph

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"

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
		return "", fmt.Errorf("%q is not a mail address, so nothing was mailed to it; correct the address recorded for the person", sanitize.Line(to))
	}
	if id == "" {
		return "", errors.New("the message has no id, so a resend could not be recognised; this is a bug in mfa-onboard, please report it")
	}
	msg := mailMessage{
		Subject: strings.Join(strings.FieldsFunc(subject, func(r rune) bool { return r == '\r' || r == '\n' || r == '\t' }), " "),
		Body:    mailBody{ContentType: "Text", Content: body},
		To:      recipients([]string{to}),
		// Graph takes custom headers named x-… only
		// (https://learn.microsoft.com/graph/api/resources/internetmessageheader).
		InternetHeaders: []mailHeader{{Name: ReferenceHeader, Value: id}},
	}
	return m.send(ctx, msg, id, "the mail to "+sanitize.Line(to), "", func(a answer) error {
		if code, _ := parse(a); code == "ErrorInvalidRecipients" {
			return fmt.Errorf("exchange refused the address %s; check the address recorded for the person", sanitize.Line(to))
		}
		return m.failure(a)
	})
}
