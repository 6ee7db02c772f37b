package twilio

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/phone"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

// CheckCode asks Twilio whether code is the one texted to the number. Twilio answers a
// wrong code with 200 "pending" and does not say how many tries are left, so the
// client counts wrong checks itself, per verification, starting from Twilio's 5; the
// count restarts in a new process (see the package comment).
func (c *Client) CheckCode(ctx context.Context, to, code string) (provider.CodeCheck, error) {
	if err := ctx.Err(); err != nil {
		return provider.CodeCheck{}, err
	}
	a, err := c.call(ctx, http.MethodPost, c.servicePath()+"/VerificationCheck", url.Values{"To": {to}, "Code": {code}})
	if err != nil {
		return provider.CodeCheck{}, err
	}
	if !a.OK() {
		return c.checkFailed(a, to)
	}
	var v verification
	if err := a.Decode(&v); err != nil {
		return provider.CodeCheck{}, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.state(to)
	if v.SID != "" && v.SID != n.sid {
		// A verification started elsewhere (another run): its earlier tries are unknown.
		n.sid, n.wrong, n.made = v.SID, 0, time.Time{}
	}
	switch v.Status {
	case "approved":
		n.sid, n.wrong, n.made = "", 0, time.Time{}
		return provider.CodeCheck{Status: provider.CodeApproved}, nil
	case "pending":
		n.wrong++
		if left := checkAttempts - n.wrong; left > 0 {
			return provider.CodeCheck{Status: provider.CodeWrong, AttemptsLeft: left}, nil
		}
		return provider.CodeCheck{Status: provider.CodeLocked}, nil
	case "max_attempts_reached":
		return provider.CodeCheck{Status: provider.CodeLocked}, nil
	case "expired", "canceled", "deleted", "failed":
		return provider.CodeCheck{Status: provider.CodeExpired}, nil
	}
	return provider.CodeCheck{}, catalog.NewError("twilio.check.unknown-status", "Phone", phone.Mask(to), "Status", strconv.Quote(sanitize.Line(v.Status)))
}

// checkFailed maps Twilio's refusals of a check to outcomes the step handles.
func (c *Client) checkFailed(a answer, to string) (provider.CodeCheck, error) {
	code := apiErrorOf(a).Code
	switch {
	case a.Status == http.StatusTooManyRequests && code == codeMaxChecks:
		return provider.CodeCheck{Status: provider.CodeLocked}, nil
	case a.Status == http.StatusNotFound && code == codeNotFound:
		// Twilio forgets a verification once it is approved, expired or used up, so a
		// 404 after this process counted out every try means the code was locked.
		c.mu.Lock()
		defer c.mu.Unlock()
		if n := c.numbers[to]; n != nil && n.sid != "" && n.wrong >= checkAttempts {
			return provider.CodeCheck{Status: provider.CodeLocked}, nil
		}
		return provider.CodeCheck{Status: provider.CodeExpired}, nil
	}
	return provider.CodeCheck{}, failure(a, to)
}
