package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/mfa-onboard/mfa-onboard/internal/account"
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
		Use:   "status",
		Short: "Show where each step stands",
		Long: `Show where each step stands for one person, or with --all for everyone who has
started here: one line each, with the steps done, the step they are waiting on, when
their progress last changed and who ran that run.

--user (or --for) names the person; it may be left out when only one person has
started here. --live also asks Microsoft 365 and Duo what they hold, reading only,
and --receipt prints the completion receipt to paste into a ticket.`,
		Example: `  mfa-onboard status --user alice@contoso.com
  mfa-onboard status --all --waiting                   # everyone still waiting on their part
  mfa-onboard status --all --step verify --output csv > verify.csv
  mfa-onboard status --for alice@contoso.com --receipt`,
		Args: cobra.NoArgs,
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
	cmd.Flags().StringVar(&o.User, "user", "", "whose progress to show (needed when several people have started here)")
	cmd.Flags().StringVarP(&o.Output, "output", "o", "text", "result format: table (or text), json, or csv with --all")
	cmd.Flags().BoolVar(&o.All, "all", false, "everyone who has started here, one line each")
	cmd.Flags().BoolVar(&o.Waiting, "waiting", false, "with --all: only people waiting on a step")
	cmd.Flags().BoolVar(&o.Failed, "failed", false, "with --all: only people whose step failed")
	cmd.Flags().StringVar(&o.Step, "step", "", "with --all: only people at this step (its id, such as verify)")
	cmd.Flags().StringVar(&o.For, "for", "", "the same as --user, as a technician says it")
	cmd.Flags().BoolVar(&o.Live, "live", false, "also ask Microsoft 365 and Duo what they hold, and show where the record disagrees (reads only)")
	cmd.Flags().BoolVar(&o.Receipt, "receipt", false, "print the completion receipt, plain text to paste into the ticket")
	cmd.Flags().BoolVar(&o.Partial, "partial", false, "with --receipt: also for someone who has not finished")
	return cmd
}

// check refuses flags that do not go together before anything is read.
func (o *StatusOptions) check() error {
	who := "--user"
	switch {
	case o.For == "":
	case o.User != "" && !strings.EqualFold(strings.TrimSpace(o.User), strings.TrimSpace(o.For)):
		return usagef("--for and --user name two people: give one of them")
	default:
		o.User, who = o.For, "--for"
	}
	if o.Partial && !o.Receipt {
		return usagef("--partial is for --receipt: add --receipt, or leave out --partial")
	}
	if o.Receipt {
		switch {
		case o.All:
			return usagef("--receipt is one person's: leave out --all, and name them with --for")
		case o.Live:
			return usagef("--receipt shows the record, not the vendors: leave out --live (run status --live first to compare them)")
		case o.Output != "text" && o.Output != "table":
			return usagef("--receipt is plain text to paste into a ticket: leave out --output")
		}
	}
	switch o.Output {
	case "table":
		o.Output = "text"
	case "text", "json":
	case "csv":
		if !o.All {
			return usagef("--output csv lists everyone: add --all")
		}
	default:
		return usagef("--output %q: use table, json or csv", o.Output)
	}
	if !o.All {
		if o.Waiting || o.Failed || o.Step != "" {
			return usagef("--waiting, --failed and --step choose among everyone: add --all")
		}
		return nil
	}
	if o.User != "" {
		return usagef("--all lists everyone: leave out %s, or drop --all to see one person's steps", who)
	}
	if o.Step != "" {
		var ids []string
		for _, s := range steps.All() {
			if s.ID() == o.Step {
				return nil
			}
			ids = append(ids, s.ID())
		}
		return usagef("--step %q is not a step id: use one of %s", sanitize.Inline(o.Step), strings.Join(ids, ", "))
	}
	return nil
}

