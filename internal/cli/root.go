// Package cli holds the commands. Each command has an options struct, a constructor
// that reads flags into it, and a run function with no cobra in it.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/locale"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
	"github.com/mfa-onboard/mfa-onboard/internal/screen"
)

// NewRoot builds the command tree.
func NewRoot(f *Factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "mfa-onboard",
		Short: "Set up two-step sign-in for Microsoft 365 and Duo, one step at a time",
		Long: `mfa-onboard takes a person from no second factor to enrolled and tested:
a verified mobile number for Microsoft 365, the support desk told, and Duo Mobile
enrolled and tested. Quit at any point; "mfa-onboard start" carries on where it stopped.

With no configuration it runs on demo providers: nothing is sent, and what a phone
would receive is shown on screen and written to outbox.jsonl in the home folder.

For several customers, give each a profile ("mfa-onboard profiles add NAME") and
choose it with --profile NAME: its config, people's progress and audit are its own.`,
		Example: `  mfa-onboard start                               # your own two-step sign-in, a step at a time
  mfa-onboard start --for alice@contoso.com       # a technician's run on Alice's behalf
  mfa-onboard status --all --waiting              # everyone still waiting on their part
  mfa-onboard --profile contoso batch users.csv   # a customer's new people, from a CSV file`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.Version = f.Version.Version
	root.SetVersionTemplate(versionLine(f.Version) + "\n")
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	pf := root.PersistentFlags()
	pf.StringVar(&f.HomeFlag, "home", "", "folder for config, state and the outbox (default: $MFA_ONBOARD_HOME, else the user config folder)")
	pf.StringVar(&f.ConfigFlag, "config", "", "config file to use instead of config.yaml in the home folder (or the profile's)")
	pf.StringVar(&f.ProfileFlag, "profile", "", "the customer to work for: a profile made with \"profiles add\" (default: $MFA_ONBOARD_PROFILE, else the home folder's own)")
	pf.StringVar(&f.TechnicianFlag, "technician", "", "your name, recorded in the audit beside the computer's account (default: $MFA_ONBOARD_TECHNICIAN)")
	pf.BoolVar(&f.NonInteractive, "non-interactive", false, "never prompt: stop as waiting (exit 3) when a step needs a person")
	pf.BoolVar(&f.Accessible, "accessible", false, "plain line-by-line prompts, for screen readers and simple terminals")
	pf.StringVar(&f.LangFlag, "lang", "", f.Text.T("cli.flag.lang"))
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &UsageError{Err: err} })
	root.SetHelpTemplate(root.HelpTemplate() + ExitCodeHelp)

	root.AddCommand(
		newStartCmd(f),
		newBatchCmd(f),
		newStatusCmd(f),
		newReportCmd(f),
		newResetCmd(f),
		newVersionCmd(f),
		newProvidersCmd(f),
		newCheckCmd(f, "doctor"),
		newSecretsCmd(f),
		newProfilesCmd(f),
		newAuditCmd(f),
		newRemindCmd(f),
	)
	refuseUnknownShells(root)
	if err := registerCompletions(root, f); err != nil {
		panic(err) // the completion table names a command or flag this tree lacks
	}
	return root
}

// refuseUnknownShells makes "completion tcsh" a usage error: cobra's own completion
// command only prints its help for a shell it does not know, and exits 0.
func refuseUnknownShells(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() != "completion" {
			continue
		}
		c.Example = `  source <(mfa-onboard completion bash)   # bash, in this shell only
  mfa-onboard completion zsh > "${fpath[1]}/_mfa-onboard"
  mfa-onboard completion fish > ~/.config/fish/completions/mfa-onboard.fish
  mfa-onboard completion powershell | Out-String | Invoke-Expression`
		for _, shell := range c.Commands() {
			shell.Example = shellExample(shell.Name())
		}
		c.Args = cobra.ArbitraryArgs
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			return usagef("completion %q: the shells are bash, zsh, fish and powershell", args[0])
		}
	}
}

