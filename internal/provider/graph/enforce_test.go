package graph_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph/graphtest"
)

// mfaGroup is the group the tenant's Conditional Access policies require MFA of.
const mfaGroup = "5a1f0c3e-8f3b-4d2a-9c71-0b6e2f4d8a10"

var (
	requireMFA  = graphtest.CAPolicy{Name: "Require MFA for all users", State: graphtest.CAEnabled, Controls: []string{"mfa"}}
	reportOnly  = graphtest.CAPolicy{Name: "Require MFA (trial)", State: graphtest.CAReportOnly, Controls: []string{"mfa"}}
	switchedOff = graphtest.CAPolicy{Name: "Old MFA policy", State: graphtest.CADisabled, Controls: []string{"mfa"}}
	blockLegacy = graphtest.CAPolicy{Name: "Block legacy authentication", State: graphtest.CAEnabled, Controls: []string{"block"}}
	strength    = graphtest.CAPolicy{Name: "Phishing-resistant MFA for admins", State: graphtest.CAEnabled, AuthenticationStrength: "Phishing-resistant MFA"}
)

func TestEnforce(t *testing.T) {
	tests := []struct {
		name  string
		mode  string
		group string
		// tenant sets the tenant up before Enforce runs.
		tenant func(*graphtest.Server)
		// wantHow is the outcome; "" means an error holding every part of wantReason.
		wantHow    string
		wantReason []string
		// wantState is alice's per-user MFA state afterwards.
		wantState string
		// wantMember says alice is in mfaGroup afterwards.
		wantMember bool
	}{
		{name: "auto, a tenant with neither: per-user MFA", mode: graph.EnforceAuto,
			wantHow: provider.EnforcedPerUser, wantReason: []string{"per-user MFA is set to enforced", "neither security defaults nor a Conditional Access policy"}, wantState: graph.MFAEnforced},
		{name: "auto, security defaults on: nothing to set", mode: graph.EnforceAuto,
			tenant:  func(s *graphtest.Server) { s.SetSecurityDefaults(true) },
			wantHow: provider.EnforcedSecurityDefaults, wantReason: []string{"security defaults are on", "already require every user to register for MFA"}, wantState: graph.MFADisabled},
		{name: "auto, a policy requiring MFA and no group: nothing to set, and says why", mode: graph.EnforceAuto,
			tenant:  func(s *graphtest.Server) { s.AddConditionalAccessPolicy(requireMFA) },
			wantHow: provider.LeftToConditionalAccess, wantReason: []string{"“Require MFA for all users”", "per-user MFA is not set", "graph.enforcement_group"}, wantState: graph.MFADisabled},
		{name: "auto, a policy requiring MFA and a group: the user joins it", mode: graph.EnforceAuto, group: mfaGroup,
			tenant: func(s *graphtest.Server) {
				s.AddConditionalAccessPolicy(requireMFA)
				s.AddGroup(mfaGroup, "MFA required")
			},
			wantHow: provider.EnforcedGroup, wantReason: []string{"added to graph.enforcement_group " + mfaGroup, "“Require MFA for all users”"}, wantState: graph.MFADisabled, wantMember: true},
		{name: "auto, an authentication strength counts as MFA", mode: graph.EnforceAuto,
			tenant:  func(s *graphtest.Server) { s.AddConditionalAccessPolicy(strength) },
			wantHow: provider.LeftToConditionalAccess, wantReason: []string{"“Phishing-resistant MFA for admins”"}, wantState: graph.MFADisabled},
		{name: "auto, report-only, switched-off and non-MFA policies do not count", mode: graph.EnforceAuto,
			tenant: func(s *graphtest.Server) {
				s.AddConditionalAccessPolicy(reportOnly)
				s.AddConditionalAccessPolicy(switchedOff)
				s.AddConditionalAccessPolicy(blockLegacy)
			},
			wantHow: provider.EnforcedPerUser, wantState: graph.MFAEnforced},
		{name: "auto, the policy requiring MFA is on a later page", mode: graph.EnforceAuto,
			tenant: func(s *graphtest.Server) {
				s.AddConditionalAccessPolicy(reportOnly)
				s.AddConditionalAccessPolicy(blockLegacy)
				s.AddConditionalAccessPolicy(switchedOff)
				s.AddConditionalAccessPolicy(requireMFA)
			},
			wantHow: provider.LeftToConditionalAccess, wantReason: []string{"“Require MFA for all users”"}, wantState: graph.MFADisabled},
		{name: "auto, Conditional Access refused: no guess, names the permission", mode: graph.EnforceAuto,
			tenant: func(s *graphtest.Server) {
				s.FailNext("GET /v1.0/identity/conditionalAccess/policies", http.StatusForbidden, 0)
			},
			wantReason: []string{"could not read the tenant's security defaults and Conditional Access policies", "Policy.Read.All", "graph.enforcement to per-user, group or none"}, wantState: graph.MFADisabled},
		{name: "auto, without Policy.Read.All: no guess", mode: graph.EnforceAuto,
			tenant:     func(s *graphtest.Server) { s.SetPermission(graphtest.PermPolicyRead, false) },
			wantReason: []string{"Policy.Read.All"}, wantState: graph.MFADisabled},
		{name: "auto, per-user MFA refused: names the permission", mode: graph.EnforceAuto,
			tenant:     func(s *graphtest.Server) { s.SetPermission(graphtest.PermPolicyWrite, false) },
			wantReason: []string{"lacks the Graph permission Policy.ReadWrite.AuthenticationMethod"}, wantState: graph.MFADisabled},
		{name: "per-user, a tenant with neither", mode: graph.EnforcePerUser,
			wantHow: provider.EnforcedPerUser, wantState: graph.MFAEnforced},
		{name: "per-user, policies unreadable: as configured, and says so", mode: graph.EnforcePerUser,
			tenant:  func(s *graphtest.Server) { s.SetPermission(graphtest.PermPolicyRead, false) },
			wantHow: provider.EnforcedPerUser, wantReason: []string{"graph.enforcement is per-user", "could not be read without Policy.Read.All"}, wantState: graph.MFAEnforced},
		{name: "per-user, never beside security defaults", mode: graph.EnforcePerUser,
			tenant:  func(s *graphtest.Server) { s.SetSecurityDefaults(true) },
			wantHow: provider.EnforcedSecurityDefaults, wantState: graph.MFADisabled},
		{name: "per-user, never beside Conditional Access", mode: graph.EnforcePerUser, group: mfaGroup,
			tenant: func(s *graphtest.Server) {
				s.AddConditionalAccessPolicy(requireMFA)
				s.AddGroup(mfaGroup, "MFA required")
			},
			wantHow: provider.LeftToConditionalAccess, wantReason: []string{"set graph.enforcement to auto"}, wantState: graph.MFADisabled},
		{name: "group", mode: graph.EnforceGroup, group: mfaGroup,
			tenant:  func(s *graphtest.Server) { s.AddGroup(mfaGroup, "MFA required", "bob@contoso.com") },
			wantHow: provider.EnforcedGroup, wantReason: []string{"added to graph.enforcement_group " + mfaGroup, "graph.enforcement is group"}, wantState: graph.MFADisabled, wantMember: true},
		{name: "group, already a member: done", mode: graph.EnforceGroup, group: mfaGroup,
			tenant:  func(s *graphtest.Server) { s.AddGroup(mfaGroup, "MFA required", alice) },
			wantHow: provider.EnforcedGroup, wantReason: []string{"already in graph.enforcement_group " + mfaGroup}, wantState: graph.MFADisabled, wantMember: true},
		{name: "group that is not there", mode: graph.EnforceGroup, group: mfaGroup,
			wantReason: []string{"graph.enforcement_group " + mfaGroup + " is not a group in this tenant"}, wantState: graph.MFADisabled},
		{name: "group without GroupMember.ReadWrite.All", mode: graph.EnforceGroup, group: mfaGroup,
			tenant: func(s *graphtest.Server) {
				s.AddGroup(mfaGroup, "MFA required")
				s.SetPermission(graphtest.PermGroupMembers, false)
			},
			wantReason: []string{"lacks the Graph permission GroupMember.ReadWrite.All"}, wantState: graph.MFADisabled},
		{name: "group without User.Read.All, which finds the member's id", mode: graph.EnforceGroup, group: mfaGroup,
			tenant: func(s *graphtest.Server) {
				s.AddGroup(mfaGroup, "MFA required")
				s.SetPermission(graphtest.PermUsersRead, false)
			},
			wantReason: []string{"lacks the Graph permission User.Read.All"}, wantState: graph.MFADisabled},
		{name: "none: left to support", mode: graph.EnforceNone,
			tenant:  func(s *graphtest.Server) { s.AddGroup(mfaGroup, "MFA required") },
			wantHow: provider.LeftToSupport, wantReason: []string{"support desk"}, wantState: graph.MFADisabled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, srv, _ := setupWith(t, good, func(cfg *graph.Config) { cfg.Enforcement, cfg.EnforcementGroup = tt.mode, tt.group })
			if tt.tenant != nil {
				tt.tenant(srv)
			}
			got, err := c.Enforce(context.Background(), alice)
			text := got.Reason
			switch {
			case tt.wantHow == "" && err == nil:
				t.Fatalf("Enforce = %+v; want an error", got)
			case tt.wantHow == "":
				var ge *graph.Error
				if !errors.As(err, &ge) {
					t.Errorf("error %T; want a *graph.Error", err)
				}
				text = err.Error()
			case err != nil:
				t.Fatalf("Enforce: %v", err)
			case got.How != tt.wantHow:
				t.Errorf("Enforce did %q (%s); want %q", got.How, got.Reason, tt.wantHow)
			}
			for _, part := range tt.wantReason {
				if !strings.Contains(text, part) {
					t.Errorf("Enforce said %q; want it to say %q", text, part)
				}
			}
			if s := srv.MFAState(alice); s != tt.wantState {
				t.Errorf("per-user MFA state %q; want %q", s, tt.wantState)
			}
			if in := slices.Contains(srv.Members(mfaGroup), alice); in != tt.wantMember {
				t.Errorf("alice in the group: %v; want %v", in, tt.wantMember)
			}
			patch := calls(srv, http.MethodPatch, "/beta/users/"+alice+"/authentication/requirements")
			if tt.wantState == graph.MFAEnforced && (len(patch) != 1 || patch[0].Body != `{"perUserMfaState":"enforced"}`) {
				t.Errorf("PATCHes = %+v; want one setting enforced", patch)
			}
			if _, _, n := srv.Writes(); tt.wantState != graph.MFAEnforced && n > 0 {
				t.Errorf("%d per-user MFA states set; want none", n)
			}
		})
	}
}

