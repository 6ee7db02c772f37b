package cli

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mfa-onboard/mfa-onboard/internal/screen"
)

// CheckOptions are the inputs of "providers check".
type CheckOptions struct {
	F *Factory
}

func newProvidersCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "providers",
		Short: "Work with the configured providers",
		Long: `Work with the providers config.yaml names for each role (Microsoft 365, Duo, the
notices); "providers check" proves their credentials without changing anything.`,
		Example: `  mfa-onboard providers check
  mfa-onboard --profile contoso providers check`,
		Args: unknownSubcommand,
		RunE: showHelp,
	}
	cmd.AddCommand(newCheckCmd(f, "check"))
	return cmd
}

func newCheckCmd(f *Factory, use string) *cobra.Command {
	o := &CheckOptions{F: f}
	// "check" is "providers check"; "doctor" is the same command at the top level.
	path := use
	if use == "check" {
		path = "providers check"
	}
	return &cobra.Command{
		Use:   use,
		Short: "Prove each configured provider's credentials and this computer's clock, changing nothing",
		Long: `Prove each configured provider's credentials and this computer's clock with
harmless calls, changing nothing. One line per check; exit 0 when all pass, 1 otherwise.
With only the demo providers configured there is nothing to check.`,
		Example: fmt.Sprintf(`  mfa-onboard %[1]s
  mfa-onboard --profile contoso %[1]s
  mfa-onboard --config contoso.yaml %[1]s   # a config file before it is put in place`, path),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runCheck(cmd.Context(), o) },
	}
}

// errChecksFailed ends "providers check" with exit 1 after the lines said why.
var errChecksFailed = errors.New("some provider checks failed; fix what the lines above say")

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
		fmt.Fprintln(f.IO.Out, "Every role uses the demo providers: there is nothing to check.")
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
			fmt.Fprintf(f.IO.Out, "✘ %s: %s\n", name, screen.Clean(oneLine(err.Error())))
			continue
		}
		for _, r := range c.Check(ctx) {
			mark := "✔"
			if !r.OK {
				mark, failed = "✘", true
			}
			fmt.Fprintf(f.IO.Out, "%s %s: %s\n", mark, r.Name, screen.Clean(oneLine(r.Detail)))
		}
	}
	if failed {
		return errChecksFailed
	}
	return nil
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
