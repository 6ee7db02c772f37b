//go:build faults && unix

package faults

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/faultpoint"
	"github.com/mfa-onboard/mfa-onboard/internal/faultpoint/gate"
)

// extraRuns is how many runs after a kill the pipeline may take to finish, over
// those a run with no fault takes.
const extraRuns = 6

// drive is the pipeline: run start with whatever the waiting step needs, until
// the procedure is done, a run is killed at the fault (faultRun, fault), or runs
// stop making progress. onKill runs after a killed run.
type drive struct {
	faultRun int
	fault    string
	maxRuns  int
	onKill   func()
}

type driven struct {
	runs      []runResult
	killedAt  int // index of the killed run, -1 if none
	killedHit hit
	completed bool
	stuck     string
	corrupt   []string
	// decisions are the answers the pipeline had to add for a question a run with
	// no fault never asks.
	decisions []string
}

func (d drive) run(t *testing.T, w world) driven {
	t.Helper()
	h := w.home()
	out := driven{killedAt: -1}
	last := ""
	for i := 0; i < d.maxRuns; i++ {
		waiting := ""
		if st := h.status(t); st != nil {
			if st.Status == "completed" {
				out.completed = true
				return out
			}
			waiting = st.WaitingOn
			// After a push whose answer was lost, no other is sent unless the person
			// says so (a cap against push fatigue): the pipeline passes on their yes,
			// once, and the figures say it was asked.
			if r := st.reason(waiting); strings.Contains(r, retryKey) && len(out.decisions) == 0 {
				h.addAnswer(t, "duo-test", "retry", "yes")
				out.decisions = append(out.decisions, retryKey+": "+firstLine(r))
				last = ""
			}
		}
		args := w.answer(t, waiting)
		fault := ""
		if i == d.faultRun {
			fault = d.fault
		}
		r := h.start(t, fault, args...)
		out.runs = append(out.runs, r)
		if r.killed {
			if out.killedAt < 0 {
				out.killedAt = i
				if n := len(r.hits); n > 0 {
					out.killedHit = r.hits[n-1]
				}
			}
			if d.onKill != nil {
				d.onKill()
			}
			out.corrupt = append(out.corrupt, checkFiles(h.dir)...)
			last = ""
			continue
		}
		switch r.code {
		case 0:
			out.completed = true
			return out
		case 3, 1:
		default:
			out.stuck = fmt.Sprintf("run %d ended with exit %d: %s", i+1, r.code, firstLine(r.stderr))
			return out
		}
		on := ""
		if r.res != nil {
			on = r.res.WaitingOn
		}
		key := fmt.Sprintf("exit %d at %s: %s", r.code, on, r.res.reason(on))
		if r.code == 1 {
			key = fmt.Sprintf("exit 1 at %s: %s", on, firstLine(r.stderr))
		}
		if key == last {
			out.stuck = "stuck at " + on + ": " + strings.TrimPrefix(key, "exit ")
			return out
		}
		last = key
	}
	out.stuck = fmt.Sprintf("not done after %d runs", d.maxRuns)
	return out
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, "\n"); i >= 0 {
		s = s[i+1:]
	}
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}

// finish checks the end of a kill point: one more run must change nothing at the
// vendors; then duplicates and losses are counted against the run with no fault.
func finish(t *testing.T, w world, o *outcome, d driven, base counts) {
	t.Helper()
	o.completed = d.completed
	o.runs = len(d.runs) - d.killedAt - 1
	o.corrupt = append(o.corrupt, d.corrupt...)
	o.decisions = d.decisions
	if !d.completed {
		o.repair = d.stuck
	} else {
		before := w.count(t)
		r := w.home().start(t, "")
		if r.code != 0 {
			o.notes = append(o.notes, fmt.Sprintf("a run after completion ended with exit %d", r.code))
		}
		for k, n := range w.count(t) {
			if n != before[k] {
				o.notes = append(o.notes, fmt.Sprintf("a run after completion changed %q from %d to %d", k, before[k], n))
			}
		}
	}
	o.corrupt = append(o.corrupt, checkFiles(w.home().dir)...)
	compare(o, base, w.count(t))
	for _, n := range o.notes {
		t.Log(n)
	}
}

