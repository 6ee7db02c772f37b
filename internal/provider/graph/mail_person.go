package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"net/url"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/httpcall"
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
	in := sendMail{
		Message: mailMessage{
			Subject: strings.Join(strings.FieldsFunc(subject, func(r rune) bool { return r == '\r' || r == '\n' || r == '\t' }), " "),
			Body:    mailBody{ContentType: "Text", Content: body},
			To:      recipients([]string{to}),
			// Graph takes custom headers named x-… only
			// (https://learn.microsoft.com/graph/api/resources/internetmessageheader).
			InternetHeaders: []mailHeader{{Name: ReferenceHeader, Value: id}},
		},
		SaveToSentItems: true,
	}
	req, err := httpcall.JSON(http.MethodPost, m.c.base+"/v1.0/users/"+url.PathEscape(m.cfg.From)+"/sendMail", in)
	if err != nil {
		return "", err
	}
	svc := m.c.service()
	// Only a 429 is certain not to have been taken (see Mailer).
	svc.Retry = func(a httpcall.Answer) bool { return a.Status == http.StatusTooManyRequests }
	a, err := svc.Do(ctx, req)
	switch {
	case errors.Is(err, httpcall.ErrBrokeOff):
		return "", fmt.Errorf("the answer from Microsoft Graph broke off, so the mail to %s may or may not have been sent; look in %s's Sent Items", sanitize.Line(to), sanitize.Line(m.cfg.From))
	case err != nil:
		return "", err
	case a.Throttled:
		return "", throttle(a, a.Wait)
	case a.Status != http.StatusAccepted && !a.OK():
		if code, _ := parse(a); code == "ErrorInvalidRecipients" {
			return "", fmt.Errorf("exchange refused the address %s; check the address recorded for the person", sanitize.Line(to))
		}
		return "", m.failure(a)
	}
	if rid := sanitize.Line(a.Header.Get("request-id")); rid != "" {
		return "graph request-id " + rid, nil
	}
	return id, nil
}
