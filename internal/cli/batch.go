package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/spf13/cobra"

	"github.com/mfa-onboard/mfa-onboard/internal/batch"
	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
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
	t := f.Text
	cmd := &cobra.Command{
		Use:     "batch FILE.csv", // untranslated: a command line, with its placeholder
		Short:   t.T("batch.cmd.short"),
		Long:    t.T("batch.cmd.long"),
		Example: t.T("batch.cmd.example"),
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usage(catalog.NewError("batch.cmd.one-file"))
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
	cmd.Flags().IntVarP(&o.Jobs, "jobs", "j", batch.DefaultJobs(), t.T("batch.flag.jobs"))
	cmd.Flags().BoolVar(&o.RetryFailed, "retry-failed", false, t.T("batch.flag.retry-failed"))
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, t.T("batch.flag.dry-run"))
	cmd.Flags().StringVarP(&o.Output, "output", "o", "text", t.T("batch.flag.output"))
	cmd.Flags().BoolVar(&o.Remind, "remind", false, t.T("batch.flag.remind"))
	cmd.Flags().BoolVar(&o.TrustPhone, "trust-phone", false, t.T("batch.flag.trust-phone"))
	cmd.Flags().StringVar(&o.Reason, "reason", "", t.T("batch.flag.reason"))
	return cmd
}

func (o *BatchOptions) check() error {
	switch {
	case o.Output != "text" && o.Output != "json" && o.Output != "csv":
		return usage(catalog.NewError("batch.cmd.bad-output", "Output", strconv.Quote(o.Output)))
	case o.Jobs < 1 || o.Jobs > maxJobs:
		return usage(catalog.NewError("batch.cmd.bad-jobs", "Jobs", o.Jobs, "Max", maxJobs))
	case o.TrustPhone && strings.TrimSpace(o.Reason) == "":
		return usage(catalog.NewError("batch.cmd.trust-needs-reason"))
	case !o.TrustPhone && o.Reason != "":
		return usage(catalog.NewError("batch.cmd.reason-needs-trust"))
	}
	return nil
}

// batchWaiting ends a batch in which some people wait on their part: exit code 3.
type batchWaiting struct{ n int }

func (e batchWaiting) Error() string { return e.Localize(nil) }

// Localize says who waits in p's language.
func (e batchWaiting) Localize(p *catalog.Printer) string {
	return p.T("batch.end.waiting", "Count", e.n)
}

// Waiting is what the batch waits on, for the exit code (untranslated: never printed).
func (e batchWaiting) Waiting() string { return "their part of the procedure" }

// batchFailed ends a batch in which people failed or rows were skipped: exit code 1.
type batchFailed struct{ failed, skipped int }

func (e batchFailed) Error() string { return e.Localize(nil) }

// Localize says how many failed and were skipped in p's language.
func (e batchFailed) Localize(p *catalog.Printer) string {
	switch {
	case e.skipped == 0:
		return p.T("batch.end.failed", "Count", e.failed)
	case e.failed == 0:
		return p.T("batch.end.skipped", "Count", e.skipped)
	}
	return p.T("batch.end.failed-and-skipped",
		"Failed", p.T("batch.end.people-failed", "Count", e.failed),
		"Skipped", p.T("batch.end.rows-skipped", "Count", e.skipped))
}

