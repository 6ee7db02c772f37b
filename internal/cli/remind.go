package cli

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/config"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/remind"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// RemindOptions are the inputs of "remind".
type RemindOptions struct {
	F *Factory

	DryRun bool
	Output string

	// only, when set, limits the reminders to these people (lower-cased addresses):
	// batch --remind, for the people of its file.
	only map[string]bool
}

func newRemindCmd(f *Factory) *cobra.Command {
	o := &RemindOptions{F: f}
	t := f.Text
	cmd := &cobra.Command{
		Use:     "remind",
		Short:   t.T("remind.cmd.short"),
		Long:    t.T("remind.cmd.long"),
		Example: t.T("remind.cmd.example"),
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.Output != "table" && o.Output != "text" && o.Output != "json" {
				return usage(catalog.NewError("remind.cmd.bad-output", "Output", strconv.Quote(sanitize.Inline(o.Output))))
			}
			return runRemind(cmd.Context(), o)
		},
	}
	cmd.Flags().BoolVar(&o.DryRun, "dry-run", false, t.T("remind.flag.dry-run"))
	cmd.Flags().StringVarP(&o.Output, "output", "o", "table", t.T("remind.flag.output"))
	return cmd
}

// remindFailed ends a remind in which some sends failed: exit 1, the others sent.
type remindFailed struct{ n int }

func (e remindFailed) Error() string { return e.Localize(nil) }

// Localize says how many failed in p's language.
func (e remindFailed) Localize(p *catalog.Printer) string {
	return p.T("remind.cmd.failed", "Count", e.n)
}

func runRemind(ctx context.Context, o *RemindOptions) error {
	f := o.F
	dir, cfg, err := f.DirAndConfig()
	if err != nil {
		return err
	}
	set, err := f.Providers(dir, cfg, f.Screen())
	if err != nil {
		return err
	}
	mailer, channel, err := personMailer(set, cfg)
	if err != nil {
		return err
	}
	store, err := f.Store(dir)
	if err != nil {
		return err
	}
	log, err := f.Audit(dir)
	if err != nil {
		return err
	}
	s := &remind.Sender{
		Store: keepRunner{store}, Mailer: mailer, Channel: channel, Log: log,
		Policy: remind.Policy{After: cfg.Remind.WaitAfter(), Every: cfg.Remind.Interval(), Max: cfg.Remind.Limit()},
		Texts: remind.Texts{Organisation: cfg.Organisation, SupportName: cfg.Support.Name, SupportEmail: cfg.Support.Email,
			Portal: cfg.Providers.SMS == config.Portal, SecurityInfo: cfg.Links.SecurityInfo},
		Now:  f.Clock.Now,
		Text: f.Text,
	}
	rows, tally, listErr, err := o.remindAll(ctx, s, store)
	if err != nil && !errors.Is(err, context.Canceled) {
		// The audit could not be written: what was done so far is still reported.
		_ = o.print(rows, tally, listErr)
		return err
	}
	if perr := o.print(rows, tally, listErr); perr != nil {
		return perr
	}
	if err != nil {
		return catalog.Wrap(err, "remind.cmd.stopped")
	}
	failed := 0
	for _, r := range rows {
		if !r.OK() {
			failed++
		}
	}
	switch {
	case failed > 0:
		return remindFailed{failed}
	case listErr != nil:
		return catalog.Wrap(listErr, "remind.cmd.unreadable")
	}
	return nil
}

