package duo

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/httpcall"
	"github.com/mfa-onboard/mfa-onboard/internal/retryafter"
)

// Limits of the 429 handling. duo_api_golang retries 429 itself but resends a POST
// with an empty body and ignores Retry-After (API-NOTES §1), so it must never see one.
const (
	maxAttempts  = 5
	retryBudget  = 60 * time.Second
	firstBackoff = time.Second
)

// retryTransport sits between the library and the base transport: it resends a request
// Duo answered with 429, byte for byte, and bounds each attempt by the call timeout.
type retryTransport struct {
	next           http.RoundTripper
	clock          clock.Clock
	attemptTimeout time.Duration
	// jitter spreads retries of many clients; a field so the limits stay testable.
	jitter func() time.Duration
}

func newRetryTransport(next http.RoundTripper, clk clock.Clock, attemptTimeout time.Duration) *retryTransport {
	return &retryTransport{
		next:           next,
		clock:          clk,
		attemptTimeout: attemptTimeout,
		jitter:         func() time.Duration { return rand.N(time.Second) },
	}
}

// RoundTrip sends req, waiting out 429s (Retry-After, else 1 s, 2 s, 4 s… plus jitter)
// for at most maxAttempts attempts and retryBudget of waiting. After the last 429 it
// returns an *Error, never the response, so the library's own retry loop stays idle.
func (t *retryTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := readBody(req)
	if err != nil {
		return nil, err
	}
	backoff := firstBackoff
	var waited time.Duration
	for attempt := 1; ; attempt++ {
		resp, err := t.once(req, body)
		if err != nil || resp.StatusCode != http.StatusTooManyRequests {
			return resp, err
		}
		wait, given := retryafter.Parse(resp.Header.Get("Retry-After"), t.clock.Now())
		if !given {
			wait = backoff + t.jitter()
			backoff *= 2
		}
		last := drain(resp)
		if attempt == maxAttempts || waited+wait > retryBudget {
			return nil, rateLimited(last)
		}
		if err := t.clock.Sleep(req.Context(), wait); err != nil {
			return nil, err
		}
		waited += wait
	}
}

// once makes one attempt with its own deadline; the deadline lives until the library
// has read and closed the body.
func (t *retryTransport) once(req *http.Request, body []byte) (*http.Response, error) {
	ctx, cancel := context.WithTimeout(req.Context(), t.attemptTimeout)
	r := req.Clone(ctx)
	switch {
	case body == nil:
	case len(body) == 0:
		r.Body, r.ContentLength = http.NoBody, 0
	default:
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		r.ContentLength = int64(len(body))
	}
	resp, err := t.next.RoundTrip(r)
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// readBody takes the whole body once, so every attempt can send the same bytes.
func readBody(req *http.Request) ([]byte, error) {
	if req.Body == nil || req.Body == http.NoBody {
		return nil, nil
	}
	defer req.Body.Close()
	b, err := io.ReadAll(req.Body)
	if b == nil {
		b = []byte{}
	}
	return b, err
}

// drain keeps the start of a 429's body (Duo's envelope) and frees the connection.
func drain(resp *http.Response) []byte {
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return b
}

// rateLimited turns the last 429 into the error the caller sees, with Duo's code.
func rateLimited(body []byte) error {
	err := decode("", http.StatusTooManyRequests, body, nil).(*Error)
	if err.Code == 0 {
		err.Code = 42901
	}
	return err
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error {
	err := c.ReadCloser.Close()
	c.cancel()
	return err
}

// boundTransport gives every request of one call that call's context. The library
// builds its requests without one, so this is how cancelling ctx aborts the request in
// flight: nothing runs in a goroutine of ours, so nothing can outlive the call.
type boundTransport struct {
	ctx  context.Context
	next http.RoundTripper
}

func (b boundTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	return b.next.RoundTrip(req.WithContext(b.ctx))
}

// Limited returns a copy of c (the Config's HTTPClient) whose requests wait at the
// Admin API's limiter (/admin/...) or the Auth API's (/auth/...): two applications
// with their own keys, which Duo limits apart (https://duo.com/docs/rate-limits; a
// 429 carries code 42901). The wait sits below retryTransport, so every attempt
// waits its turn, the resends after a 429 included, and a 429 pauses that API for
// every caller.
func Limited(c *http.Client, admin, auth *httpcall.Limiter) *http.Client {
	return httpcall.LimitedBy(c, func(r *http.Request) *httpcall.Limiter {
		switch {
		case strings.HasPrefix(r.URL.Path, "/admin/"):
			return admin
		case strings.HasPrefix(r.URL.Path, "/auth/"):
			return auth
		}
		return nil
	})
}
