package batch

import (
	"context"
	"errors"
	"io"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// Status is how one person's part of a batch ended.
type Status string

// The statuses of a person in a batch. They are part of the JSON and CSV output.
const (
	// Completed: every step is done, by this batch (now or in an earlier run of it).
	Completed Status = "completed"
	// Waiting: the run stopped at a step that needs the person; the same command
	// tries again.
	Waiting Status = "waiting"
	// Failed: the run stopped at an error; the same command leaves it unless
	// --retry-failed is given or the person's row changed.
	Failed Status = "failed"
	// Skipped: the row could not be read as a person; nothing was run.
	Skipped Status = "skipped"
	// Unchanged: the person had finished before this batch; nothing was run.
	Unchanged Status = "unchanged"
	// Interrupted: the batch was stopped (Ctrl-C) while the person's run went on;
	// their progress is saved and the same command carries on.
	Interrupted Status = "interrupted"
	// WouldRun: a dry run's person whose run would go on at Outcome.Remaining.
	WouldRun Status = "would-run"
)

// Outcome is what one person's run ended as.
type Outcome struct {
	Status Status
	// Step is the step the person waits at, or the one that failed.
	Step   string
	Reason string
	// Remaining are the steps not done yet, in order (a dry run says them).
	Remaining []string
}

// Result is one row of the batch as it is reported.
type Result struct {
	Line int
	// User is "" for a row skipped before its address could be read.
	User string
	Outcome
	// Earlier is true when this outcome is an earlier run's of the same batch, and
	// nothing was run for the person now.
	Earlier bool
	// By is the teammate whose computer ran the person in this run of a shared batch
	// (Earlier is true too); nil when it was this computer or an earlier run.
	By *state.Runner
}

// Progress is where a person stands, as their own state says.
type Progress struct {
	Completed bool
	// Remaining are the steps not done, in order.
	Remaining []string
}

// RunOne runs the procedure for one person, without a keyboard, and says how it
// ended. It must stop at its next safe point once ctx is done, progress saved.
type RunOne func(ctx context.Context, row Row) (Outcome, error)

// Lookup reads a person's state.
type Lookup func(ctx context.Context, user string) (Progress, error)

// DefaultJobs is how many people are run at once unless told otherwise:
// min(8, 2 × CPUs). A run spends nearly all its time waiting — on a vendor's answer,
// or on that vendor's rate limiter, which every worker shares — so a few more
// workers than CPUs overlap those waits; but past rate × latency of the slowest
// vendor (about 10 requests/s × 300 ms ≈ 3 calls in flight) more workers only queue
// at the limiter, each holding a person's lock and a run in the middle that Ctrl-C
// has to wind down. On the demo, whose runs are file work, 2 per CPU keeps a small
// machine responsive.
func DefaultJobs() int { return min(8, 2*runtime.NumCPU()) }

// Engine runs a batch.
type Engine struct {
	// Jobs is how many people are run at once; 0 means DefaultJobs.
	Jobs   int
	RunOne RunOne
	Lookup Lookup
	// Journal records each person's outcome; nil keeps no record (and a dry run
	// never writes one: give it a journal from ReadJournal).
	Journal *Journal
	// Team, instead of Journal, shares the batch with the other computers running
	// it: each person is claimed before being run, and a person another computer is
	// running is waited for once the rows are read.
	Team Team
	// Poll is how often a person another computer is running is looked at again
	// (zero: every half second).
	Poll time.Duration
	// RetryFailed runs again the people whose last run in this batch failed.
	RetryFailed bool
	// DryRun says, per person, what would be done, and runs nothing.
	DryRun bool
	// Report hears of each row once, as it ends; calls never overlap.
	Report func(Result)
	// Now stamps journal entries; nil is time.Now.
	Now func() time.Time
	// Text is the language of the reasons the engine gives itself (nil: English).
	Text *catalog.Printer

	mu  sync.Mutex
	sum Summary
	err error
	// taken are the rows another computer was running when they were read.
	taken []Row
}

// Summary counts a batch's rows by status.
type Summary struct {
	// Rows is how many rows were read after the header, good and bad.
	Rows   int
	Counts map[Status]int
	// Stopped is true when the batch was stopped before the end of the file: the
	// rows after the last one read were not looked at.
	Stopped bool
	// ByTeam is how many rows another computer of the team ran, in this run of a
	// shared batch (counted in Counts too, by their outcome).
	ByTeam int
}

// Count is how many rows ended as s.
func (s Summary) Count(st Status) int { return s.Counts[st] }

// Run reads rows from r and runs each good one. When ctx is done no more rows are
// handed out, the runs under way end at their next safe point, and Run returns the
// summary so far with Stopped set. The error is for the batch as a whole: the file
// or the journal could not be read or written on.
func (e *Engine) Run(ctx context.Context, r *Reader) (Summary, error) {
	e.sum = Summary{Counts: map[Status]int{}}
	jobs := e.Jobs
	if jobs <= 0 {
		jobs = DefaultJobs()
	}
	rows := make(chan Row)
	var wg sync.WaitGroup
	for range jobs {
		wg.Go(func() {
			for row := range rows {
				if res, taken := e.one(ctx, row); !taken {
					e.end(res, row.Fingerprint())
				} else {
					e.setAside(row)
				}
			}
		})
	}
	var readErr error
	for {
		if ctx.Err() != nil || e.failed() {
			e.stop()
			break
		}
		row, err := r.Next()
		var bad *RowError
		if errors.Is(err, io.EOF) {
			break
		}
		if errors.As(err, &bad) {
			e.end(Result{Line: bad.Line, User: bad.User, Outcome: Outcome{Status: Skipped, Reason: bad.Reason}}, "")
			continue
		}
		if err != nil {
			readErr = catalog.Wrap(err, "batch.file-unreadable")
			break
		}
		select {
		case rows <- row:
		case <-ctx.Done():
			// Read but never handed out: it is one of the rows not looked at.
			e.stop()
		}
	}
	close(rows)
	wg.Wait()
	e.awaitTaken(ctx, jobs)
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sum, errors.Join(readErr, e.err)
}

func (e *Engine) setAside(row Row) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.taken = append(e.taken, row)
}

