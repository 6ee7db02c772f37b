// Package graph serves the PhoneRegistrar and Enforcer roles with Microsoft Graph: it
// reads and sets a user's mobile phone authentication method (v1.0) and makes MFA
// required the way the tenant does it — per-user MFA state (beta, the only place
// Graph offers it), a group its Conditional Access policies apply to, or nothing
// beside security defaults (see Enforce). Plain net/http and encoding/json; tokens
// come from an azcore.TokenCredential the caller builds.
//
// The app registration needs the application permissions, with admin consent, that
// the configured roles use; the caller lists them in Config.Needs (see Need and
// EnforcementNeeds), and Check names any that are missing.
package graph

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

// DefaultBaseURL is the global Microsoft Graph endpoint.
const DefaultBaseURL = "https://graph.microsoft.com"

// Config says which tenant and app registration to act as.
type Config struct {
	TenantID, ClientID string
	// Credential is built by the caller (client secret or certificate); see
	// NewSecretCredential.
	Credential azcore.TokenCredential
	// BaseURL is DefaultBaseURL unless a national cloud or a test says otherwise; the
	// token scope follows its host.
	BaseURL    string
	HTTPClient *http.Client
	Clock      clock.Clock
	// Needs are the permissions the configured roles use; Check asks for exactly these.
	Needs []Need
	// Enforcement is graph.enforcement: EnforceAuto ("" too), EnforcePerUser,
	// EnforceGroup or EnforceNone; EnforcementGroup is graph.enforcement_group.
	Enforcement      string
	EnforcementGroup string
}

// Client calls Microsoft Graph for one tenant.
type Client struct {
	cfg   Config
	base  string
	scope string

	// tenantRead is held while the tenant's MFA policies are read, so that runs
	// sharing the client wait for one read rather than each making their own;
	// known is what was read, at knownAt.
	tenantRead chan struct{}
	known      *tenant
	knownAt    time.Time
}

var (
	_ provider.PhoneRegistrar = (*Client)(nil)
	_ provider.Checker        = (*Client)(nil)
	_ provider.Enforcer       = (*Client)(nil)
)

// New checks cfg and returns a client; it makes no call and asks for no token yet.
func New(cfg Config) (*Client, error) {
	switch {
	case strings.TrimSpace(cfg.TenantID) == "":
		return nil, catalog.NewError("graph.config.tenant-id")
	case strings.TrimSpace(cfg.ClientID) == "":
		return nil, catalog.NewError("graph.config.client-id")
	case cfg.Credential == nil:
		return nil, catalog.NewError("graph.config.credential")
	case !slices.Contains([]string{"", EnforceAuto, EnforcePerUser, EnforceGroup, EnforceNone}, cfg.Enforcement):
		return nil, catalog.NewError("graph.config.enforcement", "Value", strconv.Quote(cfg.Enforcement),
			"Auto", EnforceAuto, "PerUser", EnforcePerUser, "Group", EnforceGroup, "None", EnforceNone)
	case cfg.Enforcement == EnforceGroup && cfg.EnforcementGroup == "":
		return nil, catalog.NewError("graph.config.group-missing")
	}
	if cfg.Enforcement == "" {
		cfg.Enforcement = EnforceAuto
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return nil, catalog.NewError("graph.config.base-url", "URL", strconv.Quote(cfg.BaseURL), "Default", DefaultBaseURL)
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	return &Client{
		cfg:  cfg,
		base: strings.TrimRight(cfg.BaseURL, "/"),
		// The resource's own host, so a national cloud (graph.microsoft.us…) gets a
		// token for itself rather than for the global endpoint.
		scope:      "https://" + u.Host + "/.default",
		tenantRead: make(chan struct{}, 1),
	}, nil
}

// String names the tenant and app only.
func (c *Client) String() string {
	return "graph.Client(tenant " + c.cfg.TenantID + ", app " + c.cfg.ClientID + ")" // untranslated: Go's notation, for developers' logs
}

// GoString keeps the credential out of %#v.
func (c *Client) GoString() string { return c.String() }

// userPath is the escaped path of a user under a version ("v1.0" or "beta"): a UPN
// can hold '#' (guests) or '/', which must not change the path's meaning.
func userPath(version, upn string) string {
	return "/" + version + "/users/" + url.PathEscape(upn)
}
