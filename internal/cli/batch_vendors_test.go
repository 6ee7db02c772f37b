package cli

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/duo/duotest"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph/graphtest"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/twilio/twiliotest"
)

// A batch's runs share the vendors' clients: whatever a client learns once (the
// Twilio service's code length, a Graph token, the tenant's MFA policies) is not
// asked again for every person, and the runs, several at once, use it safely.
func TestBatchRunsShareWhatTheVendorsToldThem(t *testing.T) {
	const people = 6
	clk := clock.NewFake(time.Now().Truncate(time.Second))
	tw, g := twiliotest.New(t), graphtest.New(t)
	d := duotest.New(t, duotest.Options{Clock: clk})
	tw.SetClock(clk)
	g.SetClock(clk)
	g.AddConditionalAccessPolicy(graphtest.CAPolicy{Name: "Require MFA", State: graphtest.CAEnabled, Controls: []string{"mfa"}})
	const group = "5a1f0c3e-8f3b-4d2a-9c71-0b6e2f4d8a10"
	g.AddGroup(group, "MFA required")
	home := t.TempDir()
	var bundle []byte
	for _, f := range []string{tw.WriteCA(t), g.WriteCA(t)} {
		pem, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		bundle = append(bundle, pem...)
	}
	ca := filepath.Join(home, "ca.pem")
	if err := os.WriteFile(ca, bundle, 0o600); err != nil {
		t.Fatal(err)
	}
	keys := duotest.DefaultKeys()
	cfg := fmt.Sprintf(`providers:
  sms: twilio
  phone_registration: graph
  duo: duo
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
  enforcement: auto
  enforcement_group: %s
duo:
  api_host: %s
  admin_ikey: %s
  admin_skey_env: TEST_DUO_ADMIN_SKEY
  auth_ikey: %s
  auth_skey_env: TEST_DUO_AUTH_SKEY
  ca_file: %s
  create_users: true
limits:
  rate: {duo: 200/s, graph: 200/s, twilio: 200/s}
`, ca, twiliotest.AccountSID, twiliotest.ServiceSID, tw.URL, graphtest.TenantID, graphtest.ClientID, g.AuthorityHost(), g.URL, group,
		d.Host(), keys.AdminIKey, keys.AuthIKey, d.WriteCAFile(t))
	if err := os.WriteFile(filepath.Join(home, "config.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"CI": "true", "TEST_TWILIO_TOKEN": twiliotest.AuthToken, "TEST_GRAPH_SECRET": graphtest.ClientSecret,
		"TEST_DUO_ADMIN_SKEY": keys.AdminSKey, "TEST_DUO_AUTH_SKEY": keys.AuthSKey}
	batchOf := func(name string, from int, args ...string) string {
		t.Helper()
		rows := []string{"user,phone,country,platform"}
		for i := from; i < from+people; i++ {
			u := fmt.Sprintf("user%d@contoso.com", i)
			g.AddUser(u)
			rows = append(rows, fmt.Sprintf("%s,+1 201 555 01%02d,US,ios", u, i))
		}
		file := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(file, []byte(strings.Join(rows, "\n")+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		var out, errOut bytes.Buffer
		f := &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, Getenv: func(k string) string { return env[k] },
			Clock: clk, Whoami: func() (string, string) { return "tech", "PC-1" }}
		code := Run(context.Background(), f, append([]string{"--home", home, "batch", file, "-j", "3"}, args...))
		if code != 0 && code != 3 {
			t.Fatalf("batch %s: exit %d\n%s\n%s", name, code, out.String(), errOut.String())
		}
		return out.String() + errOut.String()
	}
	count := func(reqs []graphtest.Request, pred func(graphtest.Request) bool) int {
		n := 0
		for _, r := range reqs {
			if pred(r) {
				n++
			}
		}
		return n
	}

	// Each run texts a code and waits for it: Twilio's service is read once.
	batchOf("texted.csv", 0)
	services, sent := 0, 0
	for _, r := range tw.Requests() {
		switch {
		case r.Method == "GET" && r.Path == "/v2/Services/"+twiliotest.ServiceSID:
			services++
		case r.Method == "POST" && strings.HasSuffix(r.Path, "/Verifications"):
			sent++
		}
	}
	if services != 1 || sent != people {
		t.Errorf("Twilio saw the service read %d times and %d codes sent for %d people; want 1 and %d", services, sent, people, people)
	}

	// Trusted numbers: each run registers the number, enforces and sets up Duo.
	before := len(g.Requests())
	out := batchOf("trusted.csv", 10, "--trust-phone", "--reason", "numbers from HR")
	reqs := g.Requests()[before:]
	tokens := count(reqs, func(r graphtest.Request) bool { return strings.HasSuffix(r.Path, "/oauth2/v2.0/token") })
	policies := count(reqs, func(r graphtest.Request) bool { return r.Path == "/v1.0/identity/conditionalAccess/policies" })
	if tokens != 1 || policies != 1 {
		t.Errorf("for %d people the batch asked for %d tokens and read the policies %d times; want once each", people, tokens, policies)
	}
	if got := g.Members(group); len(got) != people {
		t.Errorf("the group has %v; want the %d people of the batch\n%s", got, people, out)
	}
}