// Group enforcement asks Graph for nothing about the tenant's policies, and a second
// run is a success that adds nobody twice.
func TestGroupEnforcementTwice(t *testing.T) {
	c, srv, _ := setupWith(t, good, func(cfg *graph.Config) { cfg.Enforcement, cfg.EnforcementGroup = graph.EnforceGroup, mfaGroup })
	srv.AddGroup(mfaGroup, "MFA required")
	for i := range 2 {
		if _, err := c.Enforce(context.Background(), alice); err != nil {
			t.Fatalf("Enforce %d: %v", i+1, err)
		}
	}
	if got := srv.Members(mfaGroup); len(got) != 1 || got[0] != alice {
		t.Errorf("members = %v; want alice once", got)
	}
	adds := calls(srv, http.MethodPost, "/v1.0/groups/"+mfaGroup+"/members/$ref")
	if len(adds) != 2 || adds[0].Status != http.StatusNoContent || adds[1].Status != http.StatusBadRequest {
		t.Fatalf("adds = %+v; want 204, then Graph's 400 for a member already there", adds)
	}
	if want := `{"@odata.id":"` + srv.URL + `/v1.0/directoryObjects/` + srv.UserID(alice) + `"}`; adds[0].Body != want || adds[0].ContentType != "application/json" {
		t.Errorf("body %s (%s); want %s as JSON", adds[0].Body, adds[0].ContentType, want)
	}
	for _, r := range srv.Requests() {
		if strings.HasPrefix(r.Path, "/v1.0/policies/") || strings.HasPrefix(r.Path, "/v1.0/identity/") {
			t.Errorf("group enforcement read %s", r.Path)
		}
	}
}

