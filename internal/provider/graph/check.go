package graph

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

// maxSkew is how far this computer's clock may be from Graph's before the check
// warns: tokens carry validity times.
const maxSkew = 5 * time.Minute

// Check gets a token, then reads one user id, which changes nothing and proves
// User.Read.All, then compares clocks with Graph's Date header.
func (c *Client) Check(ctx context.Context) []provider.Check {
	if _, err := c.cfg.Credential.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{c.scope}}); err != nil {
		return []provider.Check{{Name: "graph token", Detail: tokenError(ctx, err).Error()}}
	}
	out := []provider.Check{{Name: "graph token", OK: true, Detail: fmt.Sprintf("tenant %s app %s", clean(c.cfg.TenantID), clean(c.cfg.ClientID))}}
	a, err := c.call(ctx, http.MethodGet, "/v1.0/users?$top=1&$select=id", nil, op{permission: "User.Read.All"})
	if err != nil {
		return append(out, provider.Check{Name: "graph users", Detail: err.Error()})
	}
	out = append(out, provider.Check{Name: "graph users", OK: true, Detail: "reading users works (User.Read.All)"})
	if t, err := http.ParseTime(a.header.Get("Date")); err == nil {
		d := c.cfg.Clock.Now().Sub(t).Abs()
		skew := provider.Check{Name: "graph clock", OK: d <= maxSkew, Detail: "this computer's clock agrees with Microsoft's"}
		if !skew.OK {
			skew.Detail = fmt.Sprintf("this computer's clock is %s off Microsoft's; set it right (automatic time), or tokens may be refused", d.Round(time.Second))
		}
		out = append(out, skew)
	}
	return out
}
