package webhook_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/webhook"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/webhook/webhooktest"
)

var start = time.Date(2026, 11, 25, 9, 1, 0, 0, time.UTC)

func notice() provider.Notice {
	return provider.Notice{ID: "mfa-onboard-0123456789abcdef", User: "alice@contoso.com", Organisation: "Contoso",
		MaskedPhone: "+1 ***-***-0100", Completed: []string{"mobile number verified"}, When: start, Computer: "PC-042"}
}

func newNotifier(t *testing.T, srv *webhooktest.Server, kind string, fc *clock.Fake) *webhook.Notifier {
	t.Helper()
	u := srv.SlackURL()
	if kind == webhook.KindTeams {
		u = srv.TeamsURL()
	}
	n, err := webhook.New(webhook.Config{Kind: kind, URL: u, HTTPClient: srv.Client(), Clock: fc})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// noSecret fails when text shows any secret part of the fake URLs.
func noSecret(t *testing.T, text string) {
	t.Helper()
	for _, s := range []string{webhooktest.TeamsSig, webhooktest.SlackToken, "sig=", "api-version", "/services/"} {
		if strings.Contains(text, s) {
			t.Fatalf("%q shows %q from the webhook URL", text, s)
		}
	}
}

func TestTeamsPayloadShape(t *testing.T) {
	srv := webhooktest.New(t)
	n := newNotifier(t, srv, webhook.KindTeams, clock.NewFake(start))
	receipt, err := n.Notify(context.Background(), notice())
	if err != nil {
		t.Fatal(err)
	}
	if receipt != notice().ID || n.Name() != "Teams" {
		t.Errorf("receipt %q, name %q", receipt, n.Name())
	}
	posts := srv.Posts()
	if len(posts) != 1 {
		t.Fatalf("%d posts; want 1", len(posts))
	}
	var m map[string]any
	if err := json.Unmarshal(posts[0].Body, &m); err != nil {
		t.Fatal(err)
	}
	att := m["attachments"].([]any)[0].(map[string]any)
	if v, ok := att["contentUrl"]; !ok || v != nil {
		t.Errorf("contentUrl = %v (present %v); want null", v, ok)
	}
	content := att["content"].(map[string]any)
	keys := map[string]bool{}
	for k := range content {
		keys[k] = true
	}
	if len(keys) != 4 || !keys["type"] || !keys["$schema"] || !keys["version"] || !keys["body"] {
		t.Errorf("content keys = %v; want exactly type, $schema, version, body", keys)
	}
	if len(m) != 2 {
		t.Errorf("top-level keys = %v; want type and attachments", m)
	}
	// The masked digits are escaped: Teams' Markdown would read *** as emphasis.
	for _, w := range []string{"MFA set up: alice@contoso.com", `+1 \*\*\*-\*\*\*-0100`, "Reference: mfa-onboard-0123456789abcdef"} {
		if !strings.Contains(posts[0].Text, w) {
			t.Errorf("card lacks %q:\n%s", w, posts[0].Text)
		}
	}
}

func TestSlackOK(t *testing.T) {
	srv := webhooktest.New(t)
	n := newNotifier(t, srv, webhook.KindSlack, clock.NewFake(start))
	if _, err := n.Notify(context.Background(), notice()); err != nil {
		t.Fatal(err)
	}
	posts := srv.Posts()
	if len(posts) != 1 || !strings.Contains(posts[0].Text, "Reference: mfa-onboard-0123456789abcdef") || n.Name() != "Slack" {
		t.Fatalf("posts = %+v, name %q", posts, n.Name())
	}
	if _, found, err := n.Sent(context.Background(), notice().ID); found || err != nil {
		t.Fatalf("Sent = %v, %v; want not found", found, err)
	}
}

func TestAnswers(t *testing.T) {
	tests := []struct {
		name, kind string
		status     int
		body       string
		want       string // "" for success
	}{
		{"teams 202", webhook.KindTeams, 202, "", ""},
		{"teams 200", webhook.KindTeams, 200, "", ""},
		{"teams 500", webhook.KindTeams, 500, "boom", "answered HTTP 500"},
		{"teams 401", webhook.KindTeams, 401, "", "signature is wrong"},
		{"slack ok", webhook.KindSlack, 200, "ok", ""},
		{"slack 200 not ok", webhook.KindSlack, 200, "1", "not ok"},
		{"slack invalid_payload", webhook.KindSlack, 400, "invalid_payload", "malformed (invalid_payload)"},
		{"slack channel_not_found", webhook.KindSlack, 404, "channel_not_found", "cannot find the webhook's channel"},
		{"slack archived", webhook.KindSlack, 410, "channel_is_archived", "archived"},
		{"slack 503", webhook.KindSlack, 503, "", "answered HTTP 503"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := webhooktest.New(t)
			srv.FailNext(tt.status, tt.body, "")
			_, err := newNotifier(t, srv, tt.kind, clock.NewFake(start)).Notify(context.Background(), notice())
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v; want %q", err, tt.want)
			}
			noSecret(t, err.Error())
			if srv.Tries() != 1 {
				t.Fatalf("%d tries; a refusal must not be retried", srv.Tries())
			}
		})
	}
}

