// Package autotask tells the support desk by opening a ticket in Autotask PSA through
// its REST API.
//
// Autotask is the one channel that can be asked what was sent: the ticket title carries
// the notice id ("MFA set up: <user> [<id>]"), and Sent searches ticket titles for it.
// With the step saving the id before Notify, a run stopped anywhere — even after
// Autotask created the ticket but before the step saved — finds that ticket on the
// re-run instead of opening a second one.
package autotask

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/httpcall"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/message"
)

// DefaultBaseURL is where the zone of an API user is looked up.
const DefaultBaseURL = "https://webservices.autotask.net/atservicesrest/"

// Config says which Autotask API user to use and how tickets are filed.
type Config struct {
	// APIUser is the API-only user's username (…@…); Secret is its password.
	APIUser, Secret string
	// IntegrationCode is the API tracking identifier of the integration.
	IntegrationCode string
	// ZoneURL is the zone's REST root (https://webservicesN.autotask.net/ATServicesRest/);
	// empty means discover it from BaseURL.
	ZoneURL string
	// CompanyID is the customer the ticket is filed under.
	CompanyID int64
	// QueueID routes the ticket; zero leaves it out.
	QueueID int64
	// Status and Priority are picklist values of the tenant.
	Status, Priority int
	// IssueType and SubIssueType are optional picklist values; zero leaves them out.
	IssueType, SubIssueType int
	// Fields are further ticket fields the tenant requires (billingCodeID,
	// ticketCategory, dueDateTime…), each one value sent into the ticket as it is. They
	// cannot name a field the tool sets itself (ToolField).
	Fields map[string]any
	// BaseURL is DefaultBaseURL unless a test points it at a fake.
	BaseURL    string
	HTTPClient *http.Client
	// Template is the MSP's own message (see package message); "" is the default.
	Template string
	Clock    clock.Clock
}

// String leaves the secret out, so a logged Config cannot leak it.
func (cfg Config) String() string {
	return fmt.Sprintf("autotask.Config{APIUser:%s ZoneURL:%s CompanyID:%d QueueID:%d}", cfg.APIUser, cfg.ZoneURL, cfg.CompanyID, cfg.QueueID)
}

// GoString hides the secret from %#v too.
func (cfg Config) GoString() string { return cfg.String() }

// Notifier opens Autotask tickets.
type Notifier struct {
	cfg Config

	mu   sync.Mutex
	zone string
}

var (
	_ provider.Notifier = (*Notifier)(nil)
	_ provider.Checker  = (*Notifier)(nil)
)

// New checks cfg and returns a notifier; it makes no call.
func New(cfg Config) (*Notifier, error) {
	switch {
	case !strings.Contains(cfg.APIUser, "@"):
		return nil, fmt.Errorf("the Autotask API user %q is not a username; give the API-only user's username (name@…), from Admin → Resources/Users", cfg.APIUser)
	case cfg.Secret == "":
		return nil, errors.New("the Autotask secret is empty; put the API user's secret where the config's Autotask secret setting points")
	case strings.TrimSpace(cfg.IntegrationCode) == "":
		return nil, errors.New("the Autotask integration code is empty; give the API tracking identifier shown on the API user's security page")
	case cfg.CompanyID <= 0:
		return nil, errors.New("the Autotask company id is not set; give the id of the company tickets are filed under (0 is Autotask's own company)")
	case cfg.Status <= 0 || cfg.Priority <= 0:
		return nil, errors.New("the Autotask ticket status and priority must be set to picklist values of your Autotask (for example status 1 New, priority 2 Medium)")
	case cfg.QueueID < 0 || cfg.IssueType < 0 || cfg.SubIssueType < 0:
		return nil, errors.New("the Autotask queue, issue type and sub-issue type cannot be negative; fix them in the config")
	}
	if err := checkFields(cfg.Fields); err != nil {
		return nil, err
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if err := checkRoot(cfg.BaseURL, "base URL"); err != nil {
		return nil, err
	}
	if cfg.ZoneURL != "" {
		if err := checkRoot(cfg.ZoneURL, "zone URL"); err != nil {
			return nil, err
		}
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
	return &Notifier{cfg: cfg, zone: httpcall.WithSlash(cfg.ZoneURL)}, nil
}

// Name says where notices go.
func (a *Notifier) Name() string { return "an Autotask ticket" }

// String names the user only: the notifier holds the secret.
func (a *Notifier) String() string { return "autotask.Notifier(" + a.cfg.APIUser + ")" }

// GoString hides the secret from %#v too.
func (a *Notifier) GoString() string { return a.String() }

// checkRoot accepts an https URL (http only to loopback, for tests).
func checkRoot(raw, what string) error {
	if !httpcall.Secure(raw) {
		return fmt.Errorf("the Autotask %s %q is not an https URL; fix it or leave it empty", what, raw)
	}
	return nil
}
