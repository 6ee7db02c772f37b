package graph

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
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
func (c *Client) grantCheck(ctx context.Context, name, permission string, purpose catalog.Localized) provider.Check {
	tok, err := c.cfg.Credential.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{c.scope}})
	if err != nil {
		return provider.NewCheck(name, false, tokenError(ctx, err))
	}
	roles, ok := grantedRoles(tok.Token)
	switch {
	case !ok:
		return provider.NewCheck(name, true, catalog.NewError("graph.grant.unlisted", "Permission", permission))
	case !slices.Contains(roles, permission):
		return provider.NewCheck(name, false, catalog.NewError("graph.grant.lacks", "Permission", permission, "Purpose", purpose))
	}
	return provider.NewCheck(name, true, catalog.NewError("graph.grant.granted", "Permission", permission, "Purpose", purpose))
}
