package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mfa-onboard/mfa-onboard/internal/batch"
	"github.com/mfa-onboard/mfa-onboard/internal/config"
	"github.com/mfa-onboard/mfa-onboard/internal/httpcall"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
	"github.com/mfa-onboard/mfa-onboard/steps"
)

// batchDir is the folder, beside the state folder, of the batch journals.
const batchDir = "batches"

// maxJobs bounds -j: the vendors' limits are shared by every worker, so more only
// queue at them.
const maxJobs = 64

// BatchOptions are the inputs of "batch".
type BatchOptions struct {
	F *Factory

	File        string
	Jobs        int
	RetryFailed bool
	DryRun      bool
	Output      string
	// Remind, after the batch, reminds the people of its file who have waited too
	// long on their part, as "remind" does.
	Remind bool
	// TrustPhone and Reason register every row's number without a texted code, on
	// the technician's word for the whole file (say, numbers from the customer's HR
	// system), each recorded in the audit.
	TrustPhone bool
	Reason     string

	// run is one person's run; nil means start --for's (tests give their own).
	run batch.RunOne
}

func newBatchCmd(f *Factory) *cobra.Command {
	o := &BatchOptions{F: f}
	cmd := &cobra.Command{
		Use:   "batch FILE.csv",
		Short: "Onboard everyone in a CSV file, several people at a time",
		Long: `Onboard everyone in a CSV file: each row is one person's run, as a technician's
start --for would make it, without questions. Several people are run at once (-j), and
every vendor is sent no more requests a second than limits.rate allows, all runs together.

The first line names the columns: user, phone, country and platform (ios or android),
optionally manager; other columns are checked and kept with the row, not yet used. A row that cannot be read
is reported with its line and skipped; the others go on.

Run the same command again to carry on: people already done are left alone, people
waiting on their part are tried again, and people whose run failed are reported and
left unless --retry-failed is given (or their row changed). Ctrl-C stops handing out
people, lets the runs under way stop safely, and prints the summary.

Exit codes: 0 everyone completed, 3 some wait on their part, 1 some failed or rows were
skipped, 2 the file or its header cannot be used, 130 stopped with Ctrl-C.`,
		Example: `  mfa-onboard batch users.csv --dry-run        # what would be done for each person
  mfa-onboard batch users.csv                  # everyone, up to 8 at a time
  mfa-onboard batch users.csv -j 4 --output json > results.jsonl
  mfa-onboard batch users.csv --retry-failed   # after fixing what the failures said`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("batch takes one CSV file, such as: mfa-onboard batch users.csv")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o.File = args[0]
			if err := o.check(); err != nil {
				return err
			}
			return runBatch(cmd.Context(), o)
		},
	}
	cmd.Flags().IntVarP(&o.Jobs, "jobs", "j", batch.DefaultJobs(), "how many people to run at once")
	cmd.Flags().BoolVar(&o.RetryFailed, "retry-failed", false, "run again the people whose last run in this batch failed")
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, "say what would be done for each person, and do nothing")
	cmd.Flags().StringVarP(&o.Output, "output", "o", "text", "result format: text, json (JSON Lines and a summary line) or csv")
	cmd.Flags().BoolVar(&o.Remind, "remind", false, "then remind this file's people who have waited too long on their part, as remind does")
	cmd.Flags().BoolVar(&o.TrustPhone, "trust-phone", false, "register each number without a texted code, on your word (needs --reason; recorded in the audit)")
	cmd.Flags().StringVar(&o.Reason, "reason", "", "why the numbers can be trusted without a code (with --trust-phone)")
	return cmd
}

func (o *BatchOptions) check() error {
	switch {
	case o.Output != "text" && o.Output != "json" && o.Output != "csv":
		return usagef("--output %q: use text, json or csv", o.Output)
	case o.Jobs < 1 || o.Jobs > maxJobs:
		return usagef("-j %d: run between 1 and %d people at once", o.Jobs, maxJobs)
	case o.TrustPhone && strings.TrimSpace(o.Reason) == "":
		return usagef("--trust-phone needs --reason: say why these numbers can be registered without a texted code")
	case !o.TrustPhone && o.Reason != "":
		return usagef("--reason goes with --trust-phone")
	}
	return nil
}

// batchWaiting ends a batch in which some people wait on their part: exit code 3.
type batchWaiting struct{ n int }

func (e batchWaiting) Error() string {
	return fmt.Sprintf("%d people wait on their part; run the same command again once they have done it", e.n)
}

func (e batchWaiting) Waiting() string { return "their part of the procedure" }