func runStatus(ctx context.Context, o *StatusOptions) error {
	home, err := o.F.Dir()
	if err != nil {
		return err
	}
	store := o.F.Store(home)
	if o.User != "" {
		// The address is shown back; one that is not an address is said to be so,
		// never echoed with whatever control characters it holds.
		if o.User, err = account.Parse(o.User); err != nil {
			return usagef("--user: %v", err)
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
	sum := summarize(list, st)
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
			fmt.Fprintf(o.F.IO.ErrOut, "Warning: %v\n", err)
		}
		switch {
		case busy && !started:
			fmt.Fprintf(w, "A run for %s is in progress on this computer right now; it has saved no progress yet.\n", sum.User)
			return nil
		case busy:
			fmt.Fprintf(w, "A run for %s is in progress on this computer right now, so the steps below may change.\n\n", sum.User)
		case !started:
			fmt.Fprintf(w, "Nobody by the address %s has started on this computer: run %s start to begin.\n", sum.User, o.F.ProgramName())
			return nil
		}
	}
	if err := writeTable(w, sum, carryOn(o.F, st)); err != nil || live == nil {
		return err
	}
	if live.Checked && len(live.Differences) == 0 {
		_, err := fmt.Fprintln(w, "\nLive: the vendors agree with the record, asked just now.")
		return err
	}
	return writeLiveLines(w, []string{st.User}, []*liveResult{live})
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
func findState(store *state.Store, user string) (*state.State, error) {
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
		names += fmt.Sprintf(" and %d more state files", more)
	}
	return nil, usagef("several people have started here (%s); choose one with --user", names)
}

// writeTable prints the summary for a person. The user and every reason come from a
// state file, which may hold anything: each is sanitised, and made one line, since a
// line break or a tab in a cell would break the table.
func writeTable(w io.Writer, sum wizard.Summary, again string) error {
	who := sanitize.Inline(sum.User)
	if who == "" {
		fmt.Fprintf(w, "Nobody has started yet: run %s.\n", again)
		return nil
	}
	switch sum.Outcome {
	case wizard.Completed:
		fmt.Fprintf(w, "%s: all steps done\n\n", who)
	case wizard.Failed:
		fmt.Fprintf(w, "%s: a step failed; run %s to try again\n\n", who, again)
	default:
		fmt.Fprintf(w, "%s: next step is %q; run %s to carry on\n\n", who, sanitize.Inline(sum.WaitingOn), again)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tSTEP\tSTATUS\tCHANGED\tNOTE")
	for i, s := range sum.Steps {
		changed := "-"
		if !s.Changed.IsZero() {
			changed = s.Changed.Local().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", i+1, sanitize.Inline(s.ID), sanitize.Inline(string(s.Status)), changed, sanitize.Inline(s.Reason))
	}
	return tw.Flush()
}

// summarize is wizard.Summarize plus what only this procedure knows: once the notice
// went out, whether MFA is required now and how, or that enforcement is pending, and
// why when a technician's run said.
func summarize(list []steps.Step, st *state.State) wizard.Summary {
	sum := wizard.Summarize(nil, list, st)
	notes := map[string]string{
		(steps.NotifySupport{}).ID(): enforcementLine(st),
		// A number registered on a technician's word says so wherever it is shown.
		(steps.Verify{}).ID(): steps.VerifyNote(st),
	}
	for i := range sum.Steps {
		if note := notes[sum.Steps[i].ID]; note != "" && sum.Steps[i].Reason == "" {
			sum.Steps[i].Reason = note
		}
	}
	return sum
}

// enforcementLine is the notify step's note once the notice went out, "" before.
func enforcementLine(st *state.State) string {
	n := st.Notice
	line := "notified, enforcement pending"
	switch {
	case n == nil || n.SentAt.IsZero():
		return ""
	case !steps.EnforcementPending(st):
		line = "notified; MFA required"
	}
	if n.EnforcementReason != "" {
		line += " (" + n.EnforcementReason + ")"
	}
	return line
}
