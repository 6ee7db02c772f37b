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

func TestCheck(t *testing.T) {
	tests := []struct {
		name   string
		cr     creds
		revoke string
		skew   time.Duration
		want   []string // "✔ name: detail" or "✘ name: detail"
	}{
		{"all good", good, "", 0, []string{
			"✔ graph token: tenant " + graphtest.TenantID + " app " + graphtest.ClientID,
			"✔ graph permissions: UserAuthenticationMethod.ReadWrite.All and Policy.ReadWrite.AuthenticationMethod are granted",
			"✔ graph users: reading users works (User.Read.All)",
			"✔ graph clock: this computer's clock agrees with Microsoft's",
		}},
		{"no User.Read.All", good, graphtest.PermUsersRead, 0, []string{
			"✔ graph token: tenant " + graphtest.TenantID + " app " + graphtest.ClientID,
			"✔ graph permissions: UserAuthenticationMethod.ReadWrite.All and Policy.ReadWrite.AuthenticationMethod are granted",
			"✘ graph users: the app registration lacks the Graph permission User.Read.All (application, with admin consent)",
		}},
		{"clock off", good, "", 7 * time.Minute, []string{
			"✔ graph token: tenant " + graphtest.TenantID + " app " + graphtest.ClientID,
			"✔ graph permissions: UserAuthenticationMethod.ReadWrite.All and Policy.ReadWrite.AuthenticationMethod are granted",
			"✔ graph users: reading users works (User.Read.All)",
			"✘ graph clock: this computer's clock is 7m0s off Microsoft's; set it right (automatic time), or tokens may be refused",
		}},
		{"no permission to register phones", good, graphtest.PermMethods, 0, []string{
			"✔ graph token: tenant " + graphtest.TenantID + " app " + graphtest.ClientID,
			"✘ graph permissions: the app registration lacks the Graph application permission UserAuthenticationMethod.ReadWrite.All (to register the verified mobile number): add it and grant admin consent",
			"✔ graph users: reading users works (User.Read.All)",
			"✔ graph clock: this computer's clock agrees with Microsoft's",
		}},
		{"wrong secret", creds{graphtest.TenantID, graphtest.ClientID, "nope"}, "", 0, []string{
			"✘ graph token: the Graph client secret is wrong or expired: check graph.client_secret_env",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, srv, _ := setup(t, tt.cr)
			if tt.revoke != "" {
				srv.SetPermission(tt.revoke, false)
			}
			srv.SetClock(clock.NewFake(start.Add(tt.skew)))
			var got []string
			for _, r := range c.Check(context.Background()) {
				mark := "✘"
				if r.OK {
					mark = "✔"
				}
				got = append(got, mark+" "+r.Name+": "+r.Detail)
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Check =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}
