package graph

import (
	"context"
	"errors"
	"net/http"
	"net/mail"
	"net/url"
	"strconv"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/httpcall"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/message"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

// PermissionMailSend is the application permission sendMail needs.
const PermissionMailSend = "Mail.Send"

// MailConfig says who the notice is mailed from and to.
type MailConfig struct {
	// From is the mailbox the notice is sent as (a shared mailbox works): it needs an
	// Exchange Online licence or to be a shared mailbox, and an application access
	// policy, if the tenant uses one, must let the app send as it.
	From string
	To   []string
	Cc   []string
	// Template is the MSP's own message (see package message); "" is the default.
	Template string
}

// Mailer tells the support desk by mail sent through Microsoft Graph
// (POST /users/{from}/sendMail, https://learn.microsoft.com/graph/api/user-sendmail):
// no SMTP, no password, the same app registration and token as the rest of Graph.
//
// What is and is not guaranteed. sendMail answers 202 with no message id, and with
// Mail.Send alone the app cannot read the mailbox to see what was sent, so Sent cannot
// know. Every message carries the notice id in an x-mfa-onboard-reference header and
// a "Reference:" line. A throttled send (429: Graph did not take the message) is sent
// again after the wait Graph asks for; nothing else is resent in the same run, since
// an answer that broke off or a 5xx may come after Exchange took the message. A run
// stopped between Graph's 202 and the step saving it sends once more on the re-run.
type Mailer struct {
	c   *Client
	cfg MailConfig
}

var (
	_ provider.Notifier = (*Mailer)(nil)
	_ provider.Checker  = (*Mailer)(nil)
)

// Mailer returns the mail sender for cfg; it makes no call.
func (c *Client) Mailer(cfg MailConfig) (*Mailer, error) {
	if _, err := mail.ParseAddress(cfg.From); err != nil || cfg.From == "" {
		return nil, catalog.NewError("graph.mail.from", "From", strconv.Quote(cfg.From))
	}
	if len(cfg.To) == 0 {
		return nil, catalog.NewError("graph.mail.to-empty")
	}
	for _, list := range [][]string{cfg.To, cfg.Cc} {
		for _, a := range list {
			if _, err := mail.ParseAddress(a); err != nil {
				return nil, catalog.Wrap(err, "graph.mail.bad-address", "Address", strconv.Quote(a))
			}
		}
	}
	if _, err := message.Parse(cfg.Template); cfg.Template != "" && err != nil {
		return nil, err
	}
	return &Mailer{c: c, cfg: cfg}, nil
}

// Name says which channel this is. It is the key under which the person's state
// records the channel's receipt, so it is the same in every language.
func (m *Mailer) Name() string {
	return "mail through Microsoft Graph" // untranslated: a key of the person's saved state
}

// Describe says the channel in p's language.
func (m *Mailer) Describe(p *catalog.Printer) string { return p.T("graph.mail.channel") }

// sendMail is the request body of user: sendMail.
type sendMail struct {
	Message         mailMessage `json:"message"`
	SaveToSentItems bool        `json:"saveToSentItems"`
}

type mailMessage struct {
	Subject         string       `json:"subject"`
	Body            mailBody     `json:"body"`
	To              []recipient  `json:"toRecipients"`
	Cc              []recipient  `json:"ccRecipients,omitempty"`
	InternetHeaders []mailHeader `json:"internetMessageHeaders"`
}

type mailBody struct {
	ContentType string `json:"contentType"`
	Content     string `json:"content"`
}

type recipient struct {
	EmailAddress struct {
		Address string `json:"address"`
	} `json:"emailAddress"`
}

// mailHeader is a custom internet header: Graph takes only names starting "x-"
// (https://learn.microsoft.com/graph/api/resources/internetmessageheader).
type mailHeader struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// ReferenceHeader carries the notice id on every message.
const ReferenceHeader = "x-mfa-onboard-reference"

// Notify sends the notice and returns Graph's request-id as the receipt (what
// Microsoft support asks for), or the notice id when Graph gives none.
func (m *Mailer) Notify(ctx context.Context, n provider.Notice) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	subject, body, err := message.Render(m.cfg.Template, n)
	if err != nil {
		return "", err
	}
	msg := mailMessage{
		Subject: subject, Body: mailBody{ContentType: "Text", Content: body},
		To: recipients(m.cfg.To), Cc: recipients(m.cfg.Cc),
		InternetHeaders: []mailHeader{{Name: ReferenceHeader, Value: n.ID}},
	}
	return m.send(ctx, msg, n.ID, catalog.NewError("graph.mail.broke-off-notice", "From", sanitize.Line(m.cfg.From)), m.failure)
}

