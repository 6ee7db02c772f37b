package batch_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/batch"
)

// world is a customer's people as the fake run sees them: who is done, and how many
// times each person's run did its work.
type world struct {
	mu   sync.Mutex
	done map[string]bool
	// worked counts the runs that did something for a person (not those that found
	// the batch stopped and returned at once).
	worked map[string]int
	// fail makes a person's run fail until it is cleared (the cause fixed).
	fail map[string]bool
	// stopAt, when set, is the person whose run stops the batch, as Ctrl-C would.
	stopAt string
	stop   context.CancelFunc
	// slow is how long each run takes, as a vendor's answers would.
	slow time.Duration
}

// generated writes a CSV of n people and returns it with the world they live in.
// Person i: every 50th (from 7) has a bad phone, every 40th (from 3) finished before
// the batch, every 10th (from 1) fails, every 10th (from 2) waits at verify; the rest
// complete. The last row repeats person 5.
func generated(t testing.TB, n int) (string, *world) {
	t.Helper()
	w := &world{done: map[string]bool{}, worked: map[string]int{}, fail: map[string]bool{}}
	var b strings.Builder
	b.WriteString("user,phone,country,platform,department\n")
	for i := range n {
		user := fmt.Sprintf("user%04d@contoso.com", i)
		number := fmt.Sprintf("+1201555%04d", i)
		if i%50 == 7 {
			number = "12345"
		}
		if i%40 == 3 {
			w.done[user] = true
		}
		if i%10 == 1 {
			w.fail[user] = true
		}
		platform := []string{"ios", "android"}[i%2]
		fmt.Fprintf(&b, "%s,%s,US,%s,=dept%d\n", user, number, platform, i%7)
	}
	fmt.Fprintf(&b, "user0005@contoso.com,+12015559999,US,ios,again\n")
	path := filepath.Join(t.TempDir(), "users.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, w
}

var allSteps = []string{"phone", "verify", "notify-support", "duo-enroll", "duo-test"}

func (w *world) lookup(_ context.Context, user string) (batch.Progress, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.done[user] {
		return batch.Progress{Completed: true}, nil
	}
	return batch.Progress{Remaining: allSteps}, nil
}

func (w *world) run(ctx context.Context, row batch.Row) (batch.Outcome, error) {
	if err := ctx.Err(); err != nil {
		return batch.Outcome{}, err // the next safe point: nothing done
	}
	time.Sleep(w.slow)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.worked[row.User]++
	if row.User == w.stopAt {
		w.stop()
	}
	var n int
	fmt.Sscanf(row.User, "user%04d@", &n)
	switch {
	case w.fail[row.User]:
		return batch.Outcome{Step: "duo-enroll"}, errors.New("duo refused the phone")
	case n%10 == 2:
		return batch.Outcome{Status: batch.Waiting, Step: "verify", Reason: "needs the texted code"}, nil
	}
	w.done[row.User] = true
	return batch.Outcome{Status: batch.Completed}, nil
}

// report is what a batch said about each row: the status by user (or line, for a
// row without one) and the counts.
type report struct {
	status map[string]batch.Status
	sum    batch.Summary
}

// readerOf reads the CSV at path, closed at the test's end.
func readerOf(t testing.TB, path string) *batch.Reader {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	r, err := batch.NewReader(f, "US")
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func runBatch(t testing.TB, ctx context.Context, csvPath string, w *world, configure func(*batch.Engine)) report {
	t.Helper()
	r := readerOf(t, csvPath)
	jp, err := batch.JournalPath(filepath.Join(filepath.Dir(csvPath), "batches"), csvPath)
	if err != nil {
		t.Fatal(err)
	}
	j, err := batch.OpenJournal(jp)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	rep := report{status: map[string]batch.Status{}}
	seen := map[int]bool{}
	e := &batch.Engine{Jobs: 4, RunOne: w.run, Lookup: w.lookup, Journal: j, Report: func(res batch.Result) {
		if seen[res.Line] {
			t.Errorf("line %d was reported twice", res.Line)
		}
		seen[res.Line] = true
		key := res.User
		if res.Status == batch.Skipped {
			key = fmt.Sprintf("line %d", res.Line)
		}
		rep.status[key] = res.Status
	}}
	if configure != nil {
		configure(e)
	}
	sum, err := e.Run(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	rep.sum = sum
	return rep
}

func TestEngineEndsEveryPersonInTheirStateAndRunsNoneTwice(t *testing.T) {
	const n = 300
	path, w := generated(t, n)
	rep := runBatch(t, context.Background(), path, w, nil)

	want := map[batch.Status]int{}
	for i := range n {
		user := fmt.Sprintf("user%04d@contoso.com", i)
		var st batch.Status
		switch {
		case i%50 == 7:
			st = batch.Skipped
			user = fmt.Sprintf("line %d", i+2)
		case i%40 == 3:
			st = batch.Unchanged
		case i%10 == 1:
			st = batch.Failed
		case i%10 == 2:
			st = batch.Waiting
		default:
			st = batch.Completed
		}
		want[st]++
		if got := rep.status[user]; got != st {
			t.Errorf("%s ended %q, want %q", user, got, st)
		}
	}
	want[batch.Skipped]++ // the duplicate of person 5
	if !maps.Equal(rep.sum.Counts, want) || rep.sum.Rows != n+1 || rep.sum.Stopped {
		t.Errorf("summary = %+v, want counts %v over %d rows, not stopped", rep.sum, want, n+1)
	}
	for user, times := range w.worked {
		if times != 1 {
			t.Errorf("%s was run %d times in one batch", user, times)
		}
		if w.done[user] && rep.status[user] == batch.Unchanged {
			t.Errorf("%s had finished before the batch, and was run", user)
		}
	}
}

func TestEngineStoppedHalfWayThenRunAgainEndsAsACleanRunDoes(t *testing.T) {
	const n = 300
	cleanPath, clean := generated(t, n)
	want := runBatch(t, context.Background(), cleanPath, clean, nil)

	path, w := generated(t, n)
	ctx, cancel := context.WithCancel(context.Background())
	w.stopAt, w.stop = "user0150@contoso.com", cancel
	first := runBatch(t, ctx, path, w, nil)
	if !first.sum.Stopped || first.sum.Rows >= n {
		t.Fatalf("the stopped batch = %+v; want it stopped before the end", first.sum)
	}
	completedFirst := maps.Clone(w.done)
	w.stopAt = ""
	again := runBatch(t, context.Background(), path, w, nil)

	if !maps.Equal(again.status, want.status) {
		for user, st := range want.status {
			if again.status[user] != st {
				t.Errorf("%s: after the stop and a second run %q, after a clean run %q", user, again.status[user], st)
			}
		}
	}
	if !maps.Equal(again.sum.Counts, want.sum.Counts) || again.sum.Rows != want.sum.Rows {
		t.Errorf("summary after the stop and a second run = %+v, after a clean run %+v", again.sum, want.sum)
	}
	for user, times := range w.worked {
		var n int
		fmt.Sscanf(user, "user%04d@", &n)
		waits := n%10 == 2
		if times > 1 && !waits {
			t.Errorf("%s was run %d times; only people who wait are run again", user, times)
		}
		if completedFirst[user] && times > 1 {
			t.Errorf("%s was completed by the first run and run again", user)
		}
	}
}

func TestEngineRetriesFailedPeopleOnlyWhenToldOrTheirRowChanged(t *testing.T) {
	path, w := generated(t, 60)
	runBatch(t, context.Background(), path, w, nil)
	for user := range w.fail {
		delete(w.fail, user) // the cause is fixed
	}
	again := runBatch(t, context.Background(), path, w, nil)
	if again.status["user0001@contoso.com"] != batch.Failed || w.worked["user0001@contoso.com"] != 1 {
		t.Errorf("without --retry-failed the failed person was run again: %q, %d runs", again.status["user0001@contoso.com"], w.worked["user0001@contoso.com"])
	}

	// A corrected row is a new request: it runs without --retry-failed.
	data, _ := os.ReadFile(path)
	data = []byte(strings.Replace(string(data), "user0011@contoso.com,+12015550011,US,android", "user0011@contoso.com,+12015550111,US,android", 1))
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	again = runBatch(t, context.Background(), path, w, nil)
	if again.status["user0011@contoso.com"] != batch.Completed {
		t.Errorf("the person whose row was corrected ended %q, want completed", again.status["user0011@contoso.com"])
	}

	retried := runBatch(t, context.Background(), path, w, func(e *batch.Engine) { e.RetryFailed = true })
	if retried.status["user0001@contoso.com"] != batch.Completed || w.worked["user0001@contoso.com"] != 2 {
		t.Errorf("with --retry-failed the failed person ended %q after %d runs, want completed after 2", retried.status["user0001@contoso.com"], w.worked["user0001@contoso.com"])
	}
	if w.worked["user0000@contoso.com"] != 1 {
		t.Errorf("a completed person was run %d times", w.worked["user0000@contoso.com"])
	}
}

func TestEngineDryRunSaysWhatWouldBeDoneAndRunsNothing(t *testing.T) {
	path, w := generated(t, 20)
	f, _ := os.Open(path)
	defer f.Close()
	r, err := batch.NewReader(f, "US")
	if err != nil {
		t.Fatal(err)
	}
	var got []batch.Result
	e := &batch.Engine{Jobs: 2, RunOne: w.run, Lookup: w.lookup, DryRun: true, Report: func(res batch.Result) { got = append(got, res) }}
	if _, err := e.Run(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	if len(w.worked) != 0 {
		t.Errorf("a dry run ran %v", w.worked)
	}
	for _, res := range got {
		switch {
		case res.User == "user0003@contoso.com" && res.Status != batch.Unchanged:
			t.Errorf("the person already done is %q in the dry run, want unchanged", res.Status)
		case res.User == "user0000@contoso.com" && (res.Status != batch.WouldRun || len(res.Remaining) != len(allSteps) || res.Step != "phone"):
			t.Errorf("the person not started is %+v in the dry run, want would-run from phone with every step", res)
		}
	}
}

func TestJournalKeepsOneBatchAtATime(t *testing.T) {
	p := filepath.Join(t.TempDir(), "b", "x.jsonl")
	j, err := batch.OpenJournal(p)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	if _, err := batch.OpenJournal(p); !errors.Is(err, batch.ErrBusy) {
		t.Errorf("a second open of a journal in use = %v, want ErrBusy", err)
	}
}

func TestJournalPassesOverATornLastLine(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.jsonl")
	torn := `{"time":"2026-01-01T00:00:00Z","line":2,"user":"a@contoso.com","status":"failed","row":"r"}` + "\n" + `{"time":"2026-01-01T00:00:01Z","line":3,"user":"b@con`
	if err := os.WriteFile(p, []byte(torn), 0o600); err != nil {
		t.Fatal(err)
	}
	j, err := batch.OpenJournal(p)
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := j.Last("a@contoso.com"); !ok || e.Status != batch.Failed {
		t.Errorf("Last(a) = %+v, %v; want the failed entry", e, ok)
	}
	if err := j.Append(batch.Entry{User: "c@contoso.com", Status: batch.Completed}); err != nil {
		t.Fatal(err)
	}
	j.Close()
	again, err := batch.ReadJournal(p)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := again.Last("c@contoso.com"); !ok {
		t.Error("the entry written after a torn line was lost")
	}
}

// What the journal gives back is what the batch decides by: a failure's step,
// reason and row (to leave it alone, and say why), and only the status of anyone
// else, whose reason it does not hold on to for each of thousands of people.
func TestJournalRemembersWhatTheBatchDecidesBy(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.jsonl")
	j, err := batch.OpenJournal(p)
	if err != nil {
		t.Fatal(err)
	}
	waiting := batch.Entry{Line: 2, User: "a@contoso.com", Status: batch.Waiting, Step: "verify", Reason: "ask them for the texted code", Row: "r1"}
	failed := batch.Entry{Line: 3, User: "b@contoso.com", Status: batch.Failed, Step: "duo-enroll", Reason: "Duo refused the number", Row: "r2"}
	for _, e := range []batch.Entry{waiting, failed} {
		if err := j.Append(e); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	for name, jr := range map[string]*batch.Journal{"as written": j, "read back": must(batch.ReadJournal(p))} {
		if e, _ := jr.Last("a@contoso.com"); e != (batch.Entry{User: "a@contoso.com", Status: batch.Waiting}) {
			t.Errorf("%s: Last(a) = %+v; want the user and status only", name, e)
		}
		if e, _ := jr.Last("b@contoso.com"); e != (batch.Entry{User: "b@contoso.com", Status: batch.Failed, Step: "duo-enroll", Reason: "Duo refused the number", Row: "r2"}) {
			t.Errorf("%s: Last(b) = %+v; want the failure's step, reason and row", name, e)
		}
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// BenchmarkBatch runs 1,000 people through the engine with a run that returns at
// once: what the engine itself costs per person (reading, journal, reporting).
func BenchmarkBatch(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		path, w := generated(b, 1000)
		b.StartTimer()
		runBatch(b, context.Background(), path, w, nil)
	}
}
