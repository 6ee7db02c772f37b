package graph_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph/graphtest"
)

func TestMFAStateEnabledBecomesEnforced(t *testing.T) {
	ctx := context.Background()
	c, srv, _ := setup(t, good)
	state := func() string {
		t.Helper()
		s, err := c.MFAState(ctx, alice)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if got := state(); got != graph.MFADisabled {
		t.Fatalf("state of a new user = %q; want disabled", got)
	}
	if err := c.SetMFAState(ctx, alice, graph.MFAEnabled); err != nil {
		t.Fatal(err)
	}
	if got := state(); got != graph.MFAEnabled {
		t.Fatalf("state with no method registered = %q; want enabled", got)
	}
	if _, err := c.RegisterMobile(ctx, alice, "+12065550100"); err != nil {
		t.Fatal(err)
	}
	if got := state(); got != graph.MFAEnforced {
		t.Fatalf("state after registering a mobile = %q; want enforced", got)
	}
	patch := calls(srv, http.MethodPatch, "/beta/users/"+alice+"/authentication/requirements")
	if len(patch) != 1 || patch[0].Status != http.StatusNoContent || patch[0].Body != `{"perUserMfaState":"enabled"}` {
		t.Errorf("PATCH = %+v; want one {\"perUserMfaState\":\"enabled\"} answered 204", patch)
	}

	// Someone who already has a method goes straight to enforced.
	srv.AddMethod("carol@contoso.com", "mobile", "+1 2065550111")
	if err := c.SetMFAState(ctx, "carol@contoso.com", graph.MFAEnabled); err != nil {
		t.Fatal(err)
	}
	if got, err := c.MFAState(ctx, "carol@contoso.com"); err != nil || got != graph.MFAEnforced {
		t.Fatalf("state = %q, %v; want enforced", got, err)
	}
}

func TestSetMFAStateRefusesUnknownState(t *testing.T) {
	c, srv, _ := setup(t, good)
	err := c.SetMFAState(context.Background(), alice, "on")
	if err == nil || !strings.Contains(err.Error(), `"on"`) {
		t.Fatalf("SetMFAState(on) = %v; want a refusal naming the state", err)
	}
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPatch {
			t.Errorf("a PATCH was sent: %+v", r)
		}
	}
}

// phoneAuto is what a technician's run with the default enforcement needs.
func phoneAuto() []graph.Need {
	return append([]graph.Need{graph.RegisterPhonesNeed()}, graph.EnforcementNeeds(graph.EnforceAuto, "")...)
}

// checkLines runs Check and writes each outcome as "✔ name: detail" or "✘ name: detail".
func checkLines(t *testing.T, c *graph.Client, srv *graphtest.Server) []string {
	t.Helper()
	var got []string
	for _, r := range c.Check(context.Background()) {
		mark := "✘"
		if r.OK {
			mark = "✔"
		}
		got = append(got, mark+" "+r.Name+": "+r.Detail)
	}
	for _, r := range srv.Requests() {
		if r.Method != http.MethodGet && !strings.HasSuffix(r.Path, "/token") {
			t.Errorf("Check sent %s %s", r.Method, r.Path)
		}
	}
	return got
}