// remindAll decides for everyone from a listing of the state folder, then sends what
// is due one person at a time, under each one's lock.
func (o *RemindOptions) remindAll(ctx context.Context, s *remind.Sender, store state.Store) ([]remind.Result, remind.Tally, error, error) {
	now := s.Now().UTC()
	type seen struct {
		plan remind.Plan
		ok   bool
	}
	// Decide is pure, so Collect may call it from several goroutines at once.
	all, listErr := state.Collect(store, func(st *state.State) seen {
		p, ok := remind.Decide(st, s.Policy, now)
		return seen{p, ok}
	})
	var tally remind.Tally
	rows := []remind.Result{}
	for _, one := range all {
		if !one.ok || o.only != nil && !o.only[strings.ToLower(one.plan.User)] {
			continue
		}
		tally.Waiting++
		if !one.plan.Due() {
			tally.Later++
			continue
		}
		if o.DryRun {
			rows = append(rows, s.Preview(one.plan))
			continue
		}
		if ctx.Err() != nil {
			return rows, tally, listErr, ctx.Err()
		}
		res, due, err := s.Send(ctx, one.plan)
		if due {
			rows = append(rows, res)
		} else {
			tally.Later++
		}
		if err != nil {
			return rows, tally, listErr, err
		}
	}
	return rows, tally, listErr, nil
}

func (o *RemindOptions) print(rows []remind.Result, tally remind.Tally, listErr error) error {
	w, text := o.F.IO.Out, o.F.Text
	for _, p := range problems(text, listErr) {
		fmt.Fprintln(o.F.IO.ErrOut, text.T("remind.cmd.note", "Problem", sanitize.Line(p)))
	}
	if o.Output == "json" {
		return writeEscapedJSON(w, remind.Report{Schema: remind.Schema, DryRun: o.DryRun, Reminders: rows, Problems: problems(text, listErr)})
	}
	return remind.WriteTable(text, w, rows, tally, o.DryRun)
}

// personMailer is the first providers.notify channel that can mail a person, and its
// name there. Channels that cannot (webhooks, PSA tickets) are not even built, so
// that their secrets are not needed.
func personMailer(set provider.Set, cfg *config.Config) (provider.PersonMailer, string, error) {
	r, ok := set.(*roles)
	if ok {
		for _, name := range cfg.Providers.Notify {
			if name != config.Fake && name != config.SMTPName && name != config.GraphMailName {
				continue
			}
			n, err := r.buildNotifier(name)
			if err != nil {
				return nil, "", err
			}
			if m, ok := n.(provider.PersonMailer); ok {
				return m, name, nil
			}
		}
	}
	return nil, "", &config.Error{File: "config", Err: catalog.NewError("remind.cmd.no-mail-channel", "Channels", strings.Join(cfg.Providers.Notify, ", "))}
}

// keepRunner saves a person's state without making the reminding run its last run:
// status --all's RAN BY names who last worked on their procedure, which a reminder
// is not.
type keepRunner struct{ state.Store }

func (k keepRunner) Save(st *state.State) error { return k.Store.SaveAsLastRun(st) }

// batchPeople are the people of a batch's file, for batch --remind; Report calls never
// overlap, so it needs no lock.
type batchPeople map[string]bool

func (b batchPeople) add(user string) {
	if user != "" {
		b[strings.ToLower(user)] = true
	}
}

// remind runs remind for the batch's people once the batch has ended with batchErr,
// unless it was stopped or --remind was not given. Its table goes to stdout after a
// text batch's summary, and to stderr when stdout carries JSON Lines or CSV. A failed
// reminder makes the exit 1 (or 2 for a config that cannot remind anyone) unless the
// batch itself failed.
func (b batchPeople) remind(ctx context.Context, o *BatchOptions, batchErr error) error {
	if !o.Remind || ctx.Err() != nil {
		return batchErr
	}
	f := *o.F
	if o.Output != "text" {
		io := *f.IO
		io.Out = f.IO.ErrOut
		f.IO = &io
	}
	fmt.Fprintln(f.IO.Out)
	err := runRemind(ctx, &RemindOptions{F: &f, DryRun: o.DryRun, Output: "table", only: b})
	var waiting interface{ Waiting() string }
	switch {
	case err == nil:
		return batchErr
	case batchErr == nil || errors.As(batchErr, &waiting):
		return err
	}
	return errors.Join(batchErr, err)
}
