package duo

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

// maxSkew is how far this computer's clock may be from Duo's before the clock check
// fails; Duo itself refuses requests dated further off.
const maxSkew = 60 * time.Second

// Check proves both key pairs and this computer's clock with harmless calls.
func (c *Client) Check(ctx context.Context) []provider.Check {
	return []provider.Check{c.checkAuth(ctx), c.checkAdmin(ctx), c.checkClock(ctx)}
}

func (c *Client) checkAuth(ctx context.Context) provider.Check {
	ck := provider.Check{Name: "duo auth api"}
	if err := c.call(ctx, AuthAPI, http.MethodGet, "/auth/v2/check", nil, nil); err != nil {
		ck.Detail = err.Error()
		return ck
	}
	ck.OK, ck.Detail = true, "the Auth API keys work"
	return ck
}

func (c *Client) checkAdmin(ctx context.Context) provider.Check {
	ck := provider.Check{Name: "duo admin api"}
	var summary struct {
		UserCount int `json:"user_count"`
	}
	if err := c.call(ctx, AdminAPI, http.MethodGet, "/admin/v1/info/summary", nil, &summary); err != nil {
		ck.Detail = err.Error()
		return ck
	}
	ck.OK, ck.Detail = true, fmt.Sprintf("the Admin API keys work (%d users in Duo)", summary.UserCount)
	return ck
}

func (c *Client) checkClock(ctx context.Context) provider.Check {
	ck := provider.Check{Name: "duo clock"}
	var ping struct {
		Time int64 `json:"time"`
	}
	if err := c.ping(ctx, &ping); err != nil {
		ck.Detail = err.Error()
		return ck
	}
	if ping.Time == 0 {
		ck.Detail = "Duo's ping gave no time: check duo.api_host points at Duo"
		return ck
	}
	skew := c.cfg.Clock.Now().Sub(time.Unix(ping.Time, 0))
	secs := int64(math.Round(math.Abs(skew.Seconds())))
	if time.Duration(secs)*time.Second > maxSkew {
		ck.Detail = fmt.Sprintf("this computer's clock is %d s off Duo's: fix the clock (Duo refuses requests from a wrong clock)", secs)
		return ck
	}
	ck.OK, ck.Detail = true, fmt.Sprintf("this computer's clock agrees with Duo's (%d s apart)", secs)
	return ck
}
