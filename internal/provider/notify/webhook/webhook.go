// Package webhook tells the support desk by posting to a chat channel: a Microsoft
// Teams Workflows webhook (an Adaptive Card) or a Slack incoming webhook.
//
// What is and is not guaranteed. A webhook can only be posted to, never asked what it
// received, so Sent always answers "not found". The step saves the notice id before
// posting and the send time after, so the only duplicate possible is one more post of
// the same notice when a run stops between the service's 2xx and the step's save (or
// when a 5xx hides a post that in fact went through). Every post carries the notice id
// as "Reference: …", so a person can see a second post is the same notice.
//
// The URL is a credential (Teams' sig= query, Slack's path), so messages name its host only.
package webhook

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/httpcall"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/message"
)

// The kinds of webhook.
const (
	KindTeams = "teams"
	KindSlack = "slack"
)

// Config says where to post.
type Config struct {
	// Kind is KindTeams (a Workflows "When a Teams webhook request is received" URL) or KindSlack.
	Kind string
	// URL is the webhook address; it is a secret and never shown whole.
	URL        string
	HTTPClient *http.Client
	// Template is the MSP's own message (see package message); "" is the default.
	Template string
	Clock    clock.Clock
}

// String leaves the URL's secret parts out, so a logged Config cannot leak them.
func (cfg Config) String() string {
	return "webhook.Config{Kind:" + cfg.Kind + " URL:" + hostOf(cfg.URL) + "}"
}

// GoString hides the URL from %#v too.
func (cfg Config) GoString() string { return cfg.String() }

// Notifier posts notices to a chat webhook.
type Notifier struct {
	cfg Config
}

var (
	_ provider.Notifier = (*Notifier)(nil)
	_ provider.Checker  = (*Notifier)(nil)
)

// New checks cfg and returns a notifier; it posts nothing.
func New(cfg Config) (*Notifier, error) {
	if cfg.Kind != KindTeams && cfg.Kind != KindSlack {
		return nil, catalog.NewError("webhook.kind-unknown", "Kind", strconv.Quote(cfg.Kind))
	}
	if err := validURL(cfg.URL); err != nil {
		return nil, err
	}
	if _, err := message.Parse(cfg.Template); err != nil {
		return nil, err
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	return &Notifier{cfg: cfg}, nil
}

// Name says where notices go. It is a product name, and the key under which the
// state records the receipt, so it is the same in every language.
func (w *Notifier) Name() string {
	if w.cfg.Kind == KindTeams {
		return "Teams"
	}
	return "Slack"
}

// Describe is the product's name, in every language.
func (w *Notifier) Describe(*catalog.Printer) string { return w.Name() }

// String names the host only: the URL is a secret.
func (w *Notifier) String() string {
	return "webhook.Notifier(" + w.cfg.Kind + " " + hostOf(w.cfg.URL) + ")"
}

// GoString hides the URL from %#v too.
func (w *Notifier) GoString() string { return w.String() }

// validURL accepts an https URL with a host (http only to loopback, for tests); its
// messages never repeat the URL.
func validURL(raw string) error {
	if strings.TrimSpace(raw) == "" {
		return catalog.NewError("webhook.url-empty")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return catalog.NewError("webhook.url-invalid")
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && httpcall.Loopback(u.Hostname())) {
		return catalog.NewError("webhook.url-not-https", "Host", u.Host)
	}
	return nil
}

// hostOf keeps scheme and host only.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		// untranslated: String's stand-in for a URL New refuses, which no sentence names.
		return "(the configured webhook)"
	}
	return u.Scheme + "://" + u.Host
}
