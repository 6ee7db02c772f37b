package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/screen"
)

// CheckOptions are the inputs of "providers check".
type CheckOptions struct {
	F *Factory
}

func newProvidersCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "providers",
		Short:   f.Text.T("cli.providers.short"),
		Long:    f.Text.T("cli.providers.long"),
		Example: f.Text.T("cli.providers.example"),
		Args:    unknownSubcommand,
		RunE:    showHelp,
	}
	cmd.AddCommand(newCheckCmd(f, "check"))
	return cmd
}

func newCheckCmd(f *Factory, use string) *cobra.Command {
	o := &CheckOptions{F: f}
	// "check" is "providers check"; "doctor" is the same command at the top level.
	path := use
	if use == "check" {
		path = "providers check" // untranslated: a command line
	}
	return &cobra.Command{
		Use:     use,
		Short:   f.Text.T("cli.check.short"),
		Long:    f.Text.T("cli.check.long"),
		Example: f.Text.T("cli.check.example", "Command", path),
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return runCheck(cmd.Context(), o) },
	}
}

// errChecksFailed ends "providers check" with exit 1 after the lines said why.
var errChecksFailed = catalog.NewError("cli.check.failed")

func runCheck(ctx context.Context, o *CheckOptions) error {
	f := o.F
	home, cfg, err := f.DirAndConfig()
	if err != nil {
		return err
	}
	set, err := f.Providers(home, cfg, screen.New(f.IO.ErrOut, screen.Options{}))
	if err != nil {
		return err
	}
	checkers := set.(*roles).Checkers()
	if len(checkers) == 0 {
		fmt.Fprintln(f.IO.Out, f.Text.T("cli.check.all-demo"))
		return nil
	}
	names := make([]string, 0, len(checkers))
	for n := range checkers {
		names = append(names, n)
	}
	slices.Sort(names)
	failed := false
	for _, name := range names {
		c, err := checkers[name]()
		if err != nil {
			failed = true
			fmt.Fprintf(f.IO.Out, "✘ %s: %s\n", name, screen.Clean(oneLine(f.Text.Error(err))))
			continue
		}
		for _, r := range c.Check(ctx) {
			mark := "✔"
			if !r.OK {
				mark, failed = "✘", true
			}
			fmt.Fprintf(f.IO.Out, "%s %s: %s\n", mark, r.Name, screen.Clean(oneLine(r.Say(f.Text))))
		}
	}
	if failed {
		return errChecksFailed
	}
	return nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
