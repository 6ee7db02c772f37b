package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/httpcall"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/message"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

// maxBody bounds what is read of an answer: both services answer a few bytes.
const maxBody = 64 << 10

// Notify posts the notice and returns the notice id as the receipt: neither service
// gives a message id back.
func (w *Notifier) Notify(ctx context.Context, n provider.Notice) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	subject, body, err := message.Render(w.cfg.Template, n)
	if err != nil {
		return "", err
	}
	payload := slackPayload(subject, body)
	if w.cfg.Kind == KindTeams {
		payload = teamsPayload(subject, body)
	}
	data, err := json.Marshal(payload)
	if err != nil {
		return "", catalog.Wrap(err, "webhook.encode", "Channel", w.Name())
	}
	svc := httpcall.Service{Name: hostOf(w.cfg.URL), HTTP: w.cfg.HTTPClient, Clock: w.cfg.Clock, MaxBody: maxBody}
	a, err := svc.Do(ctx, httpcall.Request{Method: http.MethodPost, URL: w.cfg.URL, Body: data, ContentType: "application/json"})
	switch {
	case errors.Is(err, httpcall.ErrBrokeOff):
		return "", catalog.NewError("webhook.broke-off", "Host", hostOf(w.cfg.URL))
	case err != nil:
		return "", err
	case a.Throttled:
		return "", catalog.NewError("webhook.throttled", "Channel", w.Name(), "Tries", httpcall.DefaultTries)
	}
	if err := w.outcome(a.Status, sanitize.Line(string(a.Body))); err != nil {
		return "", err
	}
	return n.ID, nil
}

// Sent cannot know: a webhook cannot be asked what it received (see the package comment).
func (w *Notifier) Sent(ctx context.Context, id string) (string, bool, error) {
	return "", false, ctx.Err()
}

// Check cannot call the webhook, since any post notifies the channel: it only checks
// the URL's form.
func (w *Notifier) Check(ctx context.Context) []provider.Check {
	name := strings.ToLower(w.Name()) + " webhook"
	if err := validURL(w.cfg.URL); err != nil {
		return []provider.Check{{Name: name, Detail: err.Error()}}
	}
	// provider.Check's Detail is a string, with no Printer to say it in the person's
	// language, so it is said in English, like the error above.
	return []provider.Check{{Name: name, OK: true, Detail: catalog.English().T("webhook.check.ok", "Host", hostOf(w.cfg.URL))}}
}

// outcome reads a non-429 answer: nil for success, else one sentence.
func (w *Notifier) outcome(status int, text string) error {
	host := hostOf(w.cfg.URL)
	switch {
	case w.cfg.Kind == KindTeams && (status == http.StatusAccepted || status == http.StatusOK):
		return nil
	case w.cfg.Kind == KindSlack && status == http.StatusOK && text == "ok":
		return nil
	case w.cfg.Kind == KindSlack && status == http.StatusOK:
		return catalog.NewError("webhook.slack.not-ok", "Text", strconv.Quote(text))
	case status >= 500:
		return catalog.NewError("webhook.server-error", "Host", host, "Status", status)
	case w.cfg.Kind == KindSlack:
		return slackError(status, text)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return catalog.NewError("webhook.teams.unauthorized", "Status", status, "Said", said(text))
	case status == http.StatusNotFound:
		return catalog.NewError("webhook.teams.not-found")
	}
	return catalog.NewError("webhook.teams.refused", "Status", status, "Said", said(text))
}

// slackError turns Slack's plain-text error codes into sentences.
func slackError(status int, code string) error {
	switch code {
	case "invalid_payload", "no_text":
		return catalog.NewError("webhook.slack.malformed", "Code", code)
	case "invalid_token", "no_service", "action_prohibited":
		return catalog.NewError("webhook.slack.revoked", "Code", code)
	case "channel_not_found":
		return catalog.NewError("webhook.slack.channel-not-found")
	case "channel_is_archived":
		return catalog.NewError("webhook.slack.channel-archived")
	}
	return catalog.NewError("webhook.slack.refused", "Status", status, "Said", said(code))
}

// said is the service's own words (not translated) as the tail of a parenthesis.
func said(text string) string {
	if text == "" {
		return ""
	}
	return ": " + text
}