// baseline runs the pipeline with no fault, checks it is the documented one and
// returns its runs.
func baseline(t *testing.T, fig *figures, suite string, w world, wantRuns int) []runResult {
	t.Helper()
	d := drive{faultRun: -1, maxRuns: wantRuns + 2}.run(t, w)
	if !d.completed || len(d.runs) != wantRuns {
		var b strings.Builder
		for _, r := range d.runs {
			fmt.Fprintf(&b, "\n  %v: exit %d %s", r.args[5:], r.code, firstLine(r.stderr))
		}
		t.Fatalf("[%s] the pipeline with no fault: completed %v in %d runs (want %d)%s\n%s", suite, d.completed, len(d.runs), wantRuns, b.String(), d.stuck)
	}
	if bad := checkFiles(w.home().dir); len(bad) > 0 {
		t.Fatalf("[%s] files after the run with no fault: %v", suite, bad)
	}
	c := w.count(t)
	for k, n := range c {
		if n > 1 && !kindOf(k).idempotent {
			t.Errorf("[%s] the run with no fault made %d of %q", suite, n, k)
		}
	}
	fig.setBaseline(suite, c)
	return d.runs
}

// writePoints are the kill points at the writes of a pipeline's runs: run r, Nth
// write, for N up to one past the last (which the run must end before reaching).
type writePoint struct {
	run, n   int
	what     string
	boundary string
}

func writePoints(runs []runResult) []writePoint {
	var out []writePoint
	prev := map[string]string{}
	for r, run := range runs {
		for _, x := range run.hits {
			p := writePoint{run: r, n: x.seq, what: x.describe()}
			if (x.point == faultpoint.Rename || x.point == faultpoint.DBSave) && !x.demoRecord() {
				now := stepStatuses(x.snap)
				p.boundary = boundary(prev, now)
				prev = now
			}
			out = append(out, p)
		}
		out = append(out, writePoint{run: r, n: len(run.hits) + 1, what: "past the run's last write"})
	}
	return out
}

func (p writePoint) label() string {
	s := fmt.Sprintf("run %d, write %d, %s", p.run+1, p.n, p.what)
	if p.boundary != "" {
		s += " [step boundary: " + p.boundary + "]"
	}
	return s
}

// killAtWrite is one kill point of the write sweep.
func killAtWrite(t *testing.T, fig *figures, suite string, w world, p writePoint, baseRuns int) {
	d := drive{faultRun: p.run, fault: fmt.Sprintf("*:%d", p.n), maxRuns: baseRuns + extraRuns}.run(t, w)
	o := outcome{suite: suite, point: p.label(), boundary: p.boundary, reached: d.killedAt == p.run}
	if !o.reached {
		if p.what != "past the run's last write" {
			t.Logf("run %d ended before its write %d (the run with no fault reached it)", p.run+1, p.n)
		}
		o.completed = d.completed
		fig.add(o)
		if !d.completed {
			t.Errorf("without reaching its fault point the pipeline did not finish: %s", d.stuck)
		}
		return
	}
	if d.killedHit.seq != p.n {
		o.notes = append(o.notes, fmt.Sprintf("killed at hit %d, not %d", d.killedHit.seq, p.n))
	}
	finish(t, w, &o, d, fig.base(suite))
	fig.add(o)
}

func TestFaults(t *testing.T) {
	fig := newFigures()
	mode := "full"
	if testing.Short() {
		mode = "short"
	}
	t.Run("all", func(t *testing.T) {
		t.Run("demo", func(t *testing.T) { t.Parallel(); demoSuite(t, fig) })
		t.Run("contract", func(t *testing.T) { t.Parallel(); contractSuite(t, fig, "contract", newContract) })
		t.Run("postgres", func(t *testing.T) { t.Parallel(); contractSuite(t, fig, "postgres", newContractOnPostgres) })
	})
	table := fig.table(mode)
	if *reportFile != "" {
		if err := os.WriteFile(*reportFile, []byte(table), 0o644); err != nil {
			t.Errorf("write the report: %v", err)
		}
	}
	if testing.Verbose() || *reportFile == "" {
		t.Log("\n" + table)
	}
	fig.check(t)
}

// demoSuite kills the demo procedure (four runs with no person, the outbox as the
// phone) at every write — each state save, each demo-service record, each outbox
// line — and, in the short run, at the step boundaries only.
func demoSuite(t *testing.T, fig *figures) {
	runs := baseline(t, fig, "demo", newDemo(t), 4)
	for _, p := range writePoints(runs) {
		if testing.Short() && p.boundary == "" {
			continue
		}
		t.Run(fmt.Sprintf("run%d-write%02d", p.run+1, p.n), func(t *testing.T) {
			t.Parallel()
			killAtWrite(t, fig, "demo", newDemo(t), p, len(runs))
		})
	}
}