// awaitTaken ends the rows another computer was running when they were read: each
// is looked at every Poll until that computer has ended it (its outcome is
// reported) or has stopped renewing its part (the person is run here). So each
// computer's batch reports every row, and one killed half way is finished by the
// others.
func (e *Engine) awaitTaken(ctx context.Context, jobs int) {
	e.mu.Lock()
	taken := e.taken
	e.taken = nil
	e.mu.Unlock()
	if len(taken) == 0 {
		return
	}
	poll := e.Poll
	if poll <= 0 {
		poll = 500 * time.Millisecond
	}
	rows := make(chan Row)
	var wg sync.WaitGroup
	for range min(jobs, len(taken)) {
		wg.Go(func() {
			for row := range rows {
				// Once the batch is stopped, one claims nobody and ends the row as it
				// stands.
				res, again := e.one(ctx, row)
				for again {
					select {
					case <-ctx.Done():
					case <-time.After(poll):
					}
					res, again = e.one(ctx, row)
				}
				e.end(res, row.Fingerprint())
			}
		})
	}
	for _, row := range taken {
		rows <- row
	}
	close(rows)
	wg.Wait()
}

func (e *Engine) stop() {
	e.mu.Lock()
	e.sum.Stopped = true
	e.mu.Unlock()
}

func (e *Engine) failed() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.err != nil
}

