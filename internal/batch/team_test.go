package batch_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/batch"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// teamRun is one shared run of a batch in memory, as the team's database keeps it:
// a claim a person, and who of the computers is still taking part.
type teamRun struct {
	mu     sync.Mutex
	claims map[string]*teamClaim
	gone   map[string]bool
	// last is each person's latest outcome.
	last map[string]batch.Entry
}

type teamClaim struct {
	by    string
	ended *batch.Entry
}

func newTeamRun() *teamRun {
	return &teamRun{claims: map[string]*teamClaim{}, gone: map[string]bool{}, last: map[string]batch.Entry{}}
}

// part is one computer's part in the run.
type part struct {
	run *teamRun
	me  string
}

func (p part) Last(_ context.Context, user string) (batch.Entry, bool, error) {
	p.run.mu.Lock()
	defer p.run.mu.Unlock()
	e, ok := p.run.last[user]
	return e, ok, nil
}

func (p part) Claim(_ context.Context, user string) (batch.Claim, error) {
	p.run.mu.Lock()
	defer p.run.mu.Unlock()
	c := p.run.claims[user]
	switch {
	case c == nil || (c.ended == nil && (c.by == p.me || p.run.gone[c.by])):
		p.run.claims[user] = &teamClaim{by: p.me}
		return batch.Claim{State: batch.Mine}, nil
	case c.ended != nil:
		return batch.Claim{State: batch.Ended, Entry: *c.ended, By: &state.Runner{Technician: c.by}}, nil
	}
	return batch.Claim{State: batch.Taken, By: &state.Runner{Technician: c.by}}, nil
}

func (p part) End(_ context.Context, e batch.Entry) error {
	p.run.mu.Lock()
	defer p.run.mu.Unlock()
	c := p.run.claims[e.User]
	if c == nil {
		c = &teamClaim{by: p.me}
		p.run.claims[e.User] = c
	}
	if c.by == p.me {
		c.ended = &e
		p.run.last[e.User] = e
	}
	return nil
}

// leave ends the part, as Close does: its unfinished claims are free.
func (p part) leave() {
	p.run.mu.Lock()
	defer p.run.mu.Unlock()
	p.run.gone[p.me] = true
}

// teamBatch runs csvPath on one computer of the team, and returns how each row was
// reported: the status by user, and who ran the person when another computer did.
func teamBatch(t *testing.T, ctx context.Context, csvPath string, w *world, p part) map[string]string {
	t.Helper()
	r := readerOf(t, csvPath)
	var mu sync.Mutex
	got := map[string]string{}
	e := &batch.Engine{Jobs: 4, RunOne: w.run, Lookup: w.lookup, Team: p, Poll: time.Millisecond, Report: func(res batch.Result) {
		mu.Lock()
		defer mu.Unlock()
		if _, twice := got[fmt.Sprint(res.Line)]; twice {
			t.Errorf("%s: line %d was reported twice", p.me, res.Line)
		}
		got[fmt.Sprint(res.Line)] = ""
		if res.User == "" || res.Status == batch.Skipped {
			return
		}
		s := string(res.Status)
		if res.By != nil {
			s += " by " + res.By.Technician
		}
		got[res.User] = s
	}}
	if _, err := e.Run(ctx, r); err != nil {
		t.Fatal(err)
	}
	return got
}