func runBatch(ctx context.Context, o *BatchOptions) error {
	f := o.F
	dir, cfg, err := f.DirAndConfig()
	if err != nil {
		return err
	}
	file, err := os.Open(o.File)
	if err != nil {
		return usagef("the batch file %s cannot be opened (%v): give the path of a CSV file", o.File, err)
	}
	defer file.Close()
	if fi, err := file.Stat(); err != nil || !fi.Mode().IsRegular() {
		return usagef("the batch file %s is not a file: give the path of a CSV file", o.File)
	}
	rows, err := batch.NewReader(file, cfg.DefaultCountry)
	if err != nil {
		return usagef("the batch file %s: %v", o.File, err)
	}
	journal, err := o.journal(dir)
	if err != nil {
		return err
	}
	defer journal.Close()

	store := f.Store(dir)
	// One client and one limiter per vendor for the whole batch: every person's run
	// uses these, and the live display shows their rates.
	vendors := newVendorClients(cfg.Limits.Rate, f.Clock)
	if o.run == nil {
		o.run = startFor(f, vendors, o.TrustPhone, o.Reason)
	}
	out, live := o.printers(cfg, vendors.limits)
	people := batchPeople{}
	engine := &batch.Engine{
		Jobs: o.Jobs, RunOne: o.run, Lookup: progressOf(store), Journal: journal,
		RetryFailed: o.RetryFailed, DryRun: o.DryRun, Now: f.Clock.Now,
		Report: func(res batch.Result) {
			if o.Remind { // kept only to be reminded: a batch of thousands need not hold them
				people.add(res.User)
			}
			out.Result(res)
			if live != nil {
				live.Result(res)
			}
		},
	}
	sum, runErr := engine.Run(ctx, rows)
	if live != nil {
		live.Close()
	}
	if err := out.Summary(sum); err != nil {
		return errors.Join(runErr, err)
	}
	if o.Output != "text" {
		_ = batch.NewTextPrinter(f.IO.ErrOut, o.File, false).Wrapped(f.IO.Width(f.IO.ErrTTY)).Summary(sum)
	}
	return people.remind(ctx, o, batchEnd(ctx, sum, runErr, o.DryRun))
}

// journal is the batch's journal in the customer's folder: held for a run, only read
// for a dry run.
func (o *BatchOptions) journal(dir string) (*batch.Journal, error) {
	path, err := batch.JournalPath(filepath.Join(dir, batchDir), o.File)
	if err != nil {
		return nil, err
	}
	if o.DryRun {
		return batch.ReadJournal(path)
	}
	return batch.OpenJournal(path)
}

// printers are the output the options ask for, and the live display when a person
// watches a terminal.
func (o *BatchOptions) printers(cfg *config.Config, limits *vendorLimits) (batch.Printer, *batch.Live) {
	f := o.F
	var live *batch.Live
	if f.IO.ErrTTY && f.IO.ErrFile != nil && !f.Plain() {
		live = batch.NewLive(f.IO.ErrOut, sanitize.Inline(filepath.Base(o.File)), meters(cfg, limits)).Wrapped(f.IO.Width(true))
	}
	switch o.Output {
	case "json":
		return batch.NewJSONPrinter(f.IO.Out, o.File, o.DryRun), live
	case "csv":
		return batch.NewCSVPrinter(f.IO.Out), live
	}
	// With the live display, the rows that need attention are shown above it and
	// only the summary is printed at the end.
	return batch.NewTextPrinter(f.IO.Out, o.File, live == nil).Wrapped(f.IO.Width(f.IO.OutTTY)), live
}

// meters are the limiters of the vendors the configuration uses, for the display.
func meters(cfg *config.Config, l *vendorLimits) []batch.Meter {
	p := cfg.Providers
	var use []*httpcall.Limiter
	add := func(on bool, lims ...*httpcall.Limiter) {
		if on {
			use = append(use, lims...)
		}
	}
	add(p.Duo == config.DuoName, l.duoAdmin, l.duoAuth)
	add(p.PhoneRegistration == config.GraphName || cfg.Graph.Configured(), l.graph)
	add(p.SMS == config.TwilioName, l.twilio)
	add(slices.Contains(p.Notify, config.Autotask), l.autotask)
	add(slices.Contains(p.Notify, config.ConnectWiseName), l.connectwise)
	add(slices.Contains(p.Notify, config.TeamsName), l.teams)
	add(slices.Contains(p.Notify, config.SlackName), l.slack)
	out := make([]batch.Meter, 0, len(use))
	for _, u := range use {
		out = append(out, batch.Meter{Name: u.Name(), Count: u.Requests})
	}
	return out
}

// progressOf reads where a person stands from their state: every step done or
// skipped is completed.
func progressOf(store *state.Store) batch.Lookup {
	return func(_ context.Context, user string) (batch.Progress, error) {
		st, err := store.Load(user)
		if err != nil && !errors.Is(err, state.ErrNotFound) {
			return batch.Progress{}, err
		}
		var left []string
		for _, s := range steps.All() {
			if st == nil {
				left = append(left, s.ID())
			} else if ss := st.Step(s.ID()).Status; ss != state.Done && ss != state.Skipped {
				left = append(left, s.ID())
			}
		}
		return batch.Progress{Completed: len(left) == 0, Remaining: left}, nil
	}
}

// batchEnd is the batch's exit: 130 when stopped, 1 for a failure of the batch or of
// any person or row, 3 when people wait, 0 when everyone is completed.
func batchEnd(ctx context.Context, sum batch.Summary, runErr error, dryRun bool) error {
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("the batch was stopped; progress is saved (%w)", context.Canceled)
	case runErr != nil:
		return runErr
	case sum.Count(batch.Skipped) > 0 && dryRun:
		return fmt.Errorf("%d rows of the file cannot be run: correct the lines named above", sum.Count(batch.Skipped))
	case dryRun:
		return nil
	case sum.Count(batch.Failed) > 0 || sum.Count(batch.Skipped) > 0:
		var what []string
		switch n := sum.Count(batch.Failed); n {
		case 0:
		case 1:
			what = append(what, "1 person failed")
		default:
			what = append(what, fmt.Sprintf("%d people failed", n))
		}
		if n := sum.Count(batch.Skipped); n > 0 {
			what = append(what, batch.Rows(n)+" skipped")
		}
		return fmt.Errorf("%s, each named above with why; everyone else is recorded, and the same command carries on", strings.Join(what, " and "))
	case sum.Count(batch.Waiting)+sum.Count(batch.Interrupted) > 0:
		return batchWaiting{n: sum.Count(batch.Waiting) + sum.Count(batch.Interrupted)}
	}
	return nil
}
