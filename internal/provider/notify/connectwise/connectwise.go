// Package connectwise tells the support desk by opening a service ticket in
// ConnectWise PSA (formerly Manage) through its REST API.
//
// Like Autotask, ConnectWise can be asked what was sent: the ticket summary carries
// the notice id ("MFA set up: <user> [<id>]"), and both Sent and Notify search
// summaries for it before anything is created. With the step saving the id before
// Notify, a run stopped anywhere — even after ConnectWise created the ticket but before
// the step saved — finds that ticket on the re-run instead of opening a second one.
//
// ConnectWise's developer guide is the source for the calls:
// https://developer.connectwise.com/Products/ConnectWise_PSA/Developer_Guide
package connectwise

import (
	"fmt"
	"net/http"
	"regexp"
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

// Ref names a service board or a ticket status by id or by name.
type Ref struct {
	ID   int64
	Name string
}

// CompanyRef names the customer company by id or by identifier (its short name).
type CompanyRef struct {
	ID         int64
	Identifier string
}

// Config says which ConnectWise API member to use and where tickets go.
type Config struct {
	// Site is the API host, such as api-na.myconnectwise.net.
	Site string
	// CompanyID is the company typed at ConnectWise's login; PublicKey and PrivateKey
	// are the API member's key pair.
	CompanyID, PublicKey, PrivateKey string
	// ClientID is the integration's GUID from developer.connectwise.com, sent with
	// every call.
	ClientID string
	// Codebase is the path before apis/3.0 ("v4_6_release/"); empty means ask the site
	// (login/companyinfo) once.
	Codebase string
	// Board is the service board tickets go to; Status is the status they start in
	// (zero: the board's default).
	Board, Status Ref
	// Company is the customer company tickets are filed under.
	Company CompanyRef
	// BaseURL replaces https://<Site>/ when a test points the client at a fake.
	BaseURL    string
	HTTPClient *http.Client
	// Template is the MSP's own message (see package message); "" is the default.
	Template string
	Clock    clock.Clock
}

// String leaves the private key out, so a logged Config cannot leak it.
func (cfg Config) String() string {
	// untranslated: a developer's view of the config, for logs.
	return fmt.Sprintf("connectwise.Config{Site:%s CompanyID:%s PublicKey:%s Board:%v Company:%v}", cfg.Site, cfg.CompanyID, cfg.PublicKey, cfg.Board, cfg.Company)
}

// GoString hides the private key from %#v too.
func (cfg Config) GoString() string { return cfg.String() }

// Notifier opens ConnectWise service tickets.
type Notifier struct {
	cfg  Config
	base string // https://<site>/, ending in "/"

	mu       sync.Mutex
	codebase string // ending in "/", once known
	board    int64  // ids looked up from names, once known
	status   int64
}

var (
	_ provider.Notifier = (*Notifier)(nil)
	_ provider.Checker  = (*Notifier)(nil)
)

var (
	guid = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^\{?[0-9A-Fa-f]{8}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{4}-?[0-9A-Fa-f]{12}\}?$`)
	})
	codebase = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_.]+/?$`) })
	hostName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9.-]+$`) })
)

// New checks cfg and returns a notifier; it makes no call.
func New(cfg Config) (*Notifier, error) {
	cfg.CompanyID, cfg.PublicKey, cfg.ClientID = strings.TrimSpace(cfg.CompanyID), strings.TrimSpace(cfg.PublicKey), strings.TrimSpace(cfg.ClientID)
	switch {
	case cfg.Site == "" && cfg.BaseURL == "":
		return nil, catalog.NewError("connectwise.site-empty")
	case cfg.Site != "" && !hostName().MatchString(cfg.Site):
		return nil, catalog.NewError("connectwise.site-invalid", "Site", strconv.Quote(cfg.Site))
	case cfg.CompanyID == "":
		return nil, catalog.NewError("connectwise.company-id-empty")
	case strings.ContainsAny(cfg.CompanyID, "+:"):
		// The Basic user is companyId+publicKey: a + or : in either would split it wrongly.
		return nil, catalog.NewError("connectwise.company-id-invalid", "Company", strconv.Quote(cfg.CompanyID))
	case cfg.PublicKey == "":
		return nil, catalog.NewError("connectwise.public-key-empty")
	case strings.Contains(cfg.PublicKey, ":"):
		return nil, catalog.NewError("connectwise.public-key-colon")
	case cfg.PrivateKey == "":
		return nil, catalog.NewError("connectwise.private-key-empty")
	case cfg.ClientID == "":
		return nil, catalog.NewError("connectwise.client-id-empty")
	case !guid().MatchString(cfg.ClientID):
		return nil, catalog.NewError("connectwise.client-id-invalid", "ClientID", strconv.Quote(cfg.ClientID))
	case cfg.Codebase != "" && (!codebase().MatchString(cfg.Codebase) || strings.Contains(cfg.Codebase, "..")):
		return nil, catalog.NewError("connectwise.codebase-invalid", "Codebase", strconv.Quote(cfg.Codebase))
	}
	if err := checkRefs(cfg); err != nil {
		return nil, err
	}
	base := "https://" + cfg.Site + "/"
	if cfg.BaseURL != "" {
		if err := checkRoot(cfg.BaseURL); err != nil {
			return nil, err
		}
		base = httpcall.WithSlash(cfg.BaseURL)
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
	n := &Notifier{cfg: cfg, base: base, board: cfg.Board.ID, status: cfg.Status.ID}
	if cfg.Codebase != "" {
		n.codebase = httpcall.WithSlash(cfg.Codebase)
	}
	return n, nil
}

func checkRefs(cfg Config) error {
	switch {
	case cfg.Board.ID == 0 && cfg.Board.Name == "":
		return catalog.NewError("connectwise.board-unset")
	case cfg.Board.ID != 0 && cfg.Board.Name != "", cfg.Status.ID != 0 && cfg.Status.Name != "":
		return catalog.NewError("connectwise.board-both")
	case cfg.Company.ID == 0 && cfg.Company.Identifier == "":
		return catalog.NewError("connectwise.company-unset")
	case cfg.Company.ID != 0 && cfg.Company.Identifier != "":
		return catalog.NewError("connectwise.company-both")
	case cfg.Board.ID < 0 || cfg.Status.ID < 0 || cfg.Company.ID < 0:
		return catalog.NewError("connectwise.negative-id")
	}
	for _, name := range []string{cfg.Board.Name, cfg.Status.Name, cfg.Company.Identifier} {
		// A name is searched for as a quoted string, and ConnectWise documents no way
		// to escape a quote inside one.
		if strings.Contains(name, `"`) {
			return catalog.NewError("connectwise.name-quote", "Name", strconv.Quote(name))
		}
	}
	return nil
}

// Name says where notices go. It is also the key under which the state records the
// receipt, so it is the same in every language.
func (c *Notifier) Name() string {
	return "a ConnectWise ticket" // untranslated: the state's key for this channel
}

// Describe says the channel in p's language.
func (c *Notifier) Describe(p *catalog.Printer) string { return p.T("connectwise.channel") }

// String names the company and public key only: the notifier holds the private key.
func (c *Notifier) String() string {
	return "connectwise.Notifier(" + c.cfg.CompanyID + "+" + c.cfg.PublicKey + ")"
}

// GoString hides the private key from %#v too.
func (c *Notifier) GoString() string { return c.String() }

// checkRoot accepts an https URL (http only to loopback, for tests).
func checkRoot(raw string) error {
	if !httpcall.Secure(raw) {
		return catalog.NewError("connectwise.base-url-not-https", "URL", strconv.Quote(raw))
	}
	return nil
}