// send hands msg to sendMail and returns Graph's request-id, or id when Graph gives
// none. brokeOff is the error for an answer that broke off; refused explains any
// other refusal.
func (m *Mailer) send(ctx context.Context, msg mailMessage, id string, brokeOff error, refused func(answer) error) (string, error) {
	// The support desk can look in the mailbox's Sent Items for what was sent.
	req, err := httpcall.JSON(http.MethodPost, m.c.base+"/v1.0/users/"+url.PathEscape(m.cfg.From)+"/sendMail", sendMail{Message: msg, SaveToSentItems: true})
	if err != nil {
		return "", err
	}
	svc := m.c.service()
	// Only a 429 is certain not to have been taken (see the type's comment).
	svc.Retry = func(a httpcall.Answer) bool { return a.Status == http.StatusTooManyRequests }
	a, err := svc.Do(ctx, req)
	switch {
	case errors.Is(err, httpcall.ErrBrokeOff):
		return "", brokeOff
	case err != nil:
		return "", err
	case a.Throttled:
		return "", throttle(a, a.Wait)
	case a.Status != http.StatusAccepted && !a.OK():
		return "", refused(a)
	}
	if rid := sanitize.Line(a.Header.Get("request-id")); rid != "" {
		return "graph request-id " + rid, nil // untranslated: a receipt, kept in the person's state
	}
	return id, nil
}

// Sent cannot know: Mail.Send gives no way to read what was sent (see Mailer).
func (m *Mailer) Sent(ctx context.Context, id string) (string, bool, error) {
	return "", false, ctx.Err()
}

// Check proves the app gets a token and holds Mail.Send; it sends nothing, since any
// message would reach the support desk. Whether an application access policy lets
// the app send as From shows only when it sends.
func (m *Mailer) Check(ctx context.Context) []provider.Check {
	const name = "graph mail" // untranslated: a check's label
	return []provider.Check{m.c.grantCheck(ctx, name, PermissionMailSend, catalog.NewError("graph.need.mail-as", "From", sanitize.Line(m.cfg.From)))}
}

// failure explains a refused sendMail in terms of the mailbox it is sent from.
func (m *Mailer) failure(a answer) error {
	code, _ := parse(a)
	from := sanitize.Line(m.cfg.From)
	switch {
	case a.Status == http.StatusNotFound || code == "MailboxNotEnabledForRESTAPI" || code == "ErrorInvalidUser":
		return catalog.NewError("graph.mail.no-mailbox", "From", from, "Code", orNone(code))
	case a.Status == http.StatusForbidden:
		return catalog.NewError("graph.mail.send-as", "From", from, "Code", orNone(code), "Permission", PermissionMailSend)
	case code == "ErrorInvalidRecipients":
		return catalog.NewError("graph.mail.bad-recipients")
	}
	return failure(a, op{permission: PermissionMailSend})
}

func recipients(addrs []string) []recipient {
	out := make([]recipient, 0, len(addrs))
	for _, a := range addrs {
		var r recipient
		r.EmailAddress.Address = strings.TrimSpace(a)
		out = append(out, r)
	}
	return out
}
