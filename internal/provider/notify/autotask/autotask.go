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
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
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
	// untranslated: a developer's view of the config, for logs.
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
		return nil, catalog.NewError("autotask.api-user-invalid", "User", strconv.Quote(cfg.APIUser))
	case cfg.Secret == "":
		return nil, catalog.NewError("autotask.secret-empty")
	case strings.TrimSpace(cfg.IntegrationCode) == "":
		return nil, catalog.NewError("autotask.integration-code-empty")
	case cfg.CompanyID <= 0:
		return nil, catalog.NewError("autotask.company-unset")
	case cfg.Status <= 0 || cfg.Priority <= 0:
		return nil, catalog.NewError("autotask.status-priority-unset")
	case cfg.QueueID < 0 || cfg.IssueType < 0 || cfg.SubIssueType < 0:
		return nil, catalog.NewError("autotask.negative-ids")
	}
	if err := checkFields(cfg.Fields); err != nil {
		return nil, err
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	if err := checkRoot(cfg.BaseURL, "autotask.base-url-not-https"); err != nil {
		return nil, err
	}
	if cfg.ZoneURL != "" {
		if err := checkRoot(cfg.ZoneURL, "autotask.zone-url-not-https"); err != nil {
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

// Name says where notices go. It is also the key under which the state records the
// receipt, so it is the same in every language.
func (a *Notifier) Name() string {
	return "an Autotask ticket" // untranslated: the state's key for this channel
}

// Describe says the channel in p's language.
func (a *Notifier) Describe(p *catalog.Printer) string { return p.T("autotask.channel") }

// String names the user only: the notifier holds the secret.
func (a *Notifier) String() string { return "autotask.Notifier(" + a.cfg.APIUser + ")" }

// GoString hides the secret from %#v too.
func (a *Notifier) GoString() string { return a.String() }

// checkRoot accepts an https URL (http only to loopback, for tests); id is the
// message that names which URL it is (autotask.base-url-not-https or
// autotask.zone-url-not-https).
func checkRoot(raw, id string) error {
	if !httpcall.Secure(raw) {
		return catalog.NewError(id, "URL", strconv.Quote(raw))
	}
	return nil
}
