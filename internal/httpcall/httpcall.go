// Package httpcall makes one call to a vendor's HTTP API the way every provider client
// needs it: credentials set on each attempt, the answer read whole but bounded, the
// identical body sent again after a throttled or busy answer once the wait the vendor
// asks for has passed (within a bounded policy), and a request that got no answer told
// as one sentence that names the vendor and never the URL. A Limiter paces every
// request to one vendor, from every caller in the process.
package httpcall

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/httpclient"
	"github.com/mfa-onboard/mfa-onboard/internal/retryafter"
)

// Defaults bound every client that does not say otherwise, so that a throttled run
// ends with a message instead of hanging.
const (
	DefaultTries   = 4
	DefaultMaxWait = 60 * time.Second
	DefaultMaxBody = 1 << 20
)

// ErrBrokeOff is wrapped by the error for an answer that started but did not arrive
// whole: a request that changes something may then have been carried out, and a
// client that cannot ask the vendor says so in its own words.
var ErrBrokeOff error = catalog.NewError("http.broke-off")

// Service is one vendor's API as a client calls it.
type Service struct {
	// Name is the vendor as a sentence names it ("Microsoft Graph", "Autotask at
	// https://webservices5.autotask.net"): never a URL with a path, which can hold a
	// user's name or a secret.
	Name  string
	HTTP  *http.Client
	Clock clock.Clock
	// Authorize sets credentials on each attempt, so a cached token that expired
	// during a wait is fetched again.
	Authorize func(ctx context.Context, r *http.Request) error
	// Retry says which answers are sent again after a wait; nil means HTTP 429 only.
	Retry func(Answer) bool
	// Policy bounds the retries; zero means DefaultTries and DefaultMaxWait.
	Policy retryafter.Policy
	// MaxBody bounds what is read of an answer; zero means DefaultMaxBody.
	MaxBody int64
}

// Request is one call: Body, when not nil, is sent as ContentType on every attempt.
type Request struct {
	Method      string
	URL         string
	Body        []byte
	ContentType string
}

// JSON is a request whose body is v encoded as JSON (nil v sends no body).
func JSON(method, rawURL string, v any) (Request, error) {
	r := Request{Method: method, URL: rawURL}
	if v == nil {
		return r, nil
	}
	body, err := json.Marshal(v)
	if err != nil {
		return r, catalog.Wrap(err, "http.request.encode")
	}
	r.Body, r.ContentType = body, "application/json"
	return r, nil
}

// Form is a request whose body is form, URL-encoded.
func Form(method, rawURL string, form url.Values) Request {
	return Request{Method: method, URL: rawURL, Body: []byte(form.Encode()), ContentType: "application/x-www-form-urlencoded"}
}

// Answer is one HTTP response, read whole.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
	// Throttled is true when the last answer was still one Retry accepts after the
	// policy ran out; Wait is then what the vendor last asked for.
	Throttled bool
	Wait      time.Duration
	service   string
}

// OK is true for any 2xx answer.
func (a Answer) OK() bool { return a.Status >= 200 && a.Status < 300 }

// Decode reads a success body into v.
func (a Answer) Decode(v any) error {
	if err := json.Unmarshal(a.Body, v); err != nil {
		return catalog.Wrap(err, "http.answer.not-json", "Service", a.service)
	}
	return nil
}

// Do sends r, again after each answer Retry accepts while the policy allows, and
// returns the last answer. An error means no usable answer came at all.
func (s Service) Do(ctx context.Context, r Request) (Answer, error) {
	policy := s.Policy
	if policy.Tries == 0 {
		policy = retryafter.Policy{Tries: DefaultTries, MaxWait: DefaultMaxWait}
	}
	retry := s.Retry
	if retry == nil {
		retry = func(a Answer) bool { return a.Status == http.StatusTooManyRequests }
	}
	for try := 1; ; try++ {
		a, err := s.once(ctx, r)
		if err != nil {
			return Answer{}, err
		}
		if !retry(a) {
			return a, nil
		}
		wait, again := policy.Next(a.Header, s.Clock.Now(), try)
		if !again {
			a.Throttled, a.Wait = true, wait
			return a, nil
		}
		if err := s.Clock.Sleep(ctx, wait); err != nil {
			return Answer{}, catalog.Wrap(err, "http.request.stopped", "Service", s.Name)
		}
	}
}

func (s Service) once(ctx context.Context, r Request) (Answer, error) {
	var body io.Reader
	if r.Body != nil {
		body = bytes.NewReader(r.Body)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, body)
	if err != nil {
		return Answer{}, catalog.Wrap(redact(err), "http.address.bad", "Service", s.Name)
	}
	req.Header.Set("Accept", "application/json")
	if r.Body != nil {
		req.Header.Set("Content-Type", r.ContentType)
	}
	if s.Authorize != nil {
		if err := s.Authorize(ctx, req); err != nil {
			return Answer{}, err
		}
	}
	resp, err := s.HTTP.Do(req)
	if err != nil {
		return Answer{}, httpclient.Explain(ctx, s.Name, err)
	}
	defer resp.Body.Close()
	limit := s.MaxBody
	if limit == 0 {
		limit = DefaultMaxBody
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		broke := catalog.Wrap(err, "http.answer.broke-off", "Service", s.Name, "Why", ErrBrokeOff)
		// Both are what this error explains: the caller asks errors.Is(err,
		// ErrBrokeOff), and errors.As still finds the network's own error.
		broke.Err = errors.Join(ErrBrokeOff, err)
		return Answer{}, broke
	}
	return Answer{Status: resp.StatusCode, Header: resp.Header, Body: data, service: s.Name}, nil
}

// redact keeps a malformed URL out of the sentence: it can hold a user's name.
func redact(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}

// Host keeps only scheme and host of rawURL, for naming a vendor whose address is
// configured: a URL in a message never needs more.
func Host(rawURL string) string { return HostIn(nil, rawURL) }

// HostIn is Host, saying in p's language what stands for an address that has no
// host.
func HostIn(p *catalog.Printer, rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return p.T("http.address.configured")
	}
	return u.Scheme + "://" + u.Host
}

// Secure reports whether rawURL is fit to send credentials to: https, or plain http
// to this computer only (a test's stand-in).
func Secure(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return false
	}
	return u.Scheme == "https" || (u.Scheme == "http" && Loopback(u.Hostname()))
}

// Loopback reports whether host is this computer.
func Loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// WithSlash ends a non-empty base URL with one slash, so paths can be appended.
func WithSlash(base string) string {
	if base == "" || strings.HasSuffix(base, "/") {
		return base
	}
	return base + "/"
}