func TestCheck(t *testing.T) {
	const (
		token   = "✔ graph token: tenant " + graphtest.TenantID + " app " + graphtest.ClientID
		granted = "✔ graph permissions: UserAuthenticationMethod.ReadWrite.All, Policy.Read.All and Policy.ReadWrite.AuthenticationMethod are granted"
		perUser = "✔ graph enforcement: per-user MFA will be set to enforced: the tenant uses neither security defaults nor a Conditional Access policy that requires MFA"
		clockOK = "✔ graph clock: this computer's clock agrees with Microsoft's"
	)
	tests := []struct {
		name   string
		cr     creds
		mode   string
		group  string
		tenant func(*graphtest.Server)
		skew   time.Duration
		want   []string
	}{
		{name: "all good", cr: good, want: []string{token, granted, perUser, clockOK}},
		{name: "without User.Read.All, which nothing configured uses", cr: good,
			tenant: func(s *graphtest.Server) { s.SetPermission(graphtest.PermUsersRead, false) },
			want:   []string{token, granted, perUser, clockOK}},
		{name: "clock off", cr: good, skew: 7 * time.Minute, want: []string{token, granted, perUser,
			"✘ graph clock: this computer's clock is 7m0s off Microsoft's; set it right (automatic time), or tokens may be refused"}},
		{name: "no permission to register phones", cr: good,
			tenant: func(s *graphtest.Server) { s.SetPermission(graphtest.PermMethods, false) },
			want: []string{token,
				"✘ graph permissions: the app registration lacks the Graph application permission UserAuthenticationMethod.ReadWrite.All (to register the verified mobile number): add it and grant admin consent",
				perUser, clockOK}},
		{name: "no permission to read the policies", cr: good,
			tenant: func(s *graphtest.Server) { s.SetPermission(graphtest.PermPolicyRead, false) },
			want: []string{token,
				"✘ graph permissions: the app registration lacks the Graph application permission Policy.Read.All (to read security defaults and Conditional Access policies before setting per-user MFA): add it and grant admin consent",
				"✘ graph enforcement: could not read the tenant's security defaults and Conditional Access policies, so per-user MFA is not set (Microsoft says not to use it beside either): grant the app registration the Graph application permission Policy.Read.All with admin consent, or set graph.enforcement to per-user, group or none",
				clockOK}},
		{name: "security defaults on", cr: good,
			tenant: func(s *graphtest.Server) { s.SetSecurityDefaults(true) },
			want: []string{token, granted,
				"✔ graph enforcement: nothing will be set: security defaults are on in this tenant and already require every user to register for MFA, so per-user MFA is not set beside them",
				clockOK}},
		{name: "the enforcement group", cr: good, mode: graph.EnforceGroup, group: mfaGroup,
			tenant: func(s *graphtest.Server) { s.AddGroup(mfaGroup, "MFA required") },
			want: []string{token,
				"✔ graph permissions: UserAuthenticationMethod.ReadWrite.All, GroupMember.ReadWrite.All and User.Read.All are granted",
				"✔ graph enforcement: users will be added to graph.enforcement_group “MFA required”: graph.enforcement is group",
				clockOK}},
		{name: "an enforcement group that is not there", cr: good, mode: graph.EnforceGroup, group: mfaGroup,
			want: []string{token,
				"✔ graph permissions: UserAuthenticationMethod.ReadWrite.All, GroupMember.ReadWrite.All and User.Read.All are granted",
				"✘ graph enforcement: graph.enforcement_group " + mfaGroup + " is not a group in this tenant: copy the group's Object ID from Entra ID → Groups into the config",
				clockOK}},
		{name: "no enforcement: no enforcement line", cr: good, mode: graph.EnforceNone,
			want: []string{token, "✔ graph permissions: UserAuthenticationMethod.ReadWrite.All is granted", clockOK}},
		{name: "wrong secret", cr: creds{graphtest.TenantID, graphtest.ClientID, "nope"}, want: []string{
			"✘ graph token: the Graph client secret is wrong or expired: check graph.client_secret_env",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, srv, _ := setupWith(t, tt.cr, func(cfg *graph.Config) {
				cfg.Enforcement, cfg.EnforcementGroup = tt.mode, tt.group
				cfg.Needs = append([]graph.Need{graph.RegisterPhonesNeed()}, graph.EnforcementNeeds(cfg.Enforcement, tt.group)...)
				if tt.mode == "" {
					cfg.Needs = phoneAuto()
				}
			})
			if tt.tenant != nil {
				tt.tenant(srv)
			}
			srv.SetClock(clock.NewFake(start.Add(tt.skew)))
			got := checkLines(t, c, srv)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Check =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// Whatever the configuration, a token lacking exactly one permission it uses is told
// that one, by name and purpose, and nothing else.
func TestCheckNamesTheOneMissingPermission(t *testing.T) {
	mail := graph.MailSendNeed()
	configs := []struct {
		name  string
		needs []graph.Need
		mode  string
	}{
		{"phones through Graph, enforcement auto", phoneAuto(), graph.EnforceAuto},
		{"phones through Graph, enforcement auto with a group", append([]graph.Need{graph.RegisterPhonesNeed()}, graph.EnforcementNeeds(graph.EnforceAuto, mfaGroup)...), graph.EnforceAuto},
		{"phones through Graph, enforcement group", append([]graph.Need{graph.RegisterPhonesNeed()}, graph.EnforcementNeeds(graph.EnforceGroup, mfaGroup)...), graph.EnforceGroup},
		{"the portal route with Graph read access", []graph.Need{graph.ReadPhonesNeed()}, graph.EnforceNone},
		{"mail through Graph", []graph.Need{mail}, graph.EnforceNone},
	}
	for _, cfg := range configs {
		for _, need := range cfg.needs {
			t.Run(cfg.name+"/without "+need.Permission, func(t *testing.T) {
				c, srv, _ := setupWith(t, good, func(g *graph.Config) {
					g.Needs, g.Enforcement = cfg.needs, cfg.mode
					if cfg.mode != graph.EnforceNone && cfg.mode != "" {
						g.EnforcementGroup = mfaGroup
					}
				})
				srv.AddGroup(mfaGroup, "MFA required")
				if need.Permission == graph.PermissionReadPhones {
					// An app registration for the portal route has the read-only permission.
					srv.SetPermission(graphtest.PermMethodsRead, true)
					srv.SetPermission(graphtest.PermMethods, false)
				}
				srv.SetPermission(need.Permission, false)
				var line string
				for _, l := range checkLines(t, c, srv) {
					if strings.Contains(l, "graph permissions:") {
						line = l
					}
				}
				want := "✘ graph permissions: the app registration lacks the Graph application permission " + need.Permission + " (" + need.Purpose.Error() + "): add it and grant admin consent"
				if line != want {
					t.Errorf("permissions line\n%s\nwant\n%s", line, want)
				}
			})
		}
	}
}

// The portal route reads phones with the read-only permission, and a refusal names it.
func TestThePortalRouteReadsWithTheReadOnlyPermission(t *testing.T) {
	c, srv, _ := setupWith(t, good, func(g *graph.Config) { g.Needs = []graph.Need{graph.ReadPhonesNeed()} })
	srv.SetPermission(graphtest.PermMethods, false)
	_, err := c.MobileMethod(context.Background(), alice)
	if err == nil || !strings.Contains(err.Error(), "lacks the Graph permission UserAuthenticationMethod.Read.All") {
		t.Fatalf("MobileMethod without a phone permission = %v; want the read-only permission named", err)
	}
	srv.SetPermission(graphtest.PermMethodsRead, true)
	if _, err := c.MobileMethod(context.Background(), alice); err != nil {
		t.Fatalf("MobileMethod with UserAuthenticationMethod.Read.All = %v", err)
	}
}
