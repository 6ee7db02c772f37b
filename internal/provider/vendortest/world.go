// Package vendortest is a customer's whole vendor world for whole-program tests:
// Twilio Verify, Microsoft Graph and Duo's Admin and Auth APIs as their contract-test
// servers, each API with a request limit and latency of its own (package
// limittest), and the config.yaml and environment a technician would write for them.
// The e2e tests and the bench suite run batches against it.
package vendortest

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/httpcall/limittest"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/duo/duotest"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph/graphtest"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/twilio/twiliotest"
)

// Group is the group the tenant's Conditional Access policies require MFA of: a run
// adds each person to it (graph.enforcement: group). With auto, a batch reads the
// tenant's policies, which Graph allows once a second.
const Group = "5a1f0c3e-8f3b-4d2a-9c71-0b6e2f4d8a10"

// Options shape the world.
type Options struct {
	// Rate is the requests each vendor API admits in any second (429 beyond), and
	// the config's limits.rate.
	Rate int
	// MinLatency and MaxLatency bound how long each API takes to answer.
	MinLatency, MaxLatency time.Duration
	// Enforcement is the config's graph.enforcement; "" is group (see Group).
	Enforcement string
}

// API is one rate-limited vendor API of the world.
type API struct {
	Name  string
	Rate  int
	Limit *limittest.Limit
}

// World is the servers, their limits, and what the config needs of them.
type World struct {
	Twilio *twiliotest.Server
	Graph  *graphtest.Server
	Duo    *duotest.Server
	// APIs are Twilio Verify, Microsoft Graph, Graph's Conditional Access (one a
	// second, Graph's own limit for it), Duo's Admin API and Duo's Auth API.
	APIs        []API
	rate        int
	enforcement string
}

// New starts the servers on the wall clock, which the program under test tells time
// by, with the MFA group in the tenant.
func New(t testing.TB, o Options) *World {
	t.Helper()
	limit := func(rate int) *limittest.Limit {
		return limittest.New(limittest.Options{Requests: rate, Per: time.Second, MinLatency: o.MinLatency, MaxLatency: o.MaxLatency})
	}
	if o.Enforcement == "" {
		o.Enforcement = "group"
	}
	w := &World{rate: o.Rate, enforcement: o.Enforcement, APIs: []API{
		{"Twilio Verify", o.Rate, limit(o.Rate)}, {"Microsoft Graph", o.Rate, limit(o.Rate)},
		{"Graph Conditional Access", 1, limit(1)},
		{"Duo Admin API", o.Rate, limit(o.Rate)}, {"Duo Auth API", o.Rate, limit(o.Rate)},
	}}
	w.Twilio, w.Graph = twiliotest.New(t), graphtest.New(t)
	w.Duo = duotest.New(t, duotest.Options{AdminLimit: w.APIs[3].Limit, AuthLimit: w.APIs[4].Limit})
	w.Twilio.SetClock(clock.Real{})
	w.Graph.SetClock(clock.Real{})
	w.Twilio.SetLimit(w.APIs[0].Limit)
	w.Graph.SetLimit(w.APIs[1].Limit)
	w.Graph.SetConditionalAccessLimit(w.APIs[2].Limit)
	w.Graph.AddGroup(Group, "MFA required")
	return w
}

// AddPeople makes each user a Microsoft 365 account.
func (w *World) AddPeople(users ...string) {
	for _, u := range users {
		w.Graph.AddUser(u)
	}
}

// Configure writes home's config.yaml and the CA bundle it names: codes through
// Twilio, phones registered through Graph (enforcing as Options.Enforcement says,
// with Group as the enforcement group), Duo creating its users, the notice to the
// demo outbox. It returns the environment the config's secrets are read from, as
// KEY=value.
func (w *World) Configure(t testing.TB, home string) []string {
	t.Helper()
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	var bundle []byte
	for _, f := range []string{w.Twilio.WriteCA(t), w.Graph.WriteCA(t), w.Duo.WriteCAFile(t)} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		bundle = append(bundle, data...)
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
  notify: [fake]
ca_file: %[1]s
limits:
  rate: {duo: %[12]d/s, graph: %[12]d/s, twilio: %[12]d/s}
twilio:
  account_sid: %[2]s
  auth_token_env: TEST_TWILIO_TOKEN
  verify_service_sid: %[3]s
  base_url: %[4]s
graph:
  tenant_id: %[5]s
  client_id: %[6]s
  client_secret_env: TEST_GRAPH_SECRET
  authority_host: %[7]s
  base_url: %[8]s
  enforcement: %[14]s
  enforcement_group: %[13]s
duo:
  api_host: %[9]s
  admin_ikey: %[10]s
  admin_skey_env: TEST_DUO_ADMIN_SKEY
  auth_ikey: %[11]s
  auth_skey_env: TEST_DUO_AUTH_SKEY
  ca_file: %[1]s
  activation_valid_secs: 600
  create_users: true
`, ca, twiliotest.AccountSID, twiliotest.ServiceSID, w.Twilio.URL, graphtest.TenantID, graphtest.ClientID,
		w.Graph.AuthorityHost(), w.Graph.URL, w.Duo.Host(), keys.AdminIKey, keys.AuthIKey, w.rate, Group, w.enforcement)
	if err := os.WriteFile(filepath.Join(home, "config.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return []string{"TEST_DUO_ADMIN_SKEY=" + keys.AdminSKey, "TEST_DUO_AUTH_SKEY=" + keys.AuthSKey,
		"TEST_TWILIO_TOKEN=" + twiliotest.AuthToken, "TEST_GRAPH_SECRET=" + graphtest.ClientSecret}
}
