package graph

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

// The values of graph.enforcement: how Enforce makes MFA required.
const (
	// EnforceAuto decides from what the tenant uses (see Enforce).
	EnforceAuto = "auto"
	// EnforcePerUser sets per-user MFA to enforced, unless security defaults or
	// Conditional Access policies that require MFA are seen.
	EnforcePerUser = "per-user"
	// EnforceGroup adds the user to graph.enforcement_group.
	EnforceGroup = "group"
	// EnforceNone never enforces: the support desk does.
	EnforceNone = "none"
)

// tenantFresh is how long what the tenant does about MFA is taken as read: a batch
// of a thousand people then reads the policies once, not once a person (Graph
// allows Conditional Access one request a second), and a change an administrator
// makes during the batch is seen within minutes.
const tenantFresh = 10 * time.Minute

// maxPolicyPages bounds how many pages of Conditional Access policies are read; a
// tenant has at most a few hundred policies.
const maxPolicyPages = 50

// Enforce makes MFA required for user the way Config.Enforcement says, and never with
// per-user MFA beside the tenant's own means: Microsoft says not to enable or enforce
// per-user MFA where Conditional Access policies are used, nor to change user states
// where security defaults are on
// (https://learn.microsoft.com/entra/identity/authentication/howto-mfa-userstates;
// https://learn.microsoft.com/entra/fundamentals/security-defaults).
//
// auto reads security defaults, then Conditional Access policies: security defaults
// on → nothing to set, they already require every user to register for MFA; an
// enabled policy that requires MFA (report-only ones require nothing) → the user is
// added to graph.enforcement_group, or, with none configured, nothing is set; neither →
// per-user MFA is set to enforced. When the policies cannot be read, auto does not
// guess: the error says which permission to grant.
func (c *Client) Enforce(ctx context.Context, user string) (provider.Enforcement, error) {
	p, err := c.plan(ctx)
	if err != nil {
		return provider.Enforcement{}, err
	}
	switch p.how {
	case provider.EnforcedPerUser:
		if err := c.SetMFAState(ctx, user, MFAEnforced); err != nil {
			return provider.Enforcement{}, err
		}
		return provider.NewEnforcement(p.how, catalog.NewError("graph.enforce.per-user", "Why", p.why)), nil
	case provider.EnforcedGroup:
		already, err := c.joinGroup(ctx, user)
		if err != nil {
			return provider.Enforcement{}, err
		}
		if already {
			return provider.NewEnforcement(p.how, catalog.NewError("graph.enforce.group-already", "Group", c.cfg.EnforcementGroup, "Why", p.why)), nil
		}
		return provider.NewEnforcement(p.how, catalog.NewError("graph.enforce.group-added", "Group", c.cfg.EnforcementGroup, "Why", p.why)), nil
	}
	return provider.NewEnforcement(p.how, p.why), nil
}

// plan is how Enforce goes about it, decided before anything is written.
type plan struct {
	// how is one of provider's Enforced… or LeftTo… values.
	how string
	// why is the reason, one clause.
	why *catalog.Error
}

