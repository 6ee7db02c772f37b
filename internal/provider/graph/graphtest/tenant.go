package graphtest

import (
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// The states of a Conditional Access policy
// (https://learn.microsoft.com/graph/api/resources/conditionalaccesspolicy).
const (
	CAEnabled    = "enabled"
	CADisabled   = "disabled"
	CAReportOnly = "enabledForReportingButNotEnforced"
)

// CAPolicy is a Conditional Access policy as far as a client reads it: its state and
// grant controls ("mfa", "block", "compliantDevice"…), or an authentication strength.
type CAPolicy struct {
	Name, State string
	Controls    []string
	// AuthenticationStrength names a required authentication strength ("" for none).
	AuthenticationStrength string
}

// caPageSize is how many policies one answer holds; more are behind @odata.nextLink,
// as Graph pages any collection.
const caPageSize = 2

// tenantState is the tenant's own MFA policy and its groups.
type tenantState struct {
	securityDefaults bool
	policies         []CAPolicy
	groups           map[string]*group // by lower-case id
}

type group struct {
	id, name string
	members  []*user
}

// objectID is the form of every Entra ID object id.
var objectID = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
})

// SetSecurityDefaults turns the tenant's security defaults on or off (off at the start).
func (s *Server) SetSecurityDefaults(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tenant.securityDefaults = on
}

// AddConditionalAccessPolicy adds a policy to the tenant.
func (s *Server) AddConditionalAccessPolicy(p CAPolicy) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tenant.policies = append(s.tenant.policies, p)
}

// AddGroup creates a security group with an object id and the given members (UPNs,
// created as users if need be).
func (s *Server) AddGroup(id, name string, members ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tenant.groups == nil {
		s.tenant.groups = map[string]*group{}
	}
	g := &group{id: id, name: name}
	for _, upn := range members {
		u := s.users[strings.ToLower(upn)]
		if u == nil {
			u = s.addUser(upn)
		}
		g.members = append(g.members, u)
	}
	s.tenant.groups[strings.ToLower(id)] = g
}

// Members returns the UPNs of a group's members, oldest first.
func (s *Server) Members(groupID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	if g := s.tenant.groups[strings.ToLower(groupID)]; g != nil {
		for _, u := range g.members {
			out = append(out, u.upn)
		}
	}
	return out
}

// directory serves /v1.0/policies/…, /v1.0/identity/conditionalAccess/… and /v1.0/groups/….
func (s *Server) directory(w http.ResponseWriter, r *http.Request, seg []string, body []byte) {
	path := strings.Join(seg[1:], "/")
	switch {
	case path == "policies/identitySecurityDefaultsEnforcementPolicy":
		s.securityDefaults(w, r)
	case path == "identity/conditionalAccess/policies":
		s.conditionalAccess(w, r)
	case len(seg) == 3 && seg[1] == "groups":
		s.getGroup(w, r, seg[2])
	case len(seg) == 5 && seg[1] == "groups" && seg[3] == "members" && seg[4] == "$ref":
		s.addMember(w, r, seg[2], body)
	default:
		graphError(w, http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+path+"'.")
	}
}

// securityDefaults serves GET /policies/identitySecurityDefaultsEnforcementPolicy, as
// https://learn.microsoft.com/graph/api/identitysecuritydefaultsenforcementpolicy-get
// shows it, under Policy.Read.All.
func (s *Server) securityDefaults(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		graphError(w, http.StatusMethodNotAllowed, "Request_BadRequest", "Method not allowed.")
		return
	}
	if !s.perms[PermPolicyRead] {
		denied(w)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#policies/identitySecurityDefaultsEnforcementPolicy",
		"description":    "Security defaults is a set of basic identity security mechanisms recommended by Microsoft. When enabled, these recommendations will be automatically enforced in your organization. Administrators and users will be better protected from common identity related attacks.",
		"displayName":    "Security Defaults",
		"id":             "00000000-0000-0000-0000-000000000005",
		"isEnabled":      s.tenant.securityDefaults,
	})
}

// conditionalAccess serves GET /identity/conditionalAccess/policies, as
// https://learn.microsoft.com/graph/api/conditionalaccessroot-list-policies shows it,
// under Policy.Read.All, caPageSize at a time.
func (s *Server) conditionalAccess(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		graphError(w, http.StatusMethodNotAllowed, "Request_BadRequest", "Method not allowed.")
		return
	}
	if !s.perms[PermPolicyRead] {
		denied(w)
		return
	}
	from, _ := strconv.Atoi(r.URL.Query().Get("$skiptoken"))
	from = max(0, min(from, len(s.tenant.policies)))
	to := min(from+caPageSize, len(s.tenant.policies))
	value := []map[string]any{}
	for i, p := range s.tenant.policies[from:to] {
		value = append(value, caJSON(from+i, p))
	}
	answer := map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/policies", "value": value}
	if to < len(s.tenant.policies) {
		answer["@odata.nextLink"] = "https://" + r.Host + "/v1.0/identity/conditionalAccess/policies?$skiptoken=" + strconv.Itoa(to)
	}
	writeJSON(w, http.StatusOK, answer)
}

