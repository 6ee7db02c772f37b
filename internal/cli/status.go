package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
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
}

func newStatusCmd(f *Factory) *cobra.Command {
	o := &StatusOptions{F: f}
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show where each step stands",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(o.Output); err != nil {
				return err
			}
			user := func() string { return o.User }
			return oneResult(o.F, o.Output, user, func() error { return runStatus(cmd.Context(), o) })
		},
	}
	cmd.Flags().StringVar(&o.User, "user", "", "whose progress to show (needed when several people have started here)")
	cmd.Flags().StringVarP(&o.Output, "output", "o", "text", "result format: text or json")
	return cmd
}

func runStatus(_ context.Context, o *StatusOptions) error {
	home, err := o.F.Home()
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
	if o.Output == "json" {
		return writeJSON(o.F.IO.Out, sum)
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
			fmt.Fprintf(w, "Nobody by the address %s has started on this computer: run mfa-onboard start to begin.\n", sum.User)
			return nil
		}
	}
	return writeTable(w, sum)
}

// findState loads the state of user, or of the only person who has started; nil
// means nobody has started. Without user, any file List could not read stops it,
// even beside one readable person: the unreadable one may be whom it is meant for.
func findState(store *state.Store, user string) (*state.State, error) {
	if user != "" {
		st, err := store.Load(user)
		if errors.Is(err, state.ErrNotFound) {
			return nil, nil
		}
		return st, err
	}
	all, err := store.List()
	if err != nil {
		return nil, listProblem(err)
	}
	switch len(all) {
	case 0:
		return nil, nil
	case 1:
		return all[0], nil
	}
	names := ""
	for _, s := range all {
		names += " " + s.User
	}
	return nil, usagef("several people have started here (%s); choose one with --user", names[1:])
}

// writeTable prints the summary for a person. The user and every reason come from a
// state file, which may hold anything: each is sanitised, and made one line, since a
// line break or a tab in a cell would break the table.
func writeTable(w io.Writer, sum wizard.Summary) error {
	who := sanitize.Inline(sum.User)
	if who == "" {
		fmt.Fprintln(w, "Nobody has started yet: run mfa-onboard start.")
		return nil
	}
	switch sum.Outcome {
	case wizard.Completed:
		fmt.Fprintf(w, "%s: all steps done\n\n", who)
	case wizard.Failed:
		fmt.Fprintf(w, "%s: a step failed; run mfa-onboard start to try again\n\n", who)
	default:
		fmt.Fprintf(w, "%s: next step is %q; run mfa-onboard start to carry on\n\n", who, sanitize.Inline(sum.WaitingOn))
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
	sum := wizard.Summarize(list, st)
	if line := enforcementLine(st); line != "" {
		for i := range sum.Steps {
			if sum.Steps[i].ID == (steps.NotifySupport{}).ID() && sum.Steps[i].Reason == "" {
				sum.Steps[i].Reason = line
			}
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
