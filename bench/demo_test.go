//go:build bench && unix

package bench

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"
)

const (
	batchID      = "batch"
	batchTitle   = "Batch"
	batchCommand = "make bench"
	statusID     = "status-all"
	statusTitle  = "status --all"
	// trust is how every demo row is run: the number registered on the
	// technician's word, so that each run goes past verify to Duo.
	trustFlags = "--trust-phone --reason bench"
)

// costRuns is how many one-person batches measure a person's cost at a size.
const costRuns = 5

// TestDemoBatch onboards 10 people, 1,000 and then 10,000 on the demo, each row run
// past verify (--trust-phone), then measures what one more person costs beside 10
// and beside 10,000, and `status --all` over the 10,000.
func TestDemoBatch(t *testing.T) {
	n := *demoUsers
	if n < 100 {
		t.Skip("-demo-users below 100: no demo batch")
	}
	small := n / 10

	h10 := newHome(t, "demo-10")
	csv10 := filepath.Join(h10.dir, "users.csv")
	writeUsers(t, csv10, 0, 10)
	h10.batch(t, csv10, 10, "--trust-phone", "--reason", "bench")
	cost10 := onePersonCost(t, h10)

	hs := newHome(t, "demo-small")
	csvs := filepath.Join(hs.dir, "users.csv")
	writeUsers(t, csvs, 0, small)
	rs, _ := hs.batch(t, csvs, small, "--trust-phone", "--reason", "bench")
	t.Logf("demo batch of %d, %s: %s", small, trustFlags, rs)

	hn := newHome(t, "demo-n")
	csvn := filepath.Join(hn.dir, "users.csv")
	writeUsers(t, csvn, 0, n)
	rn, sum := hn.batch(t, csvn, n, "--trust-phone", "--reason", "bench")
	t.Logf("demo batch of %d, %s: %s (%+v)", n, trustFlags, rn, sum)
	times := hn.journalTimes(t)
	w := n / 20
	first, last := perRow(times, 10, 10+w), perRow(times, n-w, n)
	costN := onePersonCost(t, hn)

	add := func(f figure) { figures.add(batchID, batchTitle, batchCommand, f) }
	add(figure{name: fmt.Sprintf("demo, %d people, %s: wall time", n, trustFlags), value: fmt.Sprintf("%.1f s (%.0f people/s, %.1f ms CPU each)", rn.wall.Seconds(), float64(n)/rn.wall.Seconds(), float64(rn.cpu.Milliseconds())/float64(n))})
	add(figure{name: fmt.Sprintf("demo, %d people: peak RSS", n), value: fmt.Sprintf("%.1f MiB", mib(rn.peakRSS)), target: "≤ 64 MiB", met: held(mib(rn.peakRSS) <= 64)})
	ratio := float64(rn.peakRSS) / float64(rs.peakRSS)
	add(figure{name: fmt.Sprintf("demo: peak RSS at %d people ÷ at %d", n, small), value: fmt.Sprintf("%.2f (%.1f ÷ %.1f MiB)", ratio, mib(rn.peakRSS), mib(rs.peakRSS)), target: "≤ 1.2", met: held(ratio <= 1.2)})
	rowRatio := float64(last) / float64(first)
	add(figure{name: fmt.Sprintf("demo: time per person at rows %d–%d ÷ at rows 10–%d of the batch (journal times, %d workers)", n-w+1, n, 10+w, workers()), value: fmt.Sprintf("%.2f (%.2f ÷ %.2f ms)", rowRatio, ms(last), ms(first)), target: "≤ 1.2", met: held(rowRatio <= 1.2)})
	oneRatio := float64(costN.cpu) / float64(cost10.cpu)
	add(figure{name: fmt.Sprintf("demo: one more person's run (a one-row batch) beside %d people ÷ beside 10, CPU", n), value: fmt.Sprintf("%.2f (%.1f ÷ %.1f ms CPU; wall %.1f ÷ %.1f ms)", oneRatio, ms(costN.cpu), ms(cost10.cpu), ms(costN.wall), ms(cost10.wall)), target: "≤ 1.2", met: held(oneRatio <= 1.2)})

	figures.noteOnce(batchID, fmt.Sprintf("Demo: people are generated with numbers of their own (bench/run_test.go; scripts/users-csv.sh repeats a number every 1,000 rows). The time per person at a point of the batch is the time between outcomes in its journal over %d rows; one more person's run is the median of %d one-row batches, each its own process, in the home of the 10-person batch and in that of the %d-person one.", w, costRuns, n))
	statusAll(t, hn, n)
}

// cost is the median cost of a one-person batch.
type cost struct{ wall, cpu time.Duration }

// onePersonCost runs costRuns one-row batches of people new to h, each as its own
// process, and returns the median wall and CPU time.
func onePersonCost(t *testing.T, h *home) cost {
	t.Helper()
	var walls, cpus []time.Duration
	for i := range costRuns {
		csv := filepath.Join(h.dir, "one-"+strconv.Itoa(i)+".csv")
		idx := 100*len(areaCodes) - 1 - i
		writeUsers(t, csv, idx, idx+1)
		r, _ := h.batch(t, csv, 1, "--trust-phone", "--reason", "bench")
		walls, cpus = append(walls, r.wall), append(cpus, r.cpu)
	}
	return cost{wall: median(walls), cpu: median(cpus)}
}

// statusAll measures `status --all` over the n people of h, in each output format.
func statusAll(t *testing.T, h *home, n int) {
	t.Helper()
	for _, format := range []string{"table", "json", "csv"} {
		var walls []time.Duration
		var peak int64
		for range 3 {
			r := h.exec(t, []int{0, 3}, "status", "--all", "--output", format)
			walls = append(walls, r.wall)
			peak = max(peak, r.peakRSS)
		}
		wall := median(walls)
		figures.add(statusID, statusTitle, batchCommand, figure{name: fmt.Sprintf("`status --all --output %s` over %d people: wall time (median of 3)", format, n), value: fmt.Sprintf("%.0f ms", ms(wall)), target: "≤ 1 s", met: held(wall <= time.Second)})
		figures.add(statusID, statusTitle, batchCommand, figure{name: fmt.Sprintf("`status --all --output %s` over %d people: peak RSS", format, n), value: fmt.Sprintf("%.1f MiB", mib(peak)), target: "≤ 64 MiB", met: held(mib(peak) <= 64)})
	}
}

// workers is batch's default -j: 2 per CPU, at most 8.
func workers() int { return min(8, 2*runtime.NumCPU()) }

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
