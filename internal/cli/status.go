package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mfa-onboard/mfa-onboard/internal/account"
	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
	"github.com/mfa-onboard/mfa-onboard/internal/wizard"
	"github.com/mfa-onboard/mfa-onboard/steps"
)

// StatusOptions are the inputs of "status".
type StatusOptions struct {
	F *Factory

	User   string
	Output string
	// For is --for, another name for --user in a technician's words.
	For string

	// Live asks Microsoft 365 and Duo what they hold and shows where the record
	// disagrees; Receipt prints the completion receipt, Partial also for someone
	// not finished.
	Live    bool
	Receipt bool
	Partial bool

	// All lists everyone who has started here, filtered by Waiting, Failed and Step.
	All     bool
	Waiting bool
	Failed  bool
	Step    string
}

func newStatusCmd(f *Factory) *cobra.Command {
	o := &StatusOptions{F: f}
	cmd := &cobra.Command{
		Use:     "status",
		Short:   f.Text.T("cli.status.short"),
		Long:    f.Text.T("cli.status.long"),
		Example: f.Text.T("cli.status.example"),
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := o.check(); err != nil {
				return err
			}
			if o.All {
				return runStatusAll(cmd.Context(), o)
			}
			if o.Receipt {
				return runReceipt(cmd.Context(), o)
			}
			user := func() string { return o.User }
			return oneResult(o.F, o.Output, user, func() error { return runStatus(cmd.Context(), o) })
		},
	}
	cmd.Flags().StringVar(&o.User, "user", "", f.Text.T("cli.status.flag.user"))
	cmd.Flags().StringVarP(&o.Output, "output", "o", "text", f.Text.T("cli.status.flag.output"))
	cmd.Flags().BoolVar(&o.All, "all", false, f.Text.T("cli.status.flag.all"))
	cmd.Flags().BoolVar(&o.Waiting, "waiting", false, f.Text.T("cli.status.flag.waiting"))
	cmd.Flags().BoolVar(&o.Failed, "failed", false, f.Text.T("cli.status.flag.failed"))
	cmd.Flags().StringVar(&o.Step, "step", "", f.Text.T("cli.status.flag.step"))
	cmd.Flags().StringVar(&o.For, "for", "", f.Text.T("cli.status.flag.for"))
	cmd.Flags().BoolVar(&o.Live, "live", false, f.Text.T("cli.status.flag.live"))
	cmd.Flags().BoolVar(&o.Receipt, "receipt", false, f.Text.T("cli.status.flag.receipt"))
	cmd.Flags().BoolVar(&o.Partial, "partial", false, f.Text.T("cli.status.flag.partial"))
	return cmd
}

// check refuses flags that do not go together before anything is read.
func (o *StatusOptions) check() error {
	who := "--user"
	switch {
	case o.For == "":
	case o.User != "" && !strings.EqualFold(strings.TrimSpace(o.User), strings.TrimSpace(o.For)):
		return usage(catalog.NewError("cli.status.for-and-user"))
	default:
		o.User, who = o.For, "--for"
	}
	if o.Partial && !o.Receipt {
		return usage(catalog.NewError("cli.status.partial-alone"))
	}
	if o.Receipt {
		switch {
		case o.All:
			return usage(catalog.NewError("cli.status.receipt-all"))
		case o.Live:
			return usage(catalog.NewError("cli.status.receipt-live"))
		case o.Output != "text" && o.Output != "table":
			return usage(catalog.NewError("cli.status.receipt-output"))
		}
	}
	switch o.Output {
	case "table":
		o.Output = "text"
	case "text", "json":
	case "csv":
		if !o.All {
			return usage(catalog.NewError("cli.status.csv-alone"))
		}
	default:
		return usage(catalog.NewError("cli.status.output", "Value", strconv.Quote(o.Output)))
	}
	if !o.All {
		if o.Waiting || o.Failed || o.Step != "" {
			return usage(catalog.NewError("cli.status.filter-alone"))
		}
		return nil
	}
	if o.User != "" {
		return usage(catalog.NewError("cli.status.all-and-user", "Flag", who))
	}
	if o.Step != "" {
		var ids []string
		for _, s := range steps.All() {
			if s.ID() == o.Step {
				return nil
			}
			ids = append(ids, s.ID())
		}
		return usage(catalog.NewError("cli.status.bad-step", "Step", strconv.Quote(sanitize.Inline(o.Step)), "Steps", strings.Join(ids, ", ")))
	}
	return nil
}

