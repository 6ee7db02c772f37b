package twilio

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

// verification is the part of Twilio's Verification and VerificationCheck resources
// the client reads.
type verification struct {
	SID    string `json:"sid"`
	Status string `json:"status"`
	// DateCreated is when the verification, and so its code, was made.
	DateCreated string `json:"date_created"`
	// SendCodeAttempts lists the texts of the verification, one per send.
	SendCodeAttempts []json.RawMessage `json:"send_code_attempts"`
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
	sent := provider.CodeSent{ExpiresAt: now.Add(c.cfg.CodeValid), ResendAt: now.Add(c.cfg.ResendCoolDown)}
	c.mu.Lock()
	defer c.mu.Unlock()
	n := c.state(to)
	n.lastSent = now
	// Within a code's validity Twilio answers with the pending verification and texts
	// the same code again; the validity still runs from when the code was made
	// (https://www.twilio.com/docs/verify/api/rate-limits-and-timeouts). A later run
	// does not know the verification, but its send_code_attempts list the earlier
	// text: a repeat keeps the sid and adds one attempt per text (what
	// github.com/lithictech/suma lib/suma/message/carrier/twilio_verify.rb relies on).
	sent.SameCode = v.SID != "" && v.SID == n.sid || len(v.SendCodeAttempts) > 1
	if !sent.SameCode {
		// A new verification has a new code and a fresh set of attempts.
		n.sid, n.wrong, n.made = v.SID, 0, now
		return sent, nil
	}
	if v.SID != n.sid {
		// Started by an earlier run: its earlier tries are unknown.
		n.sid, n.wrong, n.made = v.SID, 0, time.Time{}
	}
	if n.made.IsZero() {
		n.made = now
		if made, err := time.Parse(time.RFC3339, v.DateCreated); err == nil && made.Before(now) {
			n.made = made
		}
	}
	sent.ExpiresAt = n.made.Add(c.cfg.CodeValid)
	return sent, nil
}
