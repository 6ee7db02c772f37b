// Package twilio serves the CodeSender role with Twilio Verify v2: Twilio makes, texts
// and checks the code, so the code itself never passes through this tool.
//
// Twilio has no cool-down between sends and does not say how many check attempts are
// left, so the client keeps both in memory, per number. A later run is a new process
// and starts counting afresh: the step enforces the cool-down from its saved state, and
// Twilio itself still refuses a sixth wrong check (60202), so the count is a courtesy
// to the person, never the lock.
package twilio

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

// DefaultBaseURL is Twilio Verify's API host.
const DefaultBaseURL = "https://verify.twilio.com"

// checkAttempts is Twilio Verify's fixed number of checks per verification.
const checkAttempts = 5

// Config says which Twilio account and Verify service to use.
type Config struct {
	AccountSID, AuthToken, ServiceSID string
	// BaseURL is DefaultBaseURL unless a test points it at a fake.
	BaseURL    string
	HTTPClient *http.Client
	Clock      clock.Clock
	// ResendCoolDown is this tool's wait between two sends to one number; zero means none.
	ResendCoolDown time.Duration
	// CodeValid is Twilio's verification lifetime (10 minutes), for CodeSent.ExpiresAt.
	CodeValid time.Duration
}

// Client talks to one Twilio Verify service.
type Client struct {
	cfg  Config
	base string

	mu      sync.Mutex
	numbers map[string]*number
	// codeLength is the service's code_length once read: it is set in the Console and
	// does not change during a run, nor, in practice, a batch. serviceRead is held
	// while it is read, so that a batch's runs, which share the client, read it once
	// between them.
	codeLength  int
	serviceRead chan struct{}
}

// number is what the client remembers of one phone number in this process.
type number struct {
	lastSent time.Time
	// sid is the verification the wrong count belongs to: Twilio reuses a pending
	// verification when a code is resent, and its attempts carry on.
	sid   string
	wrong int
	// made is when this process first texted the verification sid's code.
	made time.Time
}

var (
	_ provider.CodeSender = (*Client)(nil)
	_ provider.Checker    = (*Client)(nil)
	_ provider.SizedCodes = (*Client)(nil)
)

// New checks cfg and returns a client; it makes no call.
func New(cfg Config) (*Client, error) {
	switch {
	case strings.TrimSpace(cfg.AccountSID) == "":
		return nil, catalog.NewError("twilio.config.account-sid")
	case cfg.AuthToken == "":
		return nil, catalog.NewError("twilio.config.auth-token")
	case !validSID(cfg.ServiceSID, "VA"):
		return nil, catalog.NewError("twilio.config.service-sid")
	case cfg.ResendCoolDown < 0 || cfg.CodeValid < 0:
		return nil, catalog.NewError("twilio.config.negative")
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.CodeValid == 0 {
		cfg.CodeValid = 10 * time.Minute
	}
	return &Client{cfg: cfg, base: strings.TrimRight(cfg.BaseURL, "/"), numbers: map[string]*number{}, serviceRead: make(chan struct{}, 1)}, nil
}

// validSID reports whether s is prefix plus 32 letters or digits, so a SID can go into
// a URL path without escaping.
func validSID(s, prefix string) bool {
	if len(s) != len(prefix)+32 || !strings.HasPrefix(s, prefix) {
		return false
	}
	for _, r := range s[len(prefix):] {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// String names the service only: the client holds the auth token.
func (c *Client) String() string { return "twilio.Client(" + c.cfg.ServiceSID + ")" }

// GoString hides the auth token from %#v too.
func (c *Client) GoString() string { return c.String() }

// String leaves the auth token out, so a logged Config cannot leak it.
func (cfg Config) String() string {
	return "twilio.Config{AccountSID:" + cfg.AccountSID + " ServiceSID:" + cfg.ServiceSID + " BaseURL:" + cfg.BaseURL + "}"
}

// GoString hides the auth token from %#v too.
func (cfg Config) GoString() string { return cfg.String() }

func (c *Client) servicePath() string { return "/v2/Services/" + c.cfg.ServiceSID }

// state returns the record for a number, creating it; c.mu must be held.
func (c *Client) state(to string) *number {
	n := c.numbers[to]
	if n == nil {
		n = &number{}
		c.numbers[to] = n
	}
	return n
}