// namedGate is a contract server's gate and the server's name.
type namedGate struct {
	name string
	g    *gate.Gate
}

// requestPoint is a kill point at one request to one server.
type requestPoint struct {
	server string
	index  int // into contractWorld.gates()
	n      int
	label  string
	run    int
	at     gate.Point
}

// writes are the requests that change something at the vendor.
func (p requestPoint) changes() bool {
	return p.label == "DATA" || strings.HasPrefix(p.label, "POST ") && !strings.HasSuffix(p.label, "/query") && !strings.Contains(p.label, "/oauth2/") && !strings.HasSuffix(p.label, "/preauth") ||
		strings.HasPrefix(p.label, "PATCH ")
}

// contractSuite kills the procedure on real providers against the contract-test
// servers: at every request each server receives, once while it is held unanswered
// (the vendor then carries it out: the answer is lost) and once just after its
// answer was sent; and at every state save, like the demo. newWorld makes the world
// each kill point runs in: progress in files (the contract suite), or in a team's
// PostgreSQL database (the postgres suite), where a save is a row's update.
func contractSuite(t *testing.T, fig *figures, suite string, newWorld func(*testing.T) *contractWorld) {
	w := newWorld(t)
	var points []requestPoint
	seen := make([]int, len(w.gates()))
	runs := baseline(t, fig, suite, &gateWatch{contractWorld: w, after: func(run int) {
		for i, ng := range w.gates() {
			labels := ng.g.Labels()
			for n := seen[i] + 1; n <= len(labels); n++ {
				for _, at := range []gate.Point{gate.Received, gate.Answered} {
					points = append(points, requestPoint{server: ng.name, index: i, n: n, label: labels[n-1], run: run, at: at})
				}
			}
			seen[i] = len(labels)
		}
	}}, 3)
	for _, p := range points {
		if testing.Short() && (p.at != gate.Answered || !p.changes()) {
			continue
		}
		t.Run(fmt.Sprintf("%s-%02d-%s", p.server, p.n, p.at), func(t *testing.T) {
			t.Parallel()
			killAtRequest(t, fig, suite, newWorld(t), p, len(runs))
		})
	}
	for _, p := range writePoints(runs) {
		if testing.Short() && p.boundary == "" {
			continue
		}
		t.Run(fmt.Sprintf("run%d-write%02d", p.run+1, p.n), func(t *testing.T) {
			t.Parallel()
			killAtWrite(t, fig, suite, newWorld(t), p, len(runs))
		})
	}
}

// gateWatch is a contract world that calls after once each run of the baseline has
// ended, so the requests can be told apart by run.
type gateWatch struct {
	*contractWorld
	after func(run int)
	runs  int
}

func (g *gateWatch) answer(t *testing.T, waitingOn string) []string {
	if g.runs > 0 {
		g.after(g.runs - 1)
	}
	g.runs++
	return g.contractWorld.answer(t, waitingOn)
}

func (g *gateWatch) count(t *testing.T) counts {
	g.after(g.runs - 1)
	return g.contractWorld.count(t)
}

// killAtRequest is one kill point of the request sweep, in w.
func killAtRequest(t *testing.T, fig *figures, suite string, w *contractWorld, p requestPoint, baseRuns int) {
	trap := w.gates()[p.index].g.Arm(p.n, p.at, w.h.killCurrent)
	what := map[gate.Point]string{gate.Received: "held unanswered (then carried out)", gate.Answered: "just after the answer"}[p.at]
	o := outcome{suite: suite, point: fmt.Sprintf("run %d, %s request %d %s, %s", p.run+1, p.server, p.n, p.label, what)}
	if p.label == "" {
		o.point = fmt.Sprintf("run %d, %s request %d, %s", p.run+1, p.server, p.n, what)
	}
	d := drive{faultRun: -1, maxRuns: baseRuns + extraRuns, onKill: func() {
		select {
		case <-trap.Done():
		case <-time.After(30 * time.Second):
			t.Errorf("the server did not finish the trapped request")
		}
	}}.run(t, w)
	o.reached = d.killedAt >= 0
	if !o.reached {
		o.notes = append(o.notes, "the trap was not reached")
		o.completed = d.completed
		fig.add(o)
		t.Logf("the trap at %s request %d (%s) was not reached", p.server, p.n, p.label)
		return
	}
	if got := trap.Label(); got != p.label {
		o.notes = append(o.notes, fmt.Sprintf("the trapped request was %q, not %q as with no fault", got, p.label))
	}
	finish(t, w, &o, d, fig.base(suite))
	fig.add(o)
}
