// Package duo is the real Duo behind the Enroller, Pusher and Checker roles: the Admin
// API adds the user and phone and activates Duo Mobile, the Auth API sends the test
// push. Requests are signed by github.com/duosecurity/duo_api_golang; rate limiting,
// timeouts and cancellation are handled below it, in the HTTP transport.
package duo

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/clock"
)

// Defaults for the zero values of Config.
const (
	defaultCallTimeout = 30 * time.Second
	// defaultActivationValid is Duo's own default for valid_secs.
	defaultActivationValid = 24 * time.Hour
)

// Config is what the client needs; the caller reads keys from env/files and builds the
// HTTP client (it may hold an extra CA pool).
type Config struct {
	// APIHost is host[:port], e.g. api-xxxxxxxx.duosecurity.com.
	APIHost string
	// AdminIKey and AdminSKey are the Admin API application's keys.
	AdminIKey, AdminSKey string
	// AuthIKey and AuthSKey are the Auth API application's keys.
	AuthIKey, AuthSKey string
	// HTTPClient is the base client (TLS config); its Transport is wrapped for 429 handling.
	HTTPClient *http.Client
	// ActivationValid is valid_secs for activation links; zero means Duo's 24 hours.
	ActivationValid time.Duration
	// CreateUsers lets CreateUser add users; false refuses with what to do instead.
	CreateUsers bool
	// Clock times retries, expiries and the clock check; nil means the wall clock.
	Clock clock.Clock
	// CallTimeout bounds each HTTP attempt; zero means 30 s.
	CallTimeout time.Duration
}

// String never shows the secret keys, so a Config can be logged safely.
func (c Config) String() string {
	// untranslated: Go's own notation of the value, for developers' logs.
	return fmt.Sprintf("duo.Config{APIHost: %q, AdminIKey: %q, AuthIKey: %q, secret keys hidden}", c.APIHost, c.AdminIKey, c.AuthIKey)
}

// GoString hides the secret keys from %#v too.
func (c Config) GoString() string { return c.String() }

// validate names the config key at fault, as the technician will find it in config.yaml.
func (c Config) validate() error {
	missing := []struct {
		val string
		err error
	}{
		{c.APIHost, catalog.NewError("duo.config.missing-api-host")},
		{c.AdminIKey, catalog.NewError("duo.config.missing-admin-ikey")},
		{c.AdminSKey, catalog.NewError("duo.config.missing-admin-skey")},
		{c.AuthIKey, catalog.NewError("duo.config.missing-auth-ikey")},
		{c.AuthSKey, catalog.NewError("duo.config.missing-auth-skey")},
	}
	for _, m := range missing {
		if strings.TrimSpace(m.val) == "" {
			return m.err
		}
	}
	if strings.ContainsAny(c.APIHost, "/ \t") {
		return catalog.NewError("duo.config.api-host-form", "Host", strconv.Quote(c.APIHost))
	}
	if c.ActivationValid < 0 || c.CallTimeout < 0 {
		return catalog.NewError("duo.config.negative")
	}
	return nil
}

// withDefaults fills the zero values documented on Config.
func (c Config) withDefaults() Config {
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{}
	}
	if c.Clock == nil {
		c.Clock = clock.Real{}
	}
	if c.CallTimeout == 0 {
		c.CallTimeout = defaultCallTimeout
	}
	if c.ActivationValid == 0 {
		c.ActivationValid = defaultActivationValid
	}
	// Duo takes whole seconds; round up so a link never expires before it was promised.
	c.ActivationValid = (c.ActivationValid + time.Second - 1).Truncate(time.Second)
	return c
}
