package fake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/mail"
	"strconv"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

var _ provider.PersonMailer = (*Notifier)(nil)

// MailPerson puts a mail to one address in the outbox, as everything the demo "sends"
// goes there. Like real mail it cannot be asked afterwards what it delivered, so the
// same id mailed twice is two messages (with the same receipt, as a real resend keeps
// its Message-ID); the caller keeps its own record.
func (n *Notifier) MailPerson(ctx context.Context, to, subject, body, id string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if _, err := mail.ParseAddress(to); err != nil || !strings.Contains(to, "@") {
		return "", catalog.NewError("fake.mail-person.bad-address", "Address", strconv.Quote(to))
	}
	if id == "" {
		return "", catalog.NewError("fake.mail-person.no-id")
	}
	sum := sha256.Sum256([]byte(id))
	receipt := "MSG" + strings.ToUpper(hex.EncodeToString(sum[:6]))
	subject = strings.Join(strings.FieldsFunc(subject, func(r rune) bool { return r == '\r' || r == '\n' || r == '\t' }), " ")
	text := fmt.Sprintf("Subject: %s\n\n%s\n\n%s%s\n%s%s", subject, strings.TrimRight(body, "\n"), referenceLine, id, messageIDLine, receipt)
	if err := n.s.deliver(outbox.Email, to, text, ""); err != nil {
		return "", err
	}
	return receipt, nil
}