func runStatus(ctx context.Context, o *StatusOptions) error {
	home, err := o.F.Dir()
	if err != nil {
		return err
	}
	store, err := o.F.Store(home)
	if err != nil {
		return err
	}
	if o.User != "" {
		// The address is shown back; one that is not an address is said to be so,
		// never echoed with whatever control characters it holds.
		if o.User, err = account.Parse(o.User); err != nil {
			return usage(catalog.Wrap(err, "cli.flag.user-invalid"))
		}
	}
	st, err := findState(store, o.User)
	if err != nil {
		return err
	}
	list := steps.All()
	started := st != nil
	if !started {
		// Nothing was saved, so there is no time of a last change to report.
		st = state.New(o.User, time.Time{})
	}
	p := o.F.Text
	sum := summarize(p, list, st)
	var live *liveResult
	if o.Live && started {
		checker, err := liveCheckerFor(o)
		if err != nil {
			return err
		}
		if live = checker.check(ctx, claimOf(st)); ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if o.Output == "json" {
		return writeStatusJSON(o.F.IO.Out, sum, st.LastRun, live)
	}
	w := o.F.IO.Out
	if sum.User != "" {
		busy, err := store.Busy(sum.User)
		if err != nil {
			// The saved progress is still worth showing; only the warning is lost.
			fmt.Fprintln(o.F.IO.ErrOut, p.T("cli.status.warning", "Err", err))
		}
		switch {
		case busy && !started:
			fmt.Fprintln(w, p.T("cli.status.busy-unsaved", "User", sum.User))
			return nil
		case busy:
			fmt.Fprintf(w, "%s\n\n", p.T("cli.status.busy", "User", sum.User))
		case !started:
			fmt.Fprintln(w, p.T("cli.status.not-started", "User", sum.User, "Program", o.F.ProgramName()))
			return nil
		}
	}
	if err := writeTable(w, p, sum, carryOn(o.F, st)); err != nil || live == nil {
		return err
	}
	if live.Checked && len(live.Differences) == 0 {
		_, err := fmt.Fprintf(w, "\n%s\n", p.T("cli.status.live-agrees"))
		return err
	}
	return writeLiveLines(w, p, []string{st.User}, []*liveResult{live})
}

// carryOn is the command that carries on for the person: a technician's --for where
// a technician runs their procedure, the profile where there is one.
func carryOn(f *Factory, st *state.State) string {
	if st == nil {
		return startCommand(f.ProgramName(), "", false)
	}
	return startCommand(f.ProgramName(), st.User, st.ByTechnician)
}

// startCommand is carryOn's command for program (ProgramName) and the person.
func startCommand(program, user string, byTechnician bool) string {
	cmd := program + " start"
	switch {
	case user == "":
		return cmd
	case byTechnician:
		return cmd + " --for " + sanitize.Inline(user)
	}
	return cmd + " --user " + sanitize.Inline(user)
}

// findState loads the state of user, or of the only person who has started; nil
// means nobody has started. Without user, any file read that could not be used stops
// it, even beside one readable person: the unreadable one may be whom it is meant
// for. Files are read only until a second person is found (state.Store.Sole), so
// this costs the same for two people as for ten thousand.
func findState(store state.Store, user string) (*state.State, error) {
	if user != "" {
		st, err := store.Load(user)
		if errors.Is(err, state.ErrNotFound) {
			return nil, nil
		}
		return st, err
	}
	found, err := store.Sole()
	if err != nil {
		return nil, listProblem(err)
	}
	if found.Several == nil {
		return found.State, nil
	}
	names := strings.Join(found.Several, ", ")
	if more := found.Files - len(found.Several); more > 0 {
		return nil, usage(catalog.NewError("cli.status.several-more", "Users", names, "Count", more))
	}
	return nil, usage(catalog.NewError("cli.status.several", "Users", names))
}

// writeTable prints the summary for a person, in p's language. The user and every
// reason come from a state file, which may hold anything: each is sanitised, and
// made one line, since a line break or a tab in a cell would break the table.
func writeTable(w io.Writer, p *catalog.Printer, sum wizard.Summary, again string) error {
	who := sanitize.Inline(sum.User)
	if who == "" {
		fmt.Fprintln(w, p.T("cli.status.nobody", "Command", again))
		return nil
	}
	switch sum.Outcome {
	case wizard.Completed:
		fmt.Fprintf(w, "%s\n\n", p.T("cli.status.all-done", "User", who))
	case wizard.Failed:
		fmt.Fprintf(w, "%s\n\n", p.T("cli.status.failed", "User", who, "Command", again))
	default:
		fmt.Fprintf(w, "%s\n\n", p.T("cli.status.next", "User", who, "Step", strconv.Quote(sanitize.Inline(sum.WaitingOn)), "Command", again))
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, p.T("cli.status.header"))
	for i, s := range sum.Steps {
		changed := "-"
		if !s.Changed.IsZero() {
			changed = s.Changed.Local().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", i+1, sanitize.Inline(s.ID), sanitize.Inline(statusWord(p, s.Status)), changed, sanitize.Inline(s.Reason))
	}
	return tw.Flush()
}

// statusWord is a step's status as a table says it to a person: the word in p's
// language for each status the record knows, and an unknown one (from a newer
// version's state file) as it is.
func statusWord(p *catalog.Printer, s state.Status) string {
	switch s {
	case state.Pending:
		return p.T("cli.status.word.pending")
	case state.Waiting:
		return p.T("cli.status.word.waiting")
	case state.Done:
		return p.T("cli.status.word.done")
	case state.Failed:
		return p.T("cli.status.word.failed")
	case state.Skipped:
		return p.T("cli.status.word.skipped")
	}
	return string(s)
}

// summarize is wizard.Summarize plus what only this procedure knows, in p's
// language: once the notice went out, whether MFA is required now and how, or that
// enforcement is pending, and why when a technician's run said.
func summarize(p *catalog.Printer, list []steps.Step, st *state.State) wizard.Summary {
	sum := wizard.Summarize(p, list, st)
	notes := map[string]string{
		(steps.NotifySupport{}).ID(): enforcementLine(p, st),
		// A number registered on a technician's word says so wherever it is shown.
		(steps.Verify{}).ID(): steps.VerifyNote(p, st),
	}
	for i := range sum.Steps {
		if note := notes[sum.Steps[i].ID]; note != "" && sum.Steps[i].Reason == "" {
			sum.Steps[i].Reason = note
		}
	}
	return sum
}

// enforcementLine is the notify step's note once the notice went out, "" before.
func enforcementLine(p *catalog.Printer, st *state.State) string {
	n := st.Notice
	switch {
	case n == nil || n.SentAt.IsZero():
		return ""
	case !steps.EnforcementPending(st) && n.EnforcementReason != "":
		return p.T("cli.status.note.required-because", "Reason", n.EnforcementReason)
	case !steps.EnforcementPending(st):
		return p.T("cli.status.note.required")
	case n.EnforcementReason != "":
		return p.T("cli.status.note.pending-because", "Reason", n.EnforcementReason)
	}
	return p.T("cli.status.note.pending")
}
