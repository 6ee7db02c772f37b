//go:build bench && unix

package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/provider/vendortest"
)

// Each contract-test vendor API answers in 20–50 ms, as a vendor across the
// internet does.
const minLatency, maxLatency = 20 * time.Millisecond, 50 * time.Millisecond

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
	world := vendortest.New(t, vendortest.Options{Rate: rate, MinLatency: minLatency, MaxLatency: maxLatency})
	apis, graph, duo, tw := world.APIs, world.Graph, world.Duo, world.Twilio
	for i := range n {
		user, _, _ := person(i)
		world.AddPeople(user)
	}
	h := newHome(t, "contract")
	h.env = append(h.env, world.Configure(t, h.dir)...)

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
		st := a.Limit.Stats()
		total := st.Admitted + st.Refused
		if total == 0 {
			continue
		}
		requests += total
		refused += st.Refused
		floor = max(floor, time.Duration(total)*time.Second/time.Duration(a.Rate))
		perVendor = append(perVendor, fmt.Sprintf("%s %d (%.2f a person, %d answered 429, busiest second %d)", a.Name, total, float64(total)/float64(n), st.Refused, st.Busiest))
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
	figures.noteOnce(batchID, "Contract servers: each vendor API admits at most its rate of requests in any second, counted when a request arrives, and answers 20–50 ms later (internal/httpcall/limittest: the strictest reading of \"N a second\"; a client that keeps to it keeps to Graph's token bucket too); limits.rate is set to the same rate. The floor is the busiest API's requests, refused ones included, ÷ its rate.")
}
