package duo

import (
	"context"
	"math"
	"net/http"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

// maxSkew is how far this computer's clock may be from Duo's before the clock check
// fails; Duo itself refuses requests dated further off.
const maxSkew = 60 * time.Second

// Check proves both key pairs and this computer's clock with harmless calls.
func (c *Client) Check(ctx context.Context) []provider.Check {
	return []provider.Check{c.checkAuth(ctx), c.checkAdmin(ctx), c.checkClock(ctx)}
}

// The checks' names are the labels of "providers check", the same in every language.
const (
	checkAuthName  = "duo auth api"  // untranslated: a check's label
	checkAdminName = "duo admin api" // untranslated: a check's label
	checkClockName = "duo clock"     // untranslated: a check's label
)

func (c *Client) checkAuth(ctx context.Context) provider.Check {
	if err := c.call(ctx, AuthAPI, http.MethodGet, "/auth/v2/check", nil, nil); err != nil {
		return provider.NewCheck(checkAuthName, false, err)
	}
	return provider.NewCheck(checkAuthName, true, catalog.NewError("duo.check.auth-ok"))
}

func (c *Client) checkAdmin(ctx context.Context) provider.Check {
	var summary struct {
		UserCount int `json:"user_count"`
	}
	if err := c.call(ctx, AdminAPI, http.MethodGet, "/admin/v1/info/summary", nil, &summary); err != nil {
		return provider.NewCheck(checkAdminName, false, err)
	}
	return provider.NewCheck(checkAdminName, true, catalog.NewError("duo.check.admin-ok", "Count", summary.UserCount))
}

func (c *Client) checkClock(ctx context.Context) provider.Check {
	var ping struct {
		Time int64 `json:"time"`
	}
	if err := c.ping(ctx, &ping); err != nil {
		return provider.NewCheck(checkClockName, false, err)
	}
	if ping.Time == 0 {
		return provider.NewCheck(checkClockName, false, catalog.NewError("duo.check.no-ping-time"))
	}
	skew := c.cfg.Clock.Now().Sub(time.Unix(ping.Time, 0))
	secs := int64(math.Round(math.Abs(skew.Seconds())))
	if time.Duration(secs)*time.Second > maxSkew {
		return provider.NewCheck(checkClockName, false, catalog.NewError("duo.check.clock-off", "Seconds", secs))
	}
	return provider.NewCheck(checkClockName, true, catalog.NewError("duo.check.clock-ok", "Seconds", secs))
}
