package twilio

import (
	"context"
	"net/http"
	"net/url"

	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

// verification is the part of Twilio's Verification and VerificationCheck resources
// the client reads.
type verification struct {
	SID    string `json:"sid"`
	Status string `json:"status"`
}

// SendCode starts (or, within Twilio's 10 minutes, repeats) a verification by text
// message. The tool's own cool-down between sends to one number is enforced here,
// because Twilio has none.
func (c *Client) SendCode(ctx context.Context, to string) (provider.CodeSent, error) {
	if err := ctx.Err(); err != nil {
		return provider.CodeSent{}, err
	}
	now := c.cfg.Clock.Now()
	c.mu.Lock()
	if n := c.numbers[to]; n != nil && !n.lastSent.IsZero() {
		if wait := n.lastSent.Add(c.cfg.ResendCoolDown).Sub(now); wait > 0 {
			c.mu.Unlock()
			return provider.CodeSent{}, &provider.CoolDownError{Wait: wait}
		}
	}
	c.mu.Unlock()

	a, err := c.call(ctx, http.MethodPost, c.servicePath()+"/Verifications", url.Values{"To": {to}, "Channel": {"sms"}})
	if err != nil {
		return provider.CodeSent{}, err
	}
	if !a.OK() {
		if a.Status == http.StatusNotFound && apiErrorOf(a).Code == codeNotFound {
			return provider.CodeSent{}, serviceNotFound(a)
		}
		return provider.CodeSent{}, failure(a, to)
	}
	var v verification
	if err := a.Decode(&v); err != nil {
		return provider.CodeSent{}, err
	}

	// Twilio's 10 minutes start when it creates the verification, after any retry.
	now = c.cfg.Clock.Now()
	c.mu.Lock()
	n := c.state(to)
	n.lastSent = now
	if v.SID != n.sid {
		// A new verification has a new code and a fresh set of attempts.
		n.sid, n.wrong = v.SID, 0
	}
	c.mu.Unlock()
	return provider.CodeSent{ExpiresAt: now.Add(c.cfg.CodeValid), ResendAt: now.Add(c.cfg.ResendCoolDown)}, nil
}