func TestRetryAfterResendsSameBody(t *testing.T) {
	for _, kind := range []string{webhook.KindTeams, webhook.KindSlack} {
		t.Run(kind, func(t *testing.T) {
			srv := webhooktest.New(t)
			fc := clock.NewFake(start)
			srv.FailNext(http.StatusTooManyRequests, "", "3")
			srv.FailNext(http.StatusTooManyRequests, "", "5")
			if _, err := newNotifier(t, srv, kind, fc).Notify(context.Background(), notice()); err != nil {
				t.Fatal(err)
			}
			if got := fc.Now().Sub(start); got != 8*time.Second {
				t.Errorf("waited %s; want 8s", got)
			}
			if srv.Tries() != 3 || len(srv.Posts()) != 1 {
				t.Fatalf("%d tries, %d posts; want 3 and 1", srv.Tries(), len(srv.Posts()))
			}
		})
	}
}

func TestRetryIsBounded(t *testing.T) {
	srv := webhooktest.New(t)
	for range 10 {
		srv.FailNext(http.StatusTooManyRequests, "", "1")
	}
	_, err := newNotifier(t, srv, webhook.KindSlack, clock.NewFake(start)).Notify(context.Background(), notice())
	if err == nil || !strings.Contains(err.Error(), "HTTP 429") || srv.Tries() != 4 {
		t.Fatalf("err = %v after %d tries; want a 429 sentence after 4", err, srv.Tries())
	}
	srv2 := webhooktest.New(t)
	srv2.FailNext(http.StatusTooManyRequests, "", "3600")
	if _, err := newNotifier(t, srv2, webhook.KindSlack, clock.NewFake(start)).Notify(context.Background(), notice()); err == nil || srv2.Tries() != 1 {
		t.Fatalf("a one-hour Retry-After was waited out: %v, %d tries", err, srv2.Tries())
	}
}

func TestURLNeverShown(t *testing.T) {
	srv := webhooktest.New(t)
	u := srv.TeamsURL()
	srv.Close()
	n, err := webhook.New(webhook.Config{Kind: webhook.KindTeams, URL: u, HTTPClient: &http.Client{Timeout: time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = n.Notify(context.Background(), notice())
	if err == nil || !strings.Contains(err.Error(), "could not reach") {
		t.Fatalf("err = %v; want could not reach", err)
	}
	noSecret(t, err.Error())
	checks := n.Check(context.Background())
	if len(checks) != 1 || !checks[0].OK || !strings.Contains(checks[0].Detail, "not called: posting would notify the channel") {
		t.Fatalf("Check = %+v", checks)
	}
	for _, s := range []string{checks[0].Detail, n.String(), n.GoString()} {
		noSecret(t, s)
	}
}

func TestNew(t *testing.T) {
	tests := []struct{ name, kind, url, want string }{
		{"kind", "discord", "https://example.com/x", "not known"},
		{"empty", webhook.KindSlack, "", "URL is empty"},
		{"http", webhook.KindTeams, "http://prod-01.westus.logic.azure.com/workflows/x?sig=" + webhooktest.TeamsSig, "not https"},
		{"not a url", webhook.KindSlack, "hooks.slack.com/services/" + webhooktest.SlackToken, "not a URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := webhook.New(webhook.Config{Kind: tt.kind, URL: tt.url})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v; want %q", err, tt.want)
			}
			noSecret(t, err.Error())
		})
	}
}
