package graph

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

// maxSkew is how far this computer's clock may be from Graph's before the check
// warns: tokens carry validity times.
const maxSkew = 5 * time.Minute

// Check gets a token, then reads one user id, which changes nothing and proves
// User.Read.All, then compares clocks with Graph's Date header.
func (c *Client) Check(ctx context.Context) []provider.Check {
	tok, err := c.cfg.Credential.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{c.scope}})
	if err != nil {
		return []provider.Check{{Name: "graph token", Detail: tokenError(ctx, err).Error()}}
	}
	out := []provider.Check{{Name: "graph token", OK: true, Detail: fmt.Sprintf("tenant %s app %s", sanitize.Line(c.cfg.TenantID), sanitize.Line(c.cfg.ClientID))}}
	out = append(out, permissionsCheck(tok.Token))
	a, err := c.call(ctx, http.MethodGet, "/v1.0/users?$top=1&$select=id", nil, op{permission: "User.Read.All"})
	if err != nil {
		return append(out, provider.Check{Name: "graph users", Detail: err.Error()})
	}
	out = append(out, provider.Check{Name: "graph users", OK: true, Detail: "reading users works (User.Read.All)"})
	if t, err := http.ParseTime(a.Header.Get("Date")); err == nil {
		d := c.cfg.Clock.Now().Sub(t).Abs()
		skew := provider.Check{Name: "graph clock", OK: d <= maxSkew, Detail: "this computer's clock agrees with Microsoft's"}
		if !skew.OK {
			skew.Detail = fmt.Sprintf("this computer's clock is %s off Microsoft's; set it right (automatic time), or tokens may be refused", d.Round(time.Second))
		}
		out = append(out, skew)
	}
	return out
}

// required lists the application permissions the procedure uses, and what for.
func required() []struct{ name, purpose string } {
	return []struct{ name, purpose string }{
		{"UserAuthenticationMethod.ReadWrite.All", "to register the verified mobile number"},
		{"Policy.ReadWrite.AuthenticationMethod", "to require MFA (per-user MFA state)"},
	}
}

// permissionsCheck reads the token's "roles" claim, where Entra ID lists the granted
// application permissions, so a missing one is named before a step needs it.
func permissionsCheck(token string) provider.Check {
	c := provider.Check{Name: "graph permissions"}
	parts := strings.Split(token, ".")
	var claims struct {
		Roles []string `json:"roles"`
	}
	if len(parts) != 3 {
		c.OK, c.Detail = true, "the token does not list its permissions; they are checked when used"
		return c
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil || json.Unmarshal(raw, &claims) != nil {
		c.OK, c.Detail = true, "the token does not list its permissions; they are checked when used"
		return c
	}
	var missing []string
	for _, r := range required() {
		if !slices.Contains(claims.Roles, r.name) {
			missing = append(missing, r.name+" ("+r.purpose+")")
		}
	}
	if len(missing) > 0 {
		c.Detail = "the app registration lacks the Graph application permission " + strings.Join(missing, " and ") + ": add it and grant admin consent"
		return c
	}
	c.OK, c.Detail = true, "UserAuthenticationMethod.ReadWrite.All and Policy.ReadWrite.AuthenticationMethod are granted"
	return c
}
