package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

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
		return "", fmt.Errorf("encode the %s message: %w", w.Name(), err)
	}
	svc := httpcall.Service{Name: hostOf(w.cfg.URL), HTTP: w.cfg.HTTPClient, Clock: w.cfg.Clock, MaxBody: maxBody}
	a, err := svc.Do(ctx, httpcall.Request{Method: http.MethodPost, URL: w.cfg.URL, Body: data, ContentType: "application/json"})
	switch {
	case errors.Is(err, httpcall.ErrBrokeOff):
		return "", fmt.Errorf("the answer from %s broke off, so the post may or may not have arrived; check the channel before running again", hostOf(w.cfg.URL))
	case err != nil:
		return "", err
	case a.Throttled:
		return "", fmt.Errorf("%s is limiting posts to this webhook (HTTP 429, %d tries); wait a few minutes and run again", w.Name(), httpcall.DefaultTries)
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
	return []provider.Check{{Name: name, OK: true, Detail: "the URL for " + hostOf(w.cfg.URL) + " is well formed; not called: posting would notify the channel"}}
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
		return fmt.Errorf("slack answered 200 but not ok (%q); check the webhook URL is a Slack incoming webhook", text)
	case status >= 500:
		return fmt.Errorf("%s answered HTTP %d, so the post may not have arrived; run again in a few minutes and check the channel", host, status)
	case w.cfg.Kind == KindSlack:
		return slackError(status, text)
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return fmt.Errorf("teams refused the post (HTTP %d%s): the workflow URL's signature is wrong or the workflow was turned off; copy the URL again from the workflow", status, said(text))
	case status == http.StatusNotFound:
		return fmt.Errorf("teams does not know this workflow (HTTP 404): it was deleted or the URL is incomplete; copy it again from the workflow")
	}
	return fmt.Errorf("teams refused the post (HTTP %d%s); check the workflow's run history in Power Automate", status, said(text))
}

// slackError turns Slack's plain-text error codes into sentences.
func slackError(status int, code string) error {
	switch code {
	case "invalid_payload", "no_text":
		return fmt.Errorf("slack refused the message as malformed (%s); if notify.template is set, check it renders text", code)
	case "invalid_token", "no_service", "action_prohibited":
		return fmt.Errorf("slack refused the webhook (%s): it was revoked or the URL is wrong; make a new incoming webhook and update the URL", code)
	case "channel_not_found":
		return errors.New("slack cannot find the webhook's channel (channel_not_found): it was deleted; make a new incoming webhook for the support channel")
	case "channel_is_archived":
		return errors.New("the webhook's Slack channel is archived (channel_is_archived): unarchive it or make a webhook for another channel")
	}
	return fmt.Errorf("slack refused the post (HTTP %d%s); check the incoming webhook in the Slack app's settings", status, said(code))
}

func said(text string) string {
	if text == "" {
		return ""
	}
	return ": " + text
}
