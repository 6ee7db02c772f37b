package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph/graphtest"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// technicianDesk is a technician's run: codes from the demo phone, the phone
// registered through Graph, the notice to the demo outbox, with extra graph: keys.
func technicianDesk(t *testing.T, graphKeys string) (*desk, *graphtest.Server) {
	d := newDesk(t)
	srv := graphtest.New(t)
	srv.SetClock(d.now)
	srv.AddUser("alice@contoso.com")
	cfg := fmt.Sprintf(`providers:
  phone_registration: graph
ca_file: %s
graph:
  tenant_id: %s
  client_id: %s
  client_secret_env: TEST_GRAPH_SECRET
  authority_host: %s
  base_url: %s
%s`, srv.WriteCA(t), graphtest.TenantID, graphtest.ClientID, srv.AuthorityHost(), srv.URL, graphKeys)
	os.WriteFile(filepath.Join(d.home, "config.yaml"), []byte(cfg), 0o600)
	d.env["TEST_GRAPH_SECRET"] = graphtest.ClientSecret
	return d, srv
}

// run runs one command in the desk's home and returns its exit code and output.
func (d *desk) run(args ...string) (int, string) {
	d.t.Helper()
	var out, errOut bytes.Buffer
	f := &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, Getenv: func(k string) string { return d.env[k] }, Clock: d.now}
	code := Run(context.Background(), f, append([]string{"--home", d.home}, args...))
	return code, out.String() + errOut.String()
}

// A tenant with security defaults on gets no per-user MFA; the run, its JSON result
// and status say why.
func TestTechnicianRunLeavesMFAToSecurityDefaults(t *testing.T) {
	d, srv := technicianDesk(t, "")
	srv.SetSecurityDefaults(true)
	_, r, stderr := d.untilNotified()
	s := stepStatus(r, "notify-support")
	if s.Status != "done" || !strings.Contains(s.Reason, "notified; MFA required (security defaults are on") {
		t.Fatalf("notify-support = %+v\n%s", s, stderr)
	}
	if !strings.Contains(strings.Join(s.Guidance, "\n"), "security defaults are on") {
		t.Errorf("guidance %q does not say why nothing was set", s.Guidance)
	}
	if _, _, n := srv.Writes(); n != 0 || srv.MFAState("alice@contoso.com") != "disabled" {
		t.Errorf("%d per-user MFA writes, state %q; want none beside security defaults", n, srv.MFAState("alice@contoso.com"))
	}
	st, err := state.NewFiles(filepath.Join(d.home, "state")).Load("alice@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	if st.Notice.Enforcement != "security-defaults" || st.Notice.EnforcedAt.IsZero() {
		t.Errorf("notice record %+v; want security-defaults recorded", st.Notice)
	}
	if _, out := d.run("status", "--user", "alice@contoso.com"); !strings.Contains(out, "notified; MFA required (security defaults are on") {
		t.Errorf("status does not show the enforcement:\n%s", out)
	}
}

// The wiring passes the permissions the configuration uses, and graph.enforcement,
// to the Graph client: providers check asks for exactly those.
func TestProvidersCheckAsksForWhatTheConfigUses(t *testing.T) {
	const group = "5a1f0c3e-8f3b-4d2a-9c71-0b6e2f4d8a10"
	tests := []struct {
		name     string
		keys     string
		revoke   string
		wantCode int
		want     string
	}{
		{"no User.Read.All, which nothing uses", "", graphtest.PermUsersRead, 0,
			"UserAuthenticationMethod.ReadWrite.All, Policy.Read.All and Policy.ReadWrite.AuthenticationMethod are granted"},
		{"per-user MFA without its permission", "", graphtest.PermPolicyWrite, 1,
			"lacks the Graph application permission Policy.ReadWrite.AuthenticationMethod (to set per-user MFA to enforced)"},
		{"group enforcement without its permission", "  enforcement: group\n  enforcement_group: " + group + "\n", graphtest.PermGroupMembers, 1,
			"lacks the Graph application permission GroupMember.ReadWrite.All (to add the user to graph.enforcement_group)"},
		{"group enforcement needs no policy read", "  enforcement: group\n  enforcement_group: " + group + "\n", graphtest.PermPolicyRead, 0,
			"users will be added to graph.enforcement_group “MFA required”"},
		{"no enforcement needs neither", "  enforcement: none\n", graphtest.PermPolicyWrite, 0,
			"UserAuthenticationMethod.ReadWrite.All is granted"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, srv := technicianDesk(t, tt.keys)
			srv.AddGroup(group, "MFA required")
			srv.SetPermission(tt.revoke, false)
			code, out := d.run("providers", "check")
			if code != tt.wantCode || !strings.Contains(out, tt.want) {
				t.Errorf("providers check: exit %d; want %d and %q in:\n%s", code, tt.wantCode, tt.want, out)
			}
		})
	}
}
