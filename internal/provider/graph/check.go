package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
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

// Check gets a token and compares the permissions it lists with Config.Needs, then
// makes the reads enforcing would make, and compares clocks with Graph's Date header.
// It changes nothing.
//
// Permissions are proved by the token's roles claim rather than by one call per
// permission: most of the needed ones (phone methods, per-user MFA state, Mail.Send)
// have no call that is harmless without a real user or a write, and a check must
// neither write nor guess a user. What can be read harmlessly is read: the tenant's
// security defaults and Conditional Access policies (the decision Enforce would take,
// told as it stands) and the enforcement group (that the id names a group). The clock
// is Graph's Date on the read of security defaults, made in any case: it is the
// smallest read there is, and a refusal, where Policy.Read.All is not needed, carries
// the Date just the same.
func (c *Client) Check(ctx context.Context) []provider.Check {
	tok, err := c.cfg.Credential.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{c.scope}})
	if err != nil {
		return []provider.Check{{Name: "graph token", Detail: tokenError(ctx, err).Error()}}
	}
	out := []provider.Check{{Name: "graph token", OK: true, Detail: fmt.Sprintf("tenant %s app %s", sanitize.Line(c.cfg.TenantID), sanitize.Line(c.cfg.ClientID))}}
	out = append(out, permissionsCheck(tok.Token, c.cfg.Needs))
	a, err := c.call(ctx, http.MethodGet, securityDefaultsPath, nil, op{permission: PermissionReadPolicies})
	if a.Status == 0 {
		// Nothing came back from Graph: the network, a proxy or the base URL.
		return append(out, provider.Check{Name: "graph reach", Detail: err.Error()})
	}
	if e, ok := c.enforcementCheck(ctx); ok {
		out = append(out, e)
	}
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

// enforcementCheck tells how MFA would be made required, from the same reads Enforce
// makes, and that the enforcement group exists; ok is false when nothing is enforced.
func (c *Client) enforcementCheck(ctx context.Context) (check provider.Check, ok bool) {
	check.Name = "graph enforcement"
	p, err := c.plan(ctx)
	if err != nil {
		check.Detail = err.Error()
		return check, true
	}
	switch p.how {
	case provider.LeftToSupport:
		return check, false
	case provider.EnforcedPerUser:
		check.OK, check.Detail = true, "per-user MFA will be set to enforced: "+p.why
	case provider.EnforcedGroup:
		name, err := c.groupName(ctx)
		if err != nil {
			check.Detail = err.Error()
			return check, true
		}
		check.OK, check.Detail = true, "users will be added to graph.enforcement_group “"+name+"”: "+p.why
	default:
		check.OK, check.Detail = true, "nothing will be set: "+p.why
	}
	return check, true
}

// groupName reads graph.enforcement_group's display name, which proves it is a group
// (https://learn.microsoft.com/graph/api/group-get).
func (c *Client) groupName(ctx context.Context) (string, error) {
	group := c.cfg.EnforcementGroup
	a, err := c.call(ctx, http.MethodGet, "/v1.0/groups/"+url.PathEscape(group)+"?$select=id,displayName", nil, op{permission: PermissionGroupMembers})
	var ge *Error
	if errors.As(err, &ge) && (ge.Status == http.StatusNotFound || ge.Status == http.StatusBadRequest) {
		return "", &Error{Status: ge.Status, Code: ge.Code, Message: ge.Message,
			sentence: "graph.enforcement_group " + sanitize.Inline(group) + " is not a group in this tenant: copy the group's Object ID from Entra ID → Groups into the config"}
	}
	if err != nil {
		return "", err
	}
	var g struct {
		DisplayName string `json:"displayName"`
	}
	if err := a.Decode(&g); err != nil {
		return "", err
	}
	return sanitize.Inline(g.DisplayName), nil
}

// permissionsCheck compares the token's roles claim, where Entra ID lists the granted
// application permissions, with what the configured roles need, so each missing one
// is named before a step needs it.
func permissionsCheck(token string, needs []Need) provider.Check {
	c := provider.Check{Name: "graph permissions"}
	roles, ok := grantedRoles(token)
	if !ok {
		c.OK, c.Detail = true, "the token does not list its permissions; they are checked when used"
		return c
	}
	var granted, missing []string
	seen := map[string]bool{}
	for _, n := range needs {
		if seen[n.Permission] {
			continue
		}
		seen[n.Permission] = true
		if slices.Contains(roles, n.Permission) || slices.ContainsFunc(n.Also, func(p string) bool { return slices.Contains(roles, p) }) {
			granted = append(granted, n.Permission)
			continue
		}
		missing = append(missing, n.Permission+" ("+n.Purpose+")")
	}
	switch {
	case len(missing) == 1:
		c.Detail = "the app registration lacks the Graph application permission " + missing[0] + ": add it and grant admin consent"
	case len(missing) > 1:
		c.Detail = "the app registration lacks the Graph application permissions " + and(missing) + ": add them and grant admin consent"
	case len(granted) == 0:
		c.OK, c.Detail = true, "the configured roles use no Graph application permission"
	case len(granted) == 1:
		c.OK, c.Detail = true, granted[0]+" is granted"
	default:
		c.OK, c.Detail = true, and(granted)+" are granted"
	}
	return c
}

// and joins a list as a sentence does.
func and(list []string) string {
	if len(list) < 2 {
		return strings.Join(list, "")
	}
	return strings.Join(list[:len(list)-1], ", ") + " and " + list[len(list)-1]
}