// unknownSubcommand refuses an argument to a command that only groups others, such
// as "profiles lst", naming the nearest of them: cobra suggests only for the root's,
// and would print the group's help and exit 0 for a typo.
func unknownSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's default, which it sets only as it suggests
	}
	msg := fmt.Sprintf("unknown command %q for %q", args[0], cmd.CommandPath())
	if near := cmd.SuggestionsFor(args[0]); len(near) > 0 {
		msg += "\n\nDid you mean this?\n\t" + strings.Join(near, "\n\t") + "\n"
	}
	return usagef("%s", msg)
}

// showHelp is the run of a command that only groups others: its help.
func showHelp(cmd *cobra.Command, _ []string) error { return cmd.Help() }

// shellExample is the example of "completion SHELL": how to load the script in this
// shell, then in every new one.
func shellExample(shell string) string {
	switch shell {
	case "bash":
		return `  source <(mfa-onboard completion bash)
  mfa-onboard completion bash > /etc/bash_completion.d/mfa-onboard   # every new shell`
	case "zsh":
		return `  source <(mfa-onboard completion zsh)
  mfa-onboard completion zsh > "${fpath[1]}/_mfa-onboard"              # every new shell`
	case "fish":
		return `  mfa-onboard completion fish | source
  mfa-onboard completion fish > ~/.config/fish/completions/mfa-onboard.fish`
	case "powershell":
		return `  mfa-onboard completion powershell | Out-String | Invoke-Expression
  mfa-onboard completion powershell >> $PROFILE                        # every new shell`
	}
	return ""
}

// ExitCodeHelp is the table of exit codes every command's help ends with, and the
// manual pages too.
const ExitCodeHelp = `
Exit codes:
  0    done
  1    failed (the message says why and what to do)
  2    bad usage, config or answers (the message names the flag or key)
  3    waiting on the user: run "mfa-onboard start" again to carry on
  130  interrupted (Ctrl-C); progress is saved
`

// Run executes the command line args and returns the exit code. Errors are printed
// here, once, as one sentence.
func Run(ctx context.Context, f *Factory, args []string) int {
	defer f.Close()
	if f.Text == nil {
		tag, err := locale.Choose(langArg(args), f.Getenv, locale.System)
		f.Text = catalog.New(tag)
		if err != nil {
			printError(f.IO.ErrOut, f.Text, f.IO.Width(f.IO.ErrTTY), &UsageError{Err: err}, ExitUsage)
			return ExitUsage
		}
	}
	root := NewRoot(f)
	root.SetArgs(args)
	ran := false
	root.PersistentPreRun = func(*cobra.Command, []string) { ran = true }
	err := root.ExecuteContext(ctx)
	if err != nil && !ran {
		// cobra refused the command line before any command ran.
		var usage *UsageError
		if !errors.As(err, &usage) {
			err = &UsageError{Err: err}
		}
	}
	code := ExitCode(err)
	if err != nil && code != ExitInterrupted && code != ExitWaiting {
		printError(f.IO.ErrOut, f.Text, f.IO.Width(f.IO.ErrTTY), err, code)
	}
	return code
}

// printError says what went wrong, wrapped to width (0: not wrapped). An error may
// quote a flag, a config value, a saved address or a service's answer, so it is
// sanitised like everything else printed.
func printError(w io.Writer, p *catalog.Printer, width int, err error, code int) {
	for _, line := range screen.WrapLong(sanitize.Text(p.Error(err)), width, p.T("cli.error.prefix")+" ", "") {
		fmt.Fprintln(w, line)
	}
	if code == ExitUsage {
		var usage *UsageError
		if errors.As(err, &usage) {
			fmt.Fprintln(w, p.T("cli.error.see-help"))
		}
	}
}

// langArg is --lang's value in args, read before the command tree is built so that
// the tree's help is in that language; cobra reads the flag again, and refuses it
// in the same words where it lacks a value.
func langArg(args []string) string {
	for i, a := range args {
		switch {
		case a == "--":
			return ""
		case a == "--lang" && i+1 < len(args):
			return args[i+1]
		case strings.HasPrefix(a, "--lang="):
			return strings.TrimPrefix(a, "--lang=")
		}
	}
	return ""
}
