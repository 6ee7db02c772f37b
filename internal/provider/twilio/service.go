package twilio

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

// maxSkew is how far this computer's clock may be from Twilio's before the check
// warns: code expiry shown to the person is reckoned on this computer.
const maxSkew = 2 * time.Minute

// Check fetches the Verify service, which proves the credentials and the service SID
// and sends nothing, then compares clocks with Twilio's Date header.
func (c *Client) Check(ctx context.Context) []provider.Check {
	const name = "twilio verify"
	a, err := c.call(ctx, http.MethodGet, c.servicePath(), nil)
	if err != nil {
		return []provider.Check{{Name: name, Detail: err.Error()}}
	}
	if !a.OK() {
		var e *Error
		if a.Status == http.StatusNotFound {
			e = serviceNotFound(a)
		} else {
			e = failure(a, "")
		}
		return []provider.Check{{Name: name, Detail: e.Error()}}
	}
	var svc struct {
		FriendlyName string `json:"friendly_name"`
	}
	if err := a.Decode(&svc); err != nil {
		return []provider.Check{{Name: name, Detail: err.Error()}}
	}
	out := []provider.Check{{Name: name, OK: true, Detail: fmt.Sprintf("service %s reachable", sanitize.Line(svc.FriendlyName))}}
	if skew, ok := clockSkew(a.Header, c.cfg.Clock.Now()); ok {
		out = append(out, skew)
	}
	return out
}

// clockSkew compares now with the service's Date header, when it sent one.
func clockSkew(h http.Header, now time.Time) (provider.Check, bool) {
	t, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		return provider.Check{}, false
	}
	d := now.Sub(t)
	c := provider.Check{Name: "twilio clock", OK: d.Abs() <= maxSkew}
	if c.OK {
		c.Detail = "this computer's clock agrees with Twilio's"
	} else {
		c.Detail = fmt.Sprintf("this computer's clock is %s off Twilio's; set it right (automatic time) so code expiry times are true", d.Abs().Round(time.Second))
	}
	return c, true
}
