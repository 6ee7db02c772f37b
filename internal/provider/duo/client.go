package duo

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	duoapi "github.com/duosecurity/duo_api_golang"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

const userAgent = "mfa-onboard"

// Client is the real Duo: it implements provider.Enroller, provider.Pusher and
// provider.Checker.
type Client struct {
	cfg   Config
	admin *duoapi.DuoApi
	auth  *duoapi.DuoApi
	rt    http.RoundTripper

	mu sync.Mutex
	// pushes holds recent push times per lower-cased username, for the push cap.
	pushes map[string][]time.Time
}

// The roles Client serves, checked by the compiler.
var (
	_ provider.Enroller = (*Client)(nil)
	_ provider.Pusher   = (*Client)(nil)
	_ provider.Checker  = (*Client)(nil)
)

// New checks cfg (an error names the config key at fault, e.g. duo.admin_ikey) and
// returns a client. It makes no request.
func New(cfg Config) (*Client, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	base := cfg.HTTPClient.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	return &Client{
		cfg:    cfg,
		admin:  duoapi.NewDuoApi(cfg.AdminIKey, cfg.AdminSKey, cfg.APIHost, userAgent),
		auth:   duoapi.NewDuoApi(cfg.AuthIKey, cfg.AuthSKey, cfg.APIHost, userAgent),
		rt:     newRetryTransport(base, cfg.Clock, cfg.CallTimeout),
		pushes: map[string][]time.Time{},
	}, nil
}

// String names the Duo host only: the client holds secret keys.
func (c *Client) String() string { return "duo.Client(" + c.cfg.APIHost + ")" }

// GoString hides the secret keys from %#v too.
func (c *Client) GoString() string { return c.String() }

// call makes one signed request and decodes Duo's envelope into out.
//
// The library takes no context. Each call therefore uses a copy of the library's
// client whose http.Client stamps this call's ctx on every request it sends (see
// boundTransport): cancelling ctx aborts the request in flight at once, and as no
// goroutine is started, none can outlive the call. Each attempt is also bounded by
// CallTimeout in retryTransport. The library's own typed wrappers (admin.Client,
// authapi.AuthApi) are not used because they drop the HTTP status, which is needed to
// explain an answer that is not Duo's envelope (a proxy's error page).
func (c *Client) call(ctx context.Context, api API, method, path string, params url.Values, out any) error {
	d := c.bound(ctx, api)
	resp, body, err := d.SignedCall(method, path, params)
	if err != nil {
		return c.transportError(ctx, api, err)
	}
	return decode(api, resp.StatusCode, body, out)
}

// callPage is call for one page of an Admin API list; next is where the next page
// starts, or -1 after the last.
func (c *Client) callPage(ctx context.Context, path string, params url.Values, out any) (next int, err error) {
	d := c.bound(ctx, AdminAPI)
	resp, body, err := d.SignedCall(http.MethodGet, path, params)
	if err != nil {
		return -1, c.transportError(ctx, AdminAPI, err)
	}
	env, err := decodeEnvelope(AdminAPI, resp.StatusCode, body, out)
	if err != nil {
		return -1, err
	}
	// next_offset is absent or null after the last page; duo_api_golang reads it as a
	// json.Number, so a number written as a string is taken too.
	var meta struct {
		NextOffset json.RawMessage `json:"next_offset"`
	}
	if len(env.Metadata) > 0 && json.Unmarshal(env.Metadata, &meta) != nil {
		return -1, catalog.NewError("duo.paging-metadata", "Path", path)
	}
	raw := strings.TrimSpace(string(meta.NextOffset))
	if raw == "" || raw == "null" {
		return -1, nil
	}
	n, err := strconv.Atoi(strings.Trim(raw, `"`))
	if err != nil || n < 0 {
		return -1, catalog.NewError("duo.paging-next", "Path", path, "Next", strconv.Quote(sanitize.Line(raw)))
	}
	return n, nil
}

// ping is the one unsigned call, /auth/v2/ping.
func (c *Client) ping(ctx context.Context, out any) error {
	d := c.bound(ctx, AuthAPI)
	resp, body, err := d.Call(http.MethodGet, "/auth/v2/ping", nil)
	if err != nil {
		return c.transportError(ctx, AuthAPI, err)
	}
	return decode(AuthAPI, resp.StatusCode, body, out)
}

func (c *Client) bound(ctx context.Context, api API) *duoapi.DuoApi {
	d := *c.admin
	if api == AuthAPI {
		d = *c.auth
	}
	base := c.cfg.HTTPClient
	// No Timeout here: retryTransport bounds each attempt, and a client-wide timeout
	// would also cut short the waits between 429 retries.
	d.SetCustomHTTPClient(&http.Client{
		Transport:     boundTransport{ctx: ctx, next: c.rt},
		CheckRedirect: base.CheckRedirect,
		Jar:           base.Jar,
	})
	return &d
}

// transportError explains a request that got no usable answer. The URL (which holds
// the query: a username or a phone number) is left out of the sentence.
func (c *Client) transportError(ctx context.Context, api API, err error) error {
	var duoErr *Error
	if errors.As(err, &duoErr) {
		duoErr.API = api
		return duoErr
	}
	if ctx.Err() != nil {
		return catalog.Wrap(ctx.Err(), "duo.stopped")
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return catalog.Wrap(context.DeadlineExceeded, "duo.timeout", "Timeout", c.cfg.CallTimeout, "Host", c.cfg.APIHost)
	}
	var unknownCA x509.UnknownAuthorityError
	var verify *tls.CertificateVerificationError
	if errors.As(err, &unknownCA) || errors.As(err, &verify) {
		return catalog.Wrap(err, "duo.untrusted-certificate", "Host", c.cfg.APIHost)
	}
	return catalog.Wrap(err, "duo.unreachable", "Host", c.cfg.APIHost)
}
