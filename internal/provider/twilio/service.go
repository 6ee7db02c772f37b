package twilio

import (
	"context"
	"net/http"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

// maxSkew is how far this computer's clock may be from Twilio's before the check
// warns: code expiry shown to the person is reckoned on this computer.
const maxSkew = 2 * time.Minute

// Twilio's bounds of a service's code_length, and its default
// (https://www.twilio.com/docs/verify/api/service).
const (
	minCodeLength, maxCodeLength = 4, 10
	defaultCodeLength            = 6
)

// service is the part of the Verify Service resource the client reads.
type service struct {
	FriendlyName string `json:"friendly_name"`
	CodeLength   int    `json:"code_length"`
}

// fetchService reads the Verify service. It is also what proves the credentials and
// the service SID without sending anything.
func (c *Client) fetchService(ctx context.Context) (service, answer, error) {
	a, err := c.call(ctx, http.MethodGet, c.servicePath(), nil)
	if err != nil {
		return service{}, a, err
	}
	if !a.OK() {
		if a.Status == http.StatusNotFound {
			return service{}, a, serviceNotFound(a)
		}
		return service{}, a, failure(a, "")
	}
	var svc service
	if err := a.Decode(&svc); err != nil {
		return service{}, a, err
	}
	return svc, a, nil
}

// Check fetches the Verify service, which proves the credentials and the service SID
// and sends nothing, then compares clocks with Twilio's Date header.
func (c *Client) Check(ctx context.Context) []provider.Check {
	const name = "twilio verify" // untranslated: a check's label
	svc, a, err := c.fetchService(ctx)
	if err != nil {
		return []provider.Check{provider.NewCheck(name, false, err)}
	}
	out := []provider.Check{provider.NewCheck(name, true, catalog.NewError("twilio.check.reachable", "Name", sanitize.Line(svc.FriendlyName)))}
	if skew, ok := clockSkew(a.Header, c.cfg.Clock.Now()); ok {
		out = append(out, skew)
	}
	return out
}

// CodeLength is the service's code_length: every code it texts has that many digits.
// It is read once by each client: once a run, and once a batch.
func (c *Client) CodeLength(ctx context.Context) (int, error) {
	select {
	case c.serviceRead <- struct{}{}:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	defer func() { <-c.serviceRead }()
	c.mu.Lock()
	n := c.codeLength
	c.mu.Unlock()
	if n != 0 {
		return n, nil
	}
	svc, _, err := c.fetchService(ctx)
	if err != nil {
		return 0, err
	}
	n = svc.CodeLength
	switch {
	case n == 0:
		// Twilio always gives it; an answer without it is read as Twilio's default.
		n = defaultCodeLength
	case n < minCodeLength || n > maxCodeLength:
		return 0, catalog.NewError("twilio.code-length", "Length", n, "Min", minCodeLength, "Max", maxCodeLength)
	}
	c.mu.Lock()
	c.codeLength = n
	c.mu.Unlock()
	return n, nil
}

// clockSkew compares now with the service's Date header, when it sent one.
func clockSkew(h http.Header, now time.Time) (provider.Check, bool) {
	t, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		return provider.Check{}, false
	}
	d := now.Sub(t)
	const name = "twilio clock" // untranslated: a check's label
	if d.Abs() <= maxSkew {
		return provider.NewCheck(name, true, catalog.NewError("twilio.check.clock-ok")), true
	}
	return provider.NewCheck(name, false, catalog.NewError("twilio.check.clock-off", "Skew", d.Abs().Round(time.Second))), true
}
