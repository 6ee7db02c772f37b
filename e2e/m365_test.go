//go:build linux || darwin

package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph/graphtest"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/twilio/twiliotest"
)

// m365Home is a home whose config sends codes through a fake Twilio Verify and
// registers the phone through a fake Microsoft Graph, both trusted through one CA
// bundle (as behind a TLS-inspecting proxy).
func m365Home(t *testing.T, tw *twiliotest.Server, g *graphtest.Server, h *home) (*home, []string) {
	t.Helper()
	// The binary runs on the wall clock; so must the services it checks its clock against.
	tw.SetClock(clock.Real{})
	g.SetClock(clock.Real{})
	if err := os.MkdirAll(h.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	var bundle []byte
	for _, f := range []string{tw.WriteCA(t), g.WriteCA(t)} {
		pem, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		bundle = append(bundle, pem...)
	}
	ca := filepath.Join(h.dir, "ca.pem")
	os.WriteFile(ca, bundle, 0o600)
	cfg := fmt.Sprintf(`providers:
  sms: twilio
  phone_registration: graph
ca_file: %s
twilio:
  account_sid: %s
  auth_token_env: TEST_TWILIO_TOKEN
  verify_service_sid: %s
  base_url: %s
graph:
  tenant_id: %s
  client_id: %s
  client_secret_env: TEST_GRAPH_SECRET
  authority_host: %s
  base_url: %s
`, ca, twiliotest.AccountSID, twiliotest.ServiceSID, tw.URL, graphtest.TenantID, graphtest.ClientID, g.AuthorityHost(), g.URL)
	if err := os.WriteFile(filepath.Join(h.dir, "config.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return h, h.env("CI=true", "TEST_TWILIO_TOKEN="+twiliotest.AuthToken, "TEST_GRAPH_SECRET="+graphtest.ClientSecret)
}

// TestPipelineAgainstTwilioAndGraph: the code goes out through Twilio, is checked
// there, and only then is the number registered in Graph, once, in Graph's format.
func TestPipelineAgainstTwilioAndGraph(t *testing.T) {
	t.Parallel()
	tw, g := twiliotest.New(t), graphtest.New(t)
	// A Verify service set to 8 digits, as a tenant may have it.
	tw.SetCodeLength(8)
	g.AddUser(email)
	h, env := m365Home(t, tw, g, newHome(t))
	start := func(args ...string) runResult {
		t.Helper()
		return h.run(t, 30*time.Second, env, append([]string{"start", "--user", email, "--phone", mobile, "--output", "json"}, args...)...)
	}
	if r := start(); r.code != 3 || decodeOne(t, r.stdout).WaitingOn != "verify" {
		t.Fatalf("first run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if m := g.Methods(email); len(m) != 0 {
		t.Fatalf("the number was registered before it was verified: %+v", m)
	}
	checks := len(tw.Requests())
	if r := start("--code", "123456"); r.code == 0 || !strings.Contains(r.stderr, "8 digits") {
		t.Fatalf("a 6-digit code for an 8-digit service: exit %d; want it refused naming 8 digits\n%s", r.code, r.stderr)
	}
	if len(tw.Requests()) != checks+1 {
		t.Errorf("a code of the wrong length reached Twilio (%d requests after it; want only the service read)", len(tw.Requests())-checks)
	}
	if r := start("--code", "00000000"); r.code != 3 || !strings.Contains(r.stderr, "tries left") {
		t.Fatalf("wrong code: exit %d; want waiting with tries left\n%s", r.code, r.stderr)
	}
	code := tw.LastCode("+12015550100")
	if code == "" {
		t.Fatal("Twilio has no code for the number")
	}
	r := start("--code", code)
	if r.code != 3 || decodeOne(t, r.stdout).WaitingOn == "verify" {
		t.Fatalf("right code: exit %d, still on verify\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	m := g.Methods(email)
	if len(m) != 1 || m[0].PhoneNumber != "+1 2015550100" || m[0].PhoneType != "mobile" {
		t.Fatalf("Graph methods = %+v; want one mobile +1 2015550100", m)
	}
	enforced := 0
	for _, req := range g.Requests() {
		if req.Method == "PATCH" && strings.HasSuffix(req.Path, "/authentication/requirements") && strings.Contains(req.Body, `"enforced"`) && req.Status == 204 {
			enforced++
		}
	}
	if enforced != 1 {
		t.Errorf("per-user MFA was set to enforced %d times; want once, by the technician's run", enforced)
	}
	// Another run finds the method there and adds nothing.
	start()
	if m := g.Methods(email); len(m) != 1 {
		t.Errorf("Graph methods after a re-run = %+v", m)
	}
	for _, out := range []string{r.stdout, r.stderr} {
		if strings.Contains(out, twiliotest.AuthToken) || strings.Contains(out, graphtest.ClientSecret) {
			t.Errorf("a secret appears in the output:\n%s", out)
		}
	}
}

// TestDoctorNamesAMissingGraphPermission is what a technician sees when the app
// registration lacks admin consent for phone methods.
func TestDoctorNamesAMissingGraphPermission(t *testing.T) {
	t.Parallel()
	tw, g := twiliotest.New(t), graphtest.New(t)
	h, env := m365Home(t, tw, g, newHome(t))
	if r := h.run(t, 30*time.Second, env, "providers", "check"); r.code != 0 {
		t.Fatalf("check with every permission: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	g.SetPermission(graphtest.PermMethods, false)
	r := h.run(t, 30*time.Second, env, "doctor")
	if r.code != 1 || !strings.Contains(r.stdout, "lacks the Graph application permission "+graphtest.PermMethods) {
		t.Errorf("doctor without %s: exit %d\n%s", graphtest.PermMethods, r.code, r.stdout)
	}
	t.Logf("doctor said:\n%s", r.stdout)
}