func caJSON(i int, p CAPolicy) map[string]any {
	controls := p.Controls
	if controls == nil {
		controls = []string{}
	}
	var strength any
	if p.AuthenticationStrength != "" {
		strength = map[string]any{"id": "00000000-0000-0000-0000-000000000002", "displayName": p.AuthenticationStrength, "policyType": "builtIn", "requirementsSatisfied": "mfa"}
	}
	return map[string]any{
		"id":               "ad8d2b4a-8d30-413f-88b8-" + strconv.FormatInt(int64(0x144c6c8d98d9+i), 16),
		"displayName":      p.Name,
		"createdDateTime":  "2026-01-12T09:00:00Z",
		"modifiedDateTime": nil,
		"state":            p.State,
		"sessionControls":  nil,
		"conditions": map[string]any{
			"signInRiskLevels": []string{},
			"clientAppTypes":   []string{"all"},
			"platforms":        nil,
			"locations":        nil,
			"applications":     map[string]any{"includeApplications": []string{"All"}, "excludeApplications": []string{}, "includeUserActions": []string{}},
			"users":            map[string]any{"includeUsers": []string{"All"}, "excludeUsers": []string{}, "includeGroups": []string{}, "excludeGroups": []string{}, "includeRoles": []string{}, "excludeRoles": []string{}},
		},
		"grantControls": map[string]any{
			"operator":                    "OR",
			"builtInControls":             controls,
			"customAuthenticationFactors": []string{},
			"termsOfUse":                  []string{},
			"authenticationStrength":      strength,
		},
	}
}

// findGroup answers for a group id that is not an object id or not a group, as Graph
// does, and returns nil then; s.mu is held.
func (s *Server) findGroup(w http.ResponseWriter, id string) *group {
	if !objectID().MatchString(id) {
		graphError(w, http.StatusBadRequest, "Request_BadRequest", "Invalid object identifier '"+id+"'.")
		return nil
	}
	g := s.tenant.groups[strings.ToLower(id)]
	if g == nil {
		graphError(w, http.StatusNotFound, "Request_ResourceNotFound", "Resource '"+id+"' does not exist or one of its queried reference-property objects are not present.")
	}
	return g
}

// getGroup serves GET /groups/{id} (https://learn.microsoft.com/graph/api/group-get),
// which GroupMember.Read.All, and so GroupMember.ReadWrite.All, allows.
func (s *Server) getGroup(w http.ResponseWriter, r *http.Request, id string) {
	if r.Method != http.MethodGet {
		graphError(w, http.StatusMethodNotAllowed, "Request_BadRequest", "Method not allowed.")
		return
	}
	if !s.perms[PermGroupMembers] {
		denied(w)
		return
	}
	if g := s.findGroup(w, id); g != nil {
		writeJSON(w, http.StatusOK, map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#groups(id,displayName)/$entity", "id": g.id, "displayName": g.name})
	}
}

// addMember serves POST /groups/{id}/members/$ref as
// https://learn.microsoft.com/graph/api/group-post-members documents it: 204, 400 when
// the object is a member already (with the message Graph gives then), 404 when the
// object does not exist.
func (s *Server) addMember(w http.ResponseWriter, r *http.Request, id string, body []byte) {
	if r.Method != http.MethodPost {
		graphError(w, http.StatusMethodNotAllowed, "Request_BadRequest", "Method not allowed.")
		return
	}
	if !s.perms[PermGroupMembers] {
		denied(w)
		return
	}
	var in struct {
		Ref *string `json:"@odata.id"`
	}
	if msg := decodeStrict(r, body, &in); msg != "" || in.Ref == nil {
		graphError(w, http.StatusBadRequest, "BadRequest", "The request body must hold the @odata.id of the object to add. "+msg)
		return
	}
	g := s.findGroup(w, id)
	if g == nil {
		return
	}
	// The reference is an absolute URL of a directory object on this Graph.
	ref := *in.Ref
	objID := ""
	for _, prefix := range []string{"https://" + r.Host + "/v1.0/directoryObjects/", "https://graph.microsoft.com/v1.0/directoryObjects/"} {
		if rest, ok := strings.CutPrefix(ref, prefix); ok {
			objID = rest
		}
	}
	if !objectID().MatchString(objID) {
		graphError(w, http.StatusBadRequest, "Request_BadRequest", "Invalid object identifier '"+objID+"'.")
		return
	}
	var u *user
	for _, x := range s.users {
		if strings.EqualFold(x.id, objID) {
			u = x
		}
	}
	if u == nil {
		graphError(w, http.StatusNotFound, "Request_ResourceNotFound", "Resource '"+objID+"' does not exist or one of its queried reference-property objects are not present.")
		return
	}
	if slices.Contains(g.members, u) {
		graphError(w, http.StatusBadRequest, "Request_BadRequest", "One or more added object references already exist for the following modified properties: 'members'.")
		return
	}
	g.members = append(g.members, u)
	w.WriteHeader(http.StatusNoContent)
}
