package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mfa-onboard/mfa-onboard/internal/account"
	"github.com/mfa-onboard/mfa-onboard/internal/prompt"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// ResetOptions are the inputs of "reset".
type ResetOptions struct {
	F *Factory

	User string
	Yes  bool
}

func newResetCmd(f *Factory) *cobra.Command {
	o := &ResetOptions{F: f}
	cmd := &cobra.Command{
		Use:   "reset",
		Short: "Forget a person's progress so that start begins again at step 1",
		Long: `Forget a person's progress so that start begins again at step 1.

Only this computer's record is removed: nothing is undone at Microsoft 365 or Duo,
and a re-run finds and reuses what is already there. It asks first unless --yes
is given (without a terminal it cannot ask, so --yes is needed), and the reset is
recorded in the audit. --user may be left out when only one person has started here.`,
		Example: `  mfa-onboard reset --user bob@contoso.com        # asks before forgetting
  mfa-onboard reset --user bob@contoso.com --yes  # then: mfa-onboard start --for bob@contoso.com`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runReset(cmd.Context(), o) },
	}
	cmd.Flags().StringVar(&o.User, "user", "", "whose progress to forget (needed when several people have started here)")
	cmd.Flags().BoolVarP(&o.Yes, "yes", "y", false, "do not ask for confirmation")
	return cmd
}

func runReset(ctx context.Context, o *ResetOptions) error {
	home, err := o.F.Dir()
	if err != nil {
		return err
	}
	store := o.F.Store(home)
	who := o.User
	if who != "" {
		if who, err = account.Parse(who); err != nil {
			return usagef("--user: %v", err)
		}
	}
	if who == "" {
		st, err := findState(store, "")
		if err != nil {
			return err
		}
		if st == nil {
			fmt.Fprintln(o.F.IO.ErrOut, "Nobody has started here: there is nothing to reset.")
			return nil
		}
		who = st.User
	} else if _, err := store.Load(who); errors.Is(err, state.ErrNotFound) {
		// This includes an old file under a name look-alike addresses shared that
		// names someone else: Delete would keep it, so asking to confirm, or saying
		// progress was forgotten, would mislead. Any other error is a file reset may
		// be meant to clear, and Delete decides what is theirs.
		fmt.Fprintf(o.F.IO.ErrOut, "Nobody by the address %s has started on this computer: there is nothing to reset.\n", who)
		return nil
	}
	if !o.Yes {
		if !o.F.Interactive() {
			return usagef("reset needs --yes when it cannot ask")
		}
		ok, err := o.F.Prompter(nil).Confirm(ctx, prompt.Question{
			Key:     "reset.confirm",
			Message: fmt.Sprintf("Forget the progress of %s?", who),
			Help:    "Start then begins again at step 1; nothing is undone at Microsoft 365 or Duo.",
			Default: "no",
		})
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintln(o.F.IO.ErrOut, "Nothing was changed.")
			return nil
		}
	}
	unlock, err := store.Lock(who)
	if errors.Is(err, state.ErrLocked) {
		return fmt.Errorf("another mfa-onboard is working for %s right now; close it before resetting", who)
	}
	if err != nil {
		return err
	}
	defer unlock()
	if err := store.Delete(who); err != nil {
		return errors.Join(err, recordReset(o.F.Audit(home), who, err))
	}
	if err := recordReset(o.F.Audit(home), who, nil); err != nil {
		return err
	}
	fmt.Fprintf(o.F.IO.ErrOut, "Progress of %s was forgotten; %s start begins again at step 1.\n", who, o.F.ProgramName())
	return nil
}
