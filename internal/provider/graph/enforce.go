package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

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
		return provider.Enforcement{How: p.how, Reason: "per-user MFA is set to enforced: " + p.why}, nil
	case provider.EnforcedGroup:
		already, err := c.joinGroup(ctx, user)
		if err != nil {
			return provider.Enforcement{}, err
		}
		done := "added to"
		if already {
			done = "already in"
		}
		return provider.Enforcement{How: p.how, Reason: done + " graph.enforcement_group " + c.cfg.EnforcementGroup + ": " + p.why}, nil
	}
	return provider.Enforcement{How: p.how, Reason: p.why}, nil
}

// plan is how Enforce goes about it, decided before anything is written.
type plan struct {
	// how is one of provider's Enforced… or LeftTo… values.
	how string
	// why is the reason, one clause.
	why string
}

// plan reads what the tenant uses, as the mode needs, and decides; it changes nothing.
func (c *Client) plan(ctx context.Context) (plan, error) {
	mode, group := c.cfg.Enforcement, c.cfg.EnforcementGroup
	switch mode {
	case EnforceNone:
		return plan{provider.LeftToSupport, "graph.enforcement is none, so the support desk makes MFA required"}, nil
	case EnforceGroup:
		return plan{provider.EnforcedGroup, "graph.enforcement is group"}, nil
	}
	t, err := c.tenantNow(ctx)
	var ge *Error
	unread := errors.As(err, &ge) && ge.Status == http.StatusForbidden
	switch {
	case unread && mode == EnforcePerUser:
		// Chosen explicitly: the policies would only have been a second look.
		return plan{provider.EnforcedPerUser, "graph.enforcement is per-user (whether the tenant uses security defaults or Conditional Access could not be read without " + PermissionReadPolicies + ")"}, nil
	case unread:
		return plan{}, &Error{Status: ge.Status, Code: ge.Code, Message: ge.Message,
			sentence: "could not read the tenant's security defaults and Conditional Access policies, so per-user MFA is not set (Microsoft says not to use it beside either): grant the app registration the Graph application permission " +
				PermissionReadPolicies + " with admin consent, or set graph.enforcement to per-user, group or none"}
	case err != nil:
		return plan{}, err
	case t.securityDefaults:
		return plan{provider.EnforcedSecurityDefaults, "security defaults are on in this tenant and already require every user to register for MFA, so per-user MFA is not set beside them"}, nil
	case len(t.policies) > 0:
		why := conditionalAccess(t.policies) + " in this tenant, so per-user MFA is not set beside "
		if len(t.policies) == 1 {
			why += "it"
		} else {
			why += "them"
		}
		if mode == EnforceAuto && group != "" {
			return plan{provider.EnforcedGroup, why}, nil
		}
		hint := "set graph.enforcement_group to the group those policies apply to, or add the user to that group"
		if mode == EnforcePerUser {
			hint = "set graph.enforcement to auto with graph.enforcement_group, the group those policies apply to, or add the user to that group"
		}
		return plan{provider.LeftToConditionalAccess, why + ", and no group to add the user to is configured: " + hint}, nil
	}
	return plan{provider.EnforcedPerUser, "the tenant uses neither security defaults nor a Conditional Access policy that requires MFA"}, nil
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
			//lint:ignore ST1005 the sentence is the person's, and starts with the vendor's name
			return tenant{}, fmt.Errorf("Microsoft Graph gave more than %d pages of Conditional Access policies; set graph.enforcement to per-user, group or none", maxPolicyPages)
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
				//lint:ignore ST1005 the sentence is the person's, and starts with the vendor's name
				return tenant{}, errors.New("Microsoft Graph gave the next page of Conditional Access policies at another address; set graph.enforcement to per-user, group or none, and report this to the mfa-onboard maintainers")
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

// conditionalAccess names the policies, for a reason: at most three by name.
func conditionalAccess(names []string) string {
	var quoted []string
	for i, n := range names {
		if i == 3 {
			quoted = append(quoted, fmt.Sprintf("%d more", len(names)-3))
			break
		}
		if n = sanitize.Inline(n); n == "" {
			n = "(no name)"
		}
		quoted = append(quoted, "“"+n+"”")
	}
	list := and(quoted)
	if len(names) == 1 {
		return "the Conditional Access policy " + list + " requires MFA"
	}
	return "the Conditional Access policies " + list + " require MFA"
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
	case ge.Status == http.StatusBadRequest && strings.Contains(strings.ToLower(ge.Message), "added object references already exist"):
		// "One or more added object references already exist for the following
		// modified properties: 'members'." — the message Graph gives, as other Graph
		// clients match it too (n8n-io/n8n, nodes/Microsoft/Entra/GenericFunctions.ts).
		return true, nil
	case ge.Status == http.StatusNotFound || ge.Status == http.StatusBadRequest && strings.Contains(ge.Message, "Invalid object identifier"):
		return false, &Error{Status: ge.Status, Code: ge.Code, Message: ge.Message,
			sentence: "graph.enforcement_group " + sanitize.Inline(group) + " is not a group in this tenant: copy the group's Object ID from Entra ID → Groups into the config"}
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
		return "", errors.New("Microsoft Graph gave no object id for " + sanitize.Line(user) + "; try again, and report it to the mfa-onboard maintainers if it keeps happening")
	}
	return u.ID, nil
}
