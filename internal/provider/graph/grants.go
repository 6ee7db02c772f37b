package graph

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

// grantedRoles reads a token's "roles" claim, where Entra ID lists the application
// permissions granted with admin consent
// (https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference).
// ok is false for a token that is not a readable JWT: Microsoft does not promise that
// Graph tokens stay readable, so callers then check by use instead.
func grantedRoles(token string) (roles []string, ok bool) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	var claims struct {
		Roles []string `json:"roles"`
	}
	if err != nil || json.Unmarshal(raw, &claims) != nil {
		return nil, false
	}
	return claims.Roles, true
}

// grantCheck gets a token and says whether it holds permission, needed for purpose.
func (c *Client) grantCheck(ctx context.Context, name, permission, purpose string) provider.Check {
	check := provider.Check{Name: name}
	tok, err := c.cfg.Credential.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{c.scope}})
	if err != nil {
		check.Detail = tokenError(ctx, err).Error()
		return check
	}
	roles, ok := grantedRoles(tok.Token)
	switch {
	case !ok:
		check.OK, check.Detail = true, "the app gets a token; the token does not list its permissions, so "+permission+" is checked when used"
	case !slices.Contains(roles, permission):
		check.Detail = "the app registration lacks the Graph application permission " + permission + " (" + purpose + "): add it and grant admin consent"
	default:
		check.OK, check.Detail = true, permission+" is granted ("+purpose+"); nothing was sent"
	}
	return check
}
