package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mfa-onboard/mfa-onboard/internal/account"
	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
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
		Use:     "reset",
		Short:   f.Text.T("cli.reset.short"),
		Long:    f.Text.T("cli.reset.long"),
		Example: f.Text.T("cli.reset.example"),
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return runReset(cmd.Context(), o) },
	}
	cmd.Flags().StringVar(&o.User, "user", "", f.Text.T("cli.reset.flag.user"))
	cmd.Flags().BoolVarP(&o.Yes, "yes", "y", false, f.Text.T("cli.reset.flag.yes"))
	return cmd
}

func runReset(ctx context.Context, o *ResetOptions) error {
	p := o.F.Text
	home, err := o.F.Dir()
	if err != nil {
		return err
	}
	store, err := o.F.Store(home)
	if err != nil {
		return err
	}
	who := o.User
	if who != "" {
		if who, err = account.Parse(who); err != nil {
			return usage(catalog.Wrap(err, "cli.flag.user-invalid"))
		}
	}
	if who == "" {
		st, err := findState(store, "")
		if err != nil {
			return err
		}
		if st == nil {
			fmt.Fprintln(o.F.IO.ErrOut, p.T("cli.reset.nobody"))
			return nil
		}
		who = st.User
	} else if _, err := store.Load(who); errors.Is(err, state.ErrNotFound) {
		// This includes an old file under a name look-alike addresses shared that
		// names someone else: Delete would keep it, so asking to confirm, or saying
		// progress was forgotten, would mislead. Any other error is a file reset may
		// be meant to clear, and Delete decides what is theirs.
		fmt.Fprintln(o.F.IO.ErrOut, p.T("cli.reset.not-started", "User", who))
		return nil
	}
	if !o.Yes {
		if !o.F.Interactive() {
			return usage(catalog.NewError("cli.reset.needs-yes"))
		}
		ok, err := o.F.Prompter(nil).Confirm(ctx, prompt.Question{
			Key:     "reset.confirm",
			Message: p.T("cli.reset.confirm", "User", who),
			Help:    p.T("cli.reset.confirm.help"),
			Default: "no",
		})
		if err != nil {
			return err
		}
		if !ok {
			fmt.Fprintln(o.F.IO.ErrOut, p.T("cli.reset.unchanged"))
			return nil
		}
	}
	unlock, err := store.Lock(who)
	if errors.Is(err, state.ErrLocked) {
		return catalog.NewError("cli.reset.locked", "User", who)
	}
	if err != nil {
		return err
	}
	defer unlock()
	log, err := o.F.Audit(home)
	if err != nil {
		return err
	}
	if err := store.Delete(who); err != nil {
		return errors.Join(err, recordReset(log, who, err))
	}
	if err := recordReset(log, who, nil); err != nil {
		return err
	}
	fmt.Fprintln(o.F.IO.ErrOut, p.T("cli.reset.done", "User", who, "Program", o.F.ProgramName()))
	return nil
}