func runBatch(ctx context.Context, o *BatchOptions) error {
	f := o.F
	dir, cfg, err := f.DirAndConfig()
	if err != nil {
		return err
	}
	file, err := os.Open(o.File)
	if err != nil {
		return usage(catalog.Wrap(err, "batch.cmd.cannot-open", "File", o.File))
	}
	defer file.Close()
	if fi, err := file.Stat(); err != nil || !fi.Mode().IsRegular() {
		return usage(catalog.NewError("batch.cmd.not-a-file", "File", o.File))
	}
	rows, err := batch.NewReader(file, cfg.DefaultCountry)
	if err != nil {
		return usage(catalog.Wrap(err, "batch.cmd.bad-file", "File", o.File))
	}
	rows.WithText(f.Text)
	store, err := f.Store(dir)
	if err != nil {
		return err
	}
	// One client and one limiter per vendor for the whole batch: every person's run
	// uses these, and the live display shows their rates.
	vendors := newVendorClients(cfg.Limits.Rate, f.Clock)
	var parts atomic.Int64 // the customer's batches sharing each vendor's limit
	share := func(n int) {
		vendors.limits.share(n)
		parts.Store(int64(n))
	}
	journal, team, leave, err := o.record(ctx, dir, store, share)
	if err != nil {
		return err
	}
	defer leave()
	defer journal.Close()
	if o.run == nil {
		o.run = startFor(f, vendors, o.TrustPhone, o.Reason)
	}
	out, live := o.printers(cfg, vendors.limits)
	if live != nil && team != nil && !o.DryRun {
		live.Team(func() int { return int(parts.Load()) })
	}
	people := batchPeople{}
	engine := &batch.Engine{
		Jobs: o.Jobs, RunOne: o.run, Lookup: progressOf(store), Journal: journal, Team: team,
		RetryFailed: o.RetryFailed, DryRun: o.DryRun, Now: f.Clock.Now, Text: f.Text,
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
		_ = batch.NewTextPrinter(f.IO.ErrOut, o.File, false).Wrapped(f.IO.Width(f.IO.ErrTTY)).WithText(f.Text).Summary(sum)
	}
	return people.remind(ctx, o, batchEnd(ctx, sum, runErr, o.DryRun))
}

// record is where the batch's outcomes are kept: with the team's progress when the
// store shares batches between computers (the batch is known by its file's name,
// the same on every computer; a dry run only reads it), else in the batch's journal
// in the customer's folder. leave ends this computer's part in a shared batch.
func (o *BatchOptions) record(ctx context.Context, dir string, store state.Store, share func(int)) (j *batch.Journal, team batch.Team, leave func() error, err error) {
	leave = func() error { return nil }
	name := filepath.Base(o.File)
	teams, ok := store.(batch.Teams)
	switch {
	case !ok:
		j, err := o.journal(dir)
		return j, nil, leave, err
	case o.DryRun:
		return nil, teams.BatchRecord(name), leave, nil
	}
	release, instance, err := batch.HoldTeamBatch(filepath.Join(dir, batchDir), name)
	if err != nil {
		return nil, nil, leave, err
	}
	run, err := teams.JoinBatch(ctx, name, instance, share)
	if err != nil {
		_ = release()
		return nil, nil, leave, catalog.Wrap(err, "batch.cmd.join", "File", name)
	}
	return nil, run, func() error { return errors.Join(run.Close(), release()) }, nil
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
		live = batch.NewLive(f.IO.ErrOut, sanitize.Inline(filepath.Base(o.File)), meters(cfg, limits), f.Text).Wrapped(f.IO.Width(true))
	}
	switch o.Output {
	case "json":
		return batch.NewJSONPrinter(f.IO.Out, o.File, o.DryRun), live
	case "csv":
		return batch.NewCSVPrinter(f.IO.Out), live
	}
	// With the live display, the rows that need attention are shown above it and
	// only the summary is printed at the end.
	return batch.NewTextPrinter(f.IO.Out, o.File, live == nil).Wrapped(f.IO.Width(f.IO.OutTTY)).WithText(f.Text), live
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
func progressOf(store state.Store) batch.Lookup {
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
		return catalog.Wrap(context.Canceled, "batch.end.stopped")
	case runErr != nil:
		return runErr
	case sum.Count(batch.Skipped) > 0 && dryRun:
		return catalog.NewError("batch.end.dry-run-skipped", "Count", sum.Count(batch.Skipped))
	case dryRun:
		return nil
	case sum.Count(batch.Failed) > 0 || sum.Count(batch.Skipped) > 0:
		return batchFailed{failed: sum.Count(batch.Failed), skipped: sum.Count(batch.Skipped)}
	case sum.Count(batch.Waiting)+sum.Count(batch.Interrupted) > 0:
		return batchWaiting{n: sum.Count(batch.Waiting) + sum.Count(batch.Interrupted)}
	}
	return nil
}