// one decides what to do for one person, and does it. The person's state decides
// whether they are done; the journal only what this batch did about them. taken is
// true when another computer of the team is running the person now.
func (e *Engine) one(ctx context.Context, row Row) (res Result, taken bool) {
	res = Result{Line: row.Line, User: row.User}
	if e.Team != nil && !e.DryRun && ctx.Err() == nil {
		// Claimed first, whatever is then found: while this computer holds the person
		// in this run, their state and outcome are its own to read and record, and
		// nobody else's run of them can end between the two.
		c, err := e.Team.Claim(ctx, row.User)
		switch {
		case err != nil:
			res.Outcome = e.trouble(err)
			return res, false
		case c.State == Taken:
			return res, true
		case c.State == Ended:
			res.Outcome = Outcome{Status: c.Entry.Status, Step: c.Entry.Step, Reason: c.Entry.Reason}
			res.Earlier, res.By = true, c.By
			return res, false
		}
	}
	prior, known, err := e.last(ctx, row.User)
	if err != nil {
		res.Outcome = e.trouble(err)
		return res, false
	}
	prog, err := e.Lookup(ctx, row.User)
	switch {
	case err != nil:
		res.Outcome = e.trouble(err)
		return res, false
	case prog.Completed && known && prior.Status == Completed:
		res.Outcome, res.Earlier = Outcome{Status: Completed}, true
		return res, false
	case prog.Completed:
		res.Outcome = Outcome{Status: Unchanged}
		return res, false
	case known && prior.Status == Failed && !e.RetryFailed && prior.Row == row.Fingerprint():
		res.Outcome, res.Earlier = Outcome{Status: Failed, Step: prior.Step, Reason: prior.Reason}, true
		return res, false
	case e.DryRun:
		res.Outcome = Outcome{Status: WouldRun, Remaining: prog.Remaining}
		if len(prog.Remaining) > 0 {
			res.Step = prog.Remaining[0]
		}
		return res, false
	case ctx.Err() != nil:
		// Handed out as the batch was stopped: not started.
		res.Outcome = Outcome{Status: Interrupted, Reason: e.Text.T("batch.stopped-before-run")}
		return res, false
	}
	out, err := e.RunOne(ctx, row)
	switch {
	case err != nil && ctx.Err() != nil:
		out.Status = Interrupted
		if out.Reason == "" {
			out.Reason = e.Text.T("batch.stopped-during-run")
		}
	case errors.Is(err, state.ErrUnreachable):
		out = e.trouble(err)
	case err != nil:
		out.Status = Failed
		if out.Reason == "" {
			out.Reason = e.Text.Error(err)
		}
	case out.Status != Completed && out.Status != Waiting && out.Status != Failed && out.Status != Interrupted:
		out = Outcome{Status: Failed, Reason: e.Text.T("batch.unknown-status", "Status", strconv.Quote(string(out.Status)))}
	}
	res.Outcome = out
	return res, false
}

// trouble is the outcome of a person whose run could not go on: failed, unless the
// shared store could not be reached, which says nothing about the person — they
// are interrupted, and the same command carries on with them.
func (e *Engine) trouble(err error) Outcome {
	if errors.Is(err, state.ErrUnreachable) {
		return Outcome{Status: Interrupted, Reason: e.Text.Error(err)}
	}
	return Outcome{Status: Failed, Reason: e.Text.Error(err)}
}

// last is the person's latest outcome in this batch: the team's, or the journal's.
func (e *Engine) last(ctx context.Context, user string) (Entry, bool, error) {
	if e.Team != nil {
		return e.Team.Last(ctx, user)
	}
	prior, known := e.Journal.Last(user)
	return prior, known, nil
}

// end records res (in the journal, or with the team: a database's round trip, made
// before the engine's lock is taken so that the other workers' rows need not wait
// for it), then counts and reports it, one row at a time.
func (e *Engine) end(res Result, fingerprint string) {
	var err error
	if e.shouldRecord(res) {
		now := time.Now
		if e.Now != nil {
			now = e.Now
		}
		entry := Entry{Time: now().UTC(), Line: res.Line, User: res.User, Status: res.Status, Step: res.Step, Reason: res.Reason, Row: fingerprint}
		if e.Team != nil {
			err = e.Team.End(context.Background(), entry)
		} else {
			err = e.Journal.Append(entry)
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if err != nil && e.err == nil {
		e.err = err
	}
	e.sum.Rows++
	e.sum.Counts[res.Status]++
	if res.By != nil {
		e.sum.ByTeam++
	}
	if e.Report != nil {
		e.Report(res)
	}
}

// shouldRecord is true for an outcome the journal does not hold yet. An interrupted
// run is not recorded: it did not end, and the same command runs it on. In a team's
// batch every outcome this computer found is recorded, the earlier ones too: it ends
// the person's claim, which the other computers wait for.
func (e *Engine) shouldRecord(res Result) bool {
	if e.Team != nil {
		return !e.DryRun && res.User != "" && res.By == nil && res.Status != Interrupted && res.Status != Skipped
	}
	if e.Journal == nil || e.DryRun || res.Earlier || res.User == "" {
		return false
	}
	switch res.Status {
	case Completed, Waiting, Failed:
		return true
	case Unchanged:
		prior, known := e.Journal.Last(res.User)
		return !known || prior.Status != Unchanged
	}
	return false
}
