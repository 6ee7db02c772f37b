//go:build bench && unix

package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/httpcall/limittest"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/duo/duotest"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph/graphtest"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/twilio/twiliotest"
)

// Each contract-test vendor API answers in 20–50 ms, as a vendor across the
// internet does.
const minLatency, maxLatency = 20 * time.Millisecond, 50 * time.Millisecond

// vendorAPI is one rate-limited API of the contract world.
type vendorAPI struct {
	name  string
	rate  int
	limit *limittest.Limit
}

// enforcementGroup is the group MFA is required of by the tenant's Conditional Access
// policies: the batch adds each person to it (graph.enforcement: group). With auto,
// every person's run reads the tenant's policies, which Graph allows once a second.
const enforcementGroup = "5a1f0c3e-8f3b-4d2a-9c71-0b6e2f4d8a10"

// TestContractBatch onboards people against Twilio Verify, Graph and Duo's Admin and
// Auth APIs, each a contract-test server that admits a number of requests in any
// second (429 beyond) and answers in 20–50 ms, with limits.rate set to the same
// number: how close the batch comes to the floor those limits set, and how many
// answers are 429. Two batches: the 1,000 people at 10 a second, each run
// ending at the texted code (Twilio bounds it); and people whose numbers are
// trusted, so that each run also registers the number in Graph, adds them to the
// enforcement group and sets up Duo (Duo's Admin API bounds it, at 8 requests a
// person: at 10 a second 1,000 would take 13 minutes, so this one runs faster).
func TestContractBatch(t *testing.T) {
	if *contractUsers > 0 {
		t.Run("texted code", func(t *testing.T) { contractBatch(t, *contractUsers, *vendorRate, false) })
	}
	if *trustUsers > 0 {
		t.Run("trusted numbers", func(t *testing.T) { contractBatch(t, *trustUsers, *trustRate, true) })
	}
}