// plan reads what the tenant uses, as the mode needs, and decides; it changes nothing.
func (c *Client) plan(ctx context.Context) (plan, error) {
	mode, group := c.cfg.Enforcement, c.cfg.EnforcementGroup
	switch mode {
	case EnforceNone:
		return plan{provider.LeftToSupport, catalog.NewError("graph.plan.none")}, nil
	case EnforceGroup:
		return plan{provider.EnforcedGroup, catalog.NewError("graph.plan.group")}, nil
	}
	t, err := c.tenantNow(ctx)
	var ge *Error
	unread := errors.As(err, &ge) && ge.Status == http.StatusForbidden
	switch {
	case unread && mode == EnforcePerUser:
		// Chosen explicitly: the policies would only have been a second look.
		return plan{provider.EnforcedPerUser, catalog.NewError("graph.plan.per-user-unread", "Permission", PermissionReadPolicies)}, nil
	case unread:
		return plan{}, refusal(ge, catalog.NewError("graph.error.policies-unread", "Permission", PermissionReadPolicies))
	case err != nil:
		return plan{}, err
	case t.securityDefaults:
		return plan{provider.EnforcedSecurityDefaults, catalog.NewError("graph.plan.security-defaults")}, nil
	case len(t.policies) > 0:
		why := catalog.NewError("graph.plan.ca-many", "Policies", policyNames(t.policies))
		if len(t.policies) == 1 {
			why = catalog.NewError("graph.plan.ca-one", "Policies", policyNames(t.policies))
		}
		if mode == EnforceAuto && group != "" {
			return plan{provider.EnforcedGroup, why}, nil
		}
		hint := catalog.NewError("graph.plan.hint-group")
		if mode == EnforcePerUser {
			hint = catalog.NewError("graph.plan.hint-auto")
		}
		return plan{provider.LeftToConditionalAccess, catalog.NewError("graph.plan.no-group", "Why", why, "Hint", hint)}, nil
	}
	return plan{provider.EnforcedPerUser, catalog.NewError("graph.plan.neither")}, nil
}

// tenant is what the tenant itself does about MFA.
type tenant struct {
	securityDefaults bool
	// policies names the enabled Conditional Access policies that require MFA.
	policies []string
}

// tenantNow is tenantMFA as read within tenantFresh by any run sharing the client;
// a read that failed is not kept.
func (c *Client) tenantNow(ctx context.Context) (tenant, error) {
	select {
	case c.tenantRead <- struct{}{}:
	case <-ctx.Done():
		return tenant{}, ctx.Err()
	}
	defer func() { <-c.tenantRead }()
	now := c.cfg.Clock.Now()
	if c.known != nil && now.Sub(c.knownAt) < tenantFresh {
		return *c.known, nil
	}
	t, err := c.tenantMFA(ctx)
	if err != nil {
		return tenant{}, err
	}
	c.known, c.knownAt = &t, now
	return t, nil
}

// tenantMFA reads security defaults and, when they are off, the Conditional Access
// policies (the two cannot be on together).
func (c *Client) tenantMFA(ctx context.Context) (tenant, error) {
	on, err := c.securityDefaults(ctx)
	if err != nil || on {
		return tenant{securityDefaults: on}, err
	}
	var t tenant
	path := "/v1.0/identity/conditionalAccess/policies"
	for page := 0; path != ""; page++ {
		if page == maxPolicyPages {
			return tenant{}, catalog.NewError("graph.error.ca-pages", "Pages", maxPolicyPages)
		}
		a, err := c.call(ctx, http.MethodGet, path, nil, op{permission: PermissionReadPolicies})
		if err != nil {
			return tenant{}, err
		}
		var list struct {
			Value []caPolicy `json:"value"`
			Next  string     `json:"@odata.nextLink"`
		}
		if err := a.Decode(&list); err != nil {
			return tenant{}, err
		}
		for _, p := range list.Value {
			if p.requiresMFA() {
				t.policies = append(t.policies, p.DisplayName)
			}
		}
		path = ""
		if list.Next != "" {
			rest, ok := strings.CutPrefix(list.Next, c.base)
			if !ok {
				return tenant{}, catalog.NewError("graph.error.ca-next-elsewhere")
			}
			path = rest
		}
	}
	return t, nil
}

// securityDefaults reads whether the tenant's security defaults are on
// (https://learn.microsoft.com/graph/api/identitysecuritydefaultsenforcementpolicy-get).
func (c *Client) securityDefaults(ctx context.Context) (bool, error) {
	a, err := c.call(ctx, http.MethodGet, securityDefaultsPath, nil, op{permission: PermissionReadPolicies})
	if err != nil {
		return false, err
	}
	var p struct {
		IsEnabled bool `json:"isEnabled"`
	}
	if err := a.Decode(&p); err != nil {
		return false, err
	}
	return p.IsEnabled, nil
}

const securityDefaultsPath = "/v1.0/policies/identitySecurityDefaultsEnforcementPolicy"