// Two computers running one batch at once: each person is run by one of them, and
// each computer reports every row, the other's people with the other's outcome and
// name.
func TestTwoComputersRunEachPersonOnceAndBothReportEveryone(t *testing.T) {
	const n = 300
	path, w := generated(t, n)
	w.slow = time.Millisecond
	run := newTeamRun()
	var wg sync.WaitGroup
	var ana, ben map[string]string
	wg.Go(func() { ana = teamBatch(t, context.Background(), path, w, part{run, "ana"}) })
	wg.Go(func() { ben = teamBatch(t, context.Background(), path, w, part{run, "ben"}) })
	wg.Wait()
	for user, times := range w.worked {
		if times != 1 {
			t.Errorf("%s was run %d times by the team's one run of the batch", user, times)
		}
	}
	byAna, byBen := 0, 0
	for i := range n {
		user := fmt.Sprintf("user%04d@contoso.com", i)
		a, b := ana[user], ben[user]
		if i%50 == 7 {
			continue // a bad row: skipped by both
		}
		if strings.TrimSuffix(a, " by ben") != strings.TrimSuffix(b, " by ana") {
			t.Errorf("%s: Ana's batch says %q, Ben's %q; want one outcome", user, a, b)
		}
		switch {
		case strings.HasSuffix(a, " by ben"):
			byBen++
		case strings.HasSuffix(b, " by ana"):
			byAna++
		}
	}
	if byAna == 0 || byBen == 0 {
		t.Errorf("Ana's computer ran %d people and Ben's %d; want the work shared", byAna, byBen)
	}
}

// One computer stopped half way (Ctrl-C) leaves; the other, still running, takes
// over the people the first had claimed and not finished, and ends everyone.
func TestAComputerThatLeavesHalfWayIsFinishedByTheOther(t *testing.T) {
	const n = 200
	path, w := generated(t, n)
	w.slow = time.Millisecond
	run := newTeamRun()
	ctx, cancel := context.WithCancel(context.Background())
	w.stopAt, w.stop = "user0060@contoso.com", cancel
	ana, ben := part{run, "ana"}, part{run, "ben"}
	var wg sync.WaitGroup
	var anaSaw, benSaw map[string]string
	wg.Go(func() {
		anaSaw = teamBatch(t, ctx, path, w, ana)
		ana.leave()
	})
	wg.Go(func() { benSaw = teamBatch(t, context.Background(), path, w, ben) })
	wg.Wait()
	for i := range n {
		user := fmt.Sprintf("user%04d@contoso.com", i)
		if i%50 == 7 {
			continue
		}
		if st := benSaw[user]; st == "" || strings.HasPrefix(st, "interrupted") {
			t.Errorf("%s: Ben's batch ended them %q; want every person ended", user, st)
		}
		// A run Ana's Ctrl-C interrupted did not end, and is run again, as on one
		// computer; any other is run once.
		if got := w.worked[user]; got > 1 && anaSaw[user] != string(batch.Interrupted) {
			t.Errorf("%s was run %d times (Ana's batch said %q)", user, got, anaSaw[user])
		}
	}
}

// A team's database that could not be reached says nothing about the person: their
// run is interrupted, not failed, and not recorded, so the same command carries on
// with them.
func TestAnUnreachableStoreInterruptsAPersonRatherThanFailingThem(t *testing.T) {
	path, w := generated(t, 3)
	run := newTeamRun()
	down := fmt.Errorf("load user0001: %w", state.ErrUnreachable)
	lookup := func(ctx context.Context, user string) (batch.Progress, error) {
		if user == "user0001@contoso.com" {
			return batch.Progress{}, down
		}
		return w.lookup(ctx, user)
	}
	r := readerOf(t, path)
	got := map[string]batch.Status{}
	e := &batch.Engine{Jobs: 1, RunOne: w.run, Lookup: lookup, Team: part{run, "ana"}, Report: func(res batch.Result) { got[res.User] = res.Status }}
	if _, err := e.Run(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if got["user0001@contoso.com"] != batch.Interrupted {
		t.Errorf("the person whose state could not be read ended %q; want interrupted", got["user0001@contoso.com"])
	}
	if _, recorded := run.last["user0001@contoso.com"]; recorded {
		t.Error("the interrupted person's outcome was recorded; the next run would not carry on with them")
	}
	if got["user0000@contoso.com"] != batch.Completed {
		t.Errorf("the others: user0000 ended %q; want completed", got["user0000@contoso.com"])
	}
}