func contractBatch(t *testing.T, n, rate int, trust bool) {
	newLimit := func(rate int) *limittest.Limit {
		return limittest.New(limittest.Options{Requests: rate, Per: time.Second, MinLatency: minLatency, MaxLatency: maxLatency})
	}
	apis := []vendorAPI{
		{"Twilio Verify", rate, newLimit(rate)}, {"Microsoft Graph", rate, newLimit(rate)},
		{"Graph Conditional Access", 1, newLimit(1)}, // Graph's own limit for it, and the product's
		{"Duo Admin API", rate, newLimit(rate)}, {"Duo Auth API", rate, newLimit(rate)},
	}
	tw := twiliotest.New(t)
	graph := graphtest.New(t)
	duo := duotest.New(t, duotest.Options{AdminLimit: apis[3].limit, AuthLimit: apis[4].limit})
	// The binary runs on the wall clock, so must the services it checks its clock against.
	tw.SetClock(clock.Real{})
	graph.SetClock(clock.Real{})
	for i := range n {
		user, _, _ := person(i)
		graph.AddUser(user)
	}
	graph.AddGroup(enforcementGroup, "MFA required")
	tw.SetLimit(apis[0].limit)
	graph.SetLimit(apis[1].limit)
	graph.SetConditionalAccessLimit(apis[2].limit)

	keys := duotest.DefaultKeys()
	h := newHome(t, "contract",
		"TEST_DUO_ADMIN_SKEY="+keys.AdminSKey, "TEST_DUO_AUTH_SKEY="+keys.AuthSKey,
		"TEST_TWILIO_TOKEN="+twiliotest.AuthToken, "TEST_GRAPH_SECRET="+graphtest.ClientSecret)
	var bundle []byte
	for _, f := range []string{tw.WriteCA(t), graph.WriteCA(t), duo.WriteCAFile(t)} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		bundle = append(bundle, data...)
	}
	ca := filepath.Join(h.dir, "ca.pem")
	if err := os.WriteFile(ca, bundle, 0o600); err != nil {
		t.Fatal(err)
	}
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
  enforcement: group
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
`, ca, twiliotest.AccountSID, twiliotest.ServiceSID, tw.URL, graphtest.TenantID, graphtest.ClientID,
		graph.AuthorityHost(), graph.URL, duo.Host(), keys.AdminIKey, keys.AuthIKey, rate, enforcementGroup)
	if err := os.WriteFile(filepath.Join(h.dir, "config.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}

	csv := filepath.Join(h.dir, "users.csv")
	writeUsers(t, csv, 0, n)
	how, args := "each run ends at the texted code", []string(nil)
	if trust {
		how, args = trustFlags, []string{"--trust-phone", "--reason", "bench"}
	}
	r, sum := h.batch(t, csv, n, args...)
	t.Logf("contract batch of %d at %d/s a vendor API, %s: %s (%+v)", n, rate, how, r, sum)

	var floor time.Duration
	var requests, refused int
	var perVendor []string
	for _, a := range apis {
		st := a.limit.Stats()
		total := st.Admitted + st.Refused
		if total == 0 {
			continue
		}
		requests += total
		refused += st.Refused
		floor = max(floor, time.Duration(total)*time.Second/time.Duration(a.rate))
		perVendor = append(perVendor, fmt.Sprintf("%s %d (%.2f a person, %d answered 429, busiest second %d)", a.name, total, float64(total)/float64(n), st.Refused, st.Busiest))
	}
	t.Logf("requests: %s", strings.Join(perVendor, "; "))
	if os.Getenv("BENCH_DEBUG") != "" {
		paths := map[string]int{}
		for _, q := range graph.Requests() {
			p := q.Method + " " + q.Path
			if i := strings.Index(p, "/users/"); i >= 0 {
				rest := p[i+7:]
				if j := strings.Index(rest, "/"); j >= 0 {
					p = p[:i+7] + "{u}" + rest[j:]
				} else {
					p = p[:i+7] + "{u}"
				}
			}
			paths[fmt.Sprintf("%s %d", p, q.Status)]++
		}
		for _, q := range duo.Requests() {
			paths[q.Method+" "+q.Path]++
		}
		for _, q := range tw.Requests() {
			paths[fmt.Sprintf("%s %s %d", q.Method, q.Path, q.Status)]++
		}
		for k, v := range paths {
			t.Logf("%5d %s", v, k)
		}
	}
	ratio := r.wall.Seconds() / floor.Seconds()
	share := 100 * float64(refused) / float64(requests)
	add := func(f figure) { figures.add(batchID, batchTitle, batchCommand, f) }
	what := fmt.Sprintf("contract servers, %d people at %d requests/s a vendor API, %s", n, rate, how)
	add(figure{name: what + ": wall time ÷ floor (requests of the busiest API ÷ its rate)", value: fmt.Sprintf("%.3f (%.1f s ÷ %.1f s)", ratio, r.wall.Seconds(), floor.Seconds()), target: "≤ 1.10", met: held(ratio <= 1.10)})
	add(figure{name: what + ": requests answered 429", value: fmt.Sprintf("%.2f%% (%d of %d)", share, refused, requests), target: "≤ 1%", met: held(share <= 1)})
	add(figure{name: what + ": peak RSS", value: fmt.Sprintf("%.1f MiB", mib(r.peakRSS)), target: "≤ 64 MiB", met: held(mib(r.peakRSS) <= 64)})
	add(figure{name: what + ": requests per vendor API", value: strings.Join(perVendor, "; ")})
	figures.noteOnce(batchID, "Contract servers: each vendor API admits at most its rate of requests in any second, counted when a request arrives, and answers 20–50 ms later (internal/httpcall/limittest: the strictest reading of \"N a second\"; a client that keeps to it keeps to Graph's token bucket too); limits.rate is set to the same rate. The floor is the busiest API's requests, refused ones included, ÷ its rate. Peak RSS is wait4's ru_maxrss of the batch process.")
}