// caPolicy is the part of a conditionalAccessPolicy that says whether it requires MFA
// (https://learn.microsoft.com/graph/api/resources/conditionalaccesspolicy,
// https://learn.microsoft.com/graph/api/resources/conditionalaccessgrantcontrols).
type caPolicy struct {
	DisplayName   string `json:"displayName"`
	State         string `json:"state"`
	GrantControls *struct {
		BuiltInControls        []string        `json:"builtInControls"`
		AuthenticationStrength json.RawMessage `json:"authenticationStrength"`
	} `json:"grantControls"`
}

// requiresMFA is true for an enabled policy that grants access with MFA or an
// authentication strength; a report-only policy ("enabledForReportingButNotEnforced")
// requires nothing of anyone.
func (p caPolicy) requiresMFA() bool {
	if p.State != "enabled" || p.GrantControls == nil {
		return false
	}
	strength := strings.TrimSpace(string(p.GrantControls.AuthenticationStrength))
	for _, ctl := range p.GrantControls.BuiltInControls {
		if strings.EqualFold(ctl, "mfa") {
			return true
		}
	}
	return strength != "" && strength != "null"
}

// policyNames names the policies, for a reason: at most three by name.
func policyNames(names []string) andList {
	var quoted andList
	for i, n := range names {
		if i == 3 {
			quoted = append(quoted, catalog.NewError("graph.plan.more", "N", len(names)-3))
			break
		}
		if n = sanitize.Inline(n); n == "" {
			quoted = append(quoted, catalog.NewError("graph.plan.unnamed"))
			continue
		}
		quoted = append(quoted, catalog.NewError("graph.plan.policy", "Name", n))
	}
	return quoted
}

// joinGroup adds the user to graph.enforcement_group; already is true when the user
// was a member, which Graph answers with a 400 of its own
// (https://learn.microsoft.com/graph/api/group-post-members).
func (c *Client) joinGroup(ctx context.Context, user string) (already bool, err error) {
	id, err := c.userID(ctx, user)
	if err != nil {
		return false, err
	}
	group := c.cfg.EnforcementGroup
	// The member is a reference to the directory object on this same Graph.
	ref := struct {
		ID string `json:"@odata.id"`
	}{c.base + "/v1.0/directoryObjects/" + url.PathEscape(id)}
	_, err = c.call(ctx, http.MethodPost, "/v1.0/groups/"+url.PathEscape(group)+"/members/$ref", ref, op{permission: PermissionGroupMembers})
	var ge *Error
	switch {
	case err == nil:
		return false, nil
	case !errors.As(err, &ge):
		return false, err
	// untranslated: the words Graph answers with, matched as they are.
	case ge.Status == http.StatusBadRequest && strings.Contains(strings.ToLower(ge.Message), "added object references already exist"):
		// "One or more added object references already exist for the following
		// modified properties: 'members'." — the message Graph gives, as other Graph
		// clients match it too (n8n-io/n8n, nodes/Microsoft/Entra/GenericFunctions.ts).
		return true, nil
	// untranslated: the words Graph answers with, matched as they are.
	case ge.Status == http.StatusNotFound || ge.Status == http.StatusBadRequest && strings.Contains(ge.Message, "Invalid object identifier"):
		return false, refusal(ge, catalog.NewError("graph.error.not-a-group", "Group", sanitize.Inline(group)))
	}
	return false, err
}

// userID finds the user's object id, which a member reference takes.
func (c *Client) userID(ctx context.Context, user string) (string, error) {
	a, err := c.call(ctx, http.MethodGet, userPath("v1.0", user)+"?$select=id", nil, op{permission: PermissionReadUsers, user: user})
	if err != nil {
		return "", err
	}
	var u struct {
		ID string `json:"id"`
	}
	if err := a.Decode(&u); err != nil {
		return "", err
	}
	if u.ID == "" {
		return "", catalog.NewError("graph.error.no-object-id", "User", sanitize.Line(user))
	}
	return u.ID, nil
}
