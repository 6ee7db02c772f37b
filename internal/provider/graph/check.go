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

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

// maxSkew is how far this computer's clock may be from Graph's before the check
// warns: tokens carry validity times.
const maxSkew = 5 * time.Minute

// The checks' names are the labels of "providers check", the same in every language.
const (
	checkToken       = "graph token"       // untranslated: a check's label
	checkReach       = "graph reach"       // untranslated: a check's label
	checkClock       = "graph clock"       // untranslated: a check's label
	checkEnforcement = "graph enforcement" // untranslated: a check's label
	checkPermissions = "graph permissions" // untranslated: a check's label
)

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
		return []provider.Check{provider.NewCheck(checkToken, false, tokenError(ctx, err))}
	}
	out := []provider.Check{provider.NewCheck(checkToken, true,
		catalog.NewError("graph.check.token-ok", "Tenant", sanitize.Line(c.cfg.TenantID), "App", sanitize.Line(c.cfg.ClientID)))}
	out = append(out, permissionsCheck(tok.Token, c.cfg.Needs))
	a, err := c.call(ctx, http.MethodGet, securityDefaultsPath, nil, op{permission: PermissionReadPolicies})
	if a.Status == 0 {
		// Nothing came back from Graph: the network, a proxy or the base URL.
		return append(out, provider.NewCheck(checkReach, false, err))
	}
	if e, ok := c.enforcementCheck(ctx); ok {
		out = append(out, e)
	}
	if t, err := http.ParseTime(a.Header.Get("Date")); err == nil {
		d := c.cfg.Clock.Now().Sub(t).Abs()
		skew := provider.NewCheck(checkClock, true, catalog.NewError("graph.check.clock-ok"))
		if d > maxSkew {
			skew = provider.NewCheck(checkClock, false, catalog.NewError("graph.check.clock-off", "Skew", d.Round(time.Second)))
		}
		out = append(out, skew)
	}
	return out
}

// enforcementCheck tells how MFA would be made required, from the same reads Enforce
// makes, and that the enforcement group exists; ok is false when nothing is enforced.
func (c *Client) enforcementCheck(ctx context.Context) (check provider.Check, ok bool) {
	p, err := c.plan(ctx)
	if err != nil {
		return provider.NewCheck(checkEnforcement, false, err), true
	}
	switch p.how {
	case provider.LeftToSupport:
		return provider.Check{Name: checkEnforcement}, false
	case provider.EnforcedPerUser:
		return provider.NewCheck(checkEnforcement, true, catalog.NewError("graph.check.enforce-per-user", "Why", p.why)), true
	case provider.EnforcedGroup:
		name, err := c.groupName(ctx)
		if err != nil {
			return provider.NewCheck(checkEnforcement, false, err), true
		}
		return provider.NewCheck(checkEnforcement, true, catalog.NewError("graph.check.enforce-group", "Group", name, "Why", p.why)), true
	}
	return provider.NewCheck(checkEnforcement, true, catalog.NewError("graph.check.enforce-nothing", "Why", p.why)), true
}

// groupName reads graph.enforcement_group's display name, which proves it is a group
// (https://learn.microsoft.com/graph/api/group-get).
func (c *Client) groupName(ctx context.Context) (string, error) {
	group := c.cfg.EnforcementGroup
	a, err := c.call(ctx, http.MethodGet, "/v1.0/groups/"+url.PathEscape(group)+"?$select=id,displayName", nil, op{permission: PermissionGroupMembers})
	var ge *Error
	if errors.As(err, &ge) && (ge.Status == http.StatusNotFound || ge.Status == http.StatusBadRequest) {
		return "", refusal(ge, catalog.NewError("graph.error.not-a-group", "Group", sanitize.Inline(group)))
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
	roles, ok := grantedRoles(token)
	if !ok {
		return provider.NewCheck(checkPermissions, true, catalog.NewError("graph.check.roles-unlisted"))
	}
	var granted, missing andList
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
		missing = append(missing, catalog.NewError("graph.check.permission-for", "Permission", n.Permission, "Purpose", n.Purpose))
	}
	switch {
	case len(missing) == 1:
		return provider.NewCheck(checkPermissions, false, catalog.NewError("graph.check.lacks-one", "Permission", missing))
	case len(missing) > 1:
		return provider.NewCheck(checkPermissions, false, catalog.NewError("graph.check.lacks-many", "Permissions", missing))
	case len(granted) == 0:
		return provider.NewCheck(checkPermissions, true, catalog.NewError("graph.check.none-used"))
	case len(granted) == 1:
		return provider.NewCheck(checkPermissions, true, catalog.NewError("graph.check.granted-one", "Permission", granted))
	}
	return provider.NewCheck(checkPermissions, true, catalog.NewError("graph.check.granted-many", "Permissions", granted))
}

// andList is a list said as a sentence says it ("A, B and C") in a Printer's
// language; its items are words of Graph's (strings) or catalogue messages. It is an
// error only so that a Printer says it in its language where it is a message's value.
type andList []any

func (l andList) Error() string { return l.Localize(catalog.English()) }

// Localize joins the items said in p's language.
func (l andList) Localize(p *catalog.Printer) string {
	said := make([]string, len(l))
	for i, v := range l {
		if m, ok := v.(catalog.Localized); ok {
			said[i] = m.Localize(p)
		} else {
			said[i] = fmt.Sprint(v)
		}
	}
	if len(said) < 2 {
		return strings.Join(said, "")
	}
	return p.T("graph.list.and", "List", strings.Join(said[:len(said)-1], ", "), "Last", said[len(said)-1])
}