// None asks Graph nothing at all.
func TestNoEnforcementCallsNothing(t *testing.T) {
	c, srv, _ := setupWith(t, good, func(cfg *graph.Config) { cfg.Enforcement = graph.EnforceNone })
	if _, err := c.Enforce(context.Background(), alice); err != nil {
		t.Fatal(err)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests; want none", n)
	}
}

// Runs that share a client (a batch's) read the tenant's policies once between
// them, even when they enforce at the same moment: Graph allows Conditional Access
// one request a second, so a read a person would hold a batch of a thousand for
// a quarter of an hour. What was read is kept for minutes, not for ever, and a read
// that failed is not kept at all.
func TestAutoReadsTheTenantOncePerClientForAWhile(t *testing.T) {
	c, srv, fc := setupWith(t, good, func(cfg *graph.Config) { cfg.Enforcement, cfg.EnforcementGroup = graph.EnforceAuto, mfaGroup })
	srv.AddConditionalAccessPolicy(requireMFA)
	srv.AddGroup(mfaGroup, "MFA required")
	people := []string{alice}
	for i := range 7 {
		u := fmt.Sprintf("user%d@contoso.com", i)
		srv.AddUser(u)
		people = append(people, u)
	}
	policyReads := func() int {
		return len(calls(srv, http.MethodGet, "/v1.0/identity/conditionalAccess/policies"))
	}
	var wg sync.WaitGroup
	errs := make([]error, len(people))
	for i, u := range people {
		wg.Go(func() {
			var e provider.Enforcement
			e, errs[i] = c.Enforce(context.Background(), u)
			if errs[i] == nil && e.How != provider.EnforcedGroup {
				errs[i] = fmt.Errorf("%s: enforced %q; want the group", u, e.How)
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if n := policyReads(); n != 1 {
		t.Fatalf("%d people enforced at once read the policies %d times; want once", len(people), n)
	}
	if got := srv.Members(mfaGroup); len(got) != len(people) {
		t.Errorf("members = %v; want all %d", got, len(people))
	}

	fc.Advance(9 * time.Minute)
	if _, err := c.Enforce(context.Background(), alice); err != nil {
		t.Fatal(err)
	}
	if n := policyReads(); n != 1 {
		t.Errorf("9 minutes later the policies were read again (%d reads); want what was read kept", n)
	}
	fc.Advance(2 * time.Minute)
	srv.SetPermission(graph.PermissionReadPolicies, false)
	if _, err := c.Enforce(context.Background(), alice); err == nil {
		t.Fatal("11 minutes later, without Policy.Read.All, Enforce succeeded; want the policies read again and the permission named")
	}
	srv.SetPermission(graph.PermissionReadPolicies, true)
	if _, err := c.Enforce(context.Background(), alice); err != nil {
		t.Fatalf("after the permission was granted again: %v; want the failed read not kept", err)
	}
}
