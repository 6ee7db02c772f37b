// Package cli holds the commands. Each command has an options struct, a constructor
// that reads flags into it, and a run function with no cobra in it.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/locale"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
	"github.com/mfa-onboard/mfa-onboard/internal/screen"
)

// NewRoot builds the command tree, in the language of f.Text: descriptions,
// examples, flags and cobra's own headings.
func NewRoot(f *Factory) *cobra.Command { return withEveryCommand(newBareRoot(f), f) }

// withEveryCommand adds every command to root, with the completion and help commands.
func withEveryCommand(root *cobra.Command, f *Factory) *cobra.Command {
	for _, c := range everyCommand() {
		root.AddCommand(c.make(f))
	}
	refuseUnknownShells(root, f.Text)
	speak(root, f.Text)
	if err := registerCompletions(root, f); err != nil {
		panic(err) // the completion table names a command or flag this tree lacks
	}
	return root
}

// command is one of the program's commands: the name it is run by, and how it is
// made.
type command struct {
	name string
	make func(*Factory) *cobra.Command
}

// everyCommand is the program's commands (cobra sorts them for the help).
func everyCommand() []command {
	return []command{
		{"start", newStartCmd},
		{"batch", newBatchCmd},
		{"status", newStatusCmd},
		{"report", newReportCmd},
		{"reset", newResetCmd},
		{"version", newVersionCmd},
		{"providers", newProvidersCmd},
		{"doctor", func(f *Factory) *cobra.Command { return newCheckCmd(f, "doctor") }},
		{"secrets", newSecretsCmd},
		{"profiles", newProfilesCmd},
		{"audit", newAuditCmd},
		{"remind", newRemindCmd},
		{"store", newStoreCmd},
	}
}

// rootFor is the command tree for args. A command line that names one of the
// commands gets a tree of that command alone: building all of them, with their
// help in the person's language, was an eighth of the CPU time of "version", and
// a command never reads its siblings. Anything else (no command, help, completion,
// a typo that cobra suggests a command for) gets the whole tree.
func rootFor(f *Factory, args []string) *cobra.Command {
	root := newBareRoot(f)
	name := commandName(root.PersistentFlags(), args)
	for _, c := range everyCommand() {
		if c.name == name {
			root.AddCommand(c.make(f))
			speak(root, f.Text)
			return root
		}
	}
	return withEveryCommand(root, f)
}

// commandName is the first word of args that is neither a flag nor the value of
// one of the root's flags: the command cobra will run, or "" when there is none.
func commandName(rootFlags *pflag.FlagSet, args []string) string {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return ""
		case strings.HasPrefix(a, "--") && !strings.Contains(a, "="):
			// "--home DIR": the next word is the value, unless the flag takes none.
			if fl := rootFlags.Lookup(a[2:]); fl != nil && fl.NoOptDefVal == "" {
				i++
			}
		case strings.HasPrefix(a, "-"):
		default:
			return a
		}
	}
	return ""
}

// newBareRoot is the root command with its flags and no commands.
func newBareRoot(f *Factory) *cobra.Command {
	p := f.Text
	root := &cobra.Command{
		Use:     "mfa-onboard",
		Short:   p.T("cli.root.short"),
		Long:    p.T("cli.root.long"),
		Example: p.T("cli.root.example"),
		// Runnable, with its own check of its arguments, so that a mistyped command
		// is refused in the person's language (cobra's own refusal is English): with
		// no command, it shows its help.
		Args:          unknownSubcommand,
		RunE:          showHelp,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.Version = f.Version.Version
	root.SetVersionTemplate(versionLine(p, f.Version) + "\n")
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	pf := root.PersistentFlags()
	pf.StringVar(&f.HomeFlag, "home", "", p.T("cli.flag.home"))
	pf.StringVar(&f.ConfigFlag, "config", "", p.T("cli.flag.config"))
	pf.StringVar(&f.ProfileFlag, "profile", "", p.T("cli.flag.profile"))
	pf.StringVar(&f.TechnicianFlag, "technician", "", p.T("cli.flag.technician"))
	pf.BoolVar(&f.NonInteractive, "non-interactive", false, p.T("cli.flag.non-interactive"))
	pf.BoolVar(&f.Accessible, "accessible", false, p.T("cli.flag.accessible"))
	pf.StringVar(&f.LangFlag, "lang", "", p.T("cli.flag.lang"))
	return root
}

// refuseUnknownShells makes "completion tcsh" a usage error: cobra's own completion
// command only prints its help for a shell it does not know, and exits 0. It also
// says the completion commands' descriptions in p's language.
func refuseUnknownShells(root *cobra.Command, p *catalog.Printer) {
	root.InitDefaultCompletionCmd()
	for _, c := range root.Commands() {
		if c.Name() != "completion" {
			continue
		}
		c.Short = p.T("cli.completion.short")
		c.Long = p.T("cli.completion.long", "Program", root.Name())
		c.Example = p.T("cli.completion.example")
		for _, shell := range c.Commands() {
			describeShell(shell, p, root.Name())
		}
		c.Args = cobra.ArbitraryArgs
		c.RunE = func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			return usage(catalog.NewError("cli.completion.unknown-shell", "Shell", strconv.Quote(args[0])))
		}
	}
}

// unknownSubcommand refuses an argument to a command that only groups others, such
// as "profiles lst", naming the nearest of them: cobra would suggest only for the
// root's, in English, and print the group's help and exit 0 for a typo.
func unknownSubcommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's default, which it sets only as it suggests
	}
	return usage(unknownCommand(cmd, args[0], cmd.SuggestionsFor(args[0])))
}

// showHelp is the run of a command that only groups others: its help.
func showHelp(cmd *cobra.Command, _ []string) error { return cmd.Help() }

// describeShell says "completion SHELL"'s description, flag and example in p's
// language: how to load the script in this shell, then in every new one. The
// descriptions are cobra's, in Markdown, as the manual pages take them.
func describeShell(shell *cobra.Command, p *catalog.Printer, program string) {
	shell.Short = p.T("cli.completion.shell.short", "Shell", shell.Name())
	if fl := shell.Flags().Lookup("no-descriptions"); fl != nil {
		fl.Usage = p.T("cli.completion.flag.no-descriptions")
	}
	switch shell.Name() {
	case "bash":
		shell.Long = p.T("cli.completion.bash.long", "Program", program)
		shell.Example = p.T("cli.completion.bash.example")
	case "zsh":
		shell.Long = p.T("cli.completion.zsh.long", "Program", program)
		shell.Example = p.T("cli.completion.zsh.example")
	case "fish":
		shell.Long = p.T("cli.completion.fish.long", "Program", program)
		shell.Example = p.T("cli.completion.fish.example")
	case "powershell":
		shell.Long = p.T("cli.completion.powershell.long", "Program", program)
		shell.Example = p.T("cli.completion.powershell.example")
	}
}

// ExitCodeHelp is the table of exit codes every command's help ends with, in p's
// language; the manual pages have it in English (a nil p).
func ExitCodeHelp(p *catalog.Printer) string {
	return "\n" + p.T("cli.exit-codes") + "\n"
}

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
	if f.SpeakLanguage != nil {
		f.SpeakLanguage(f.Text)
	}
	return runBuilt(ctx, f, args, rootFor(f, args))
}

// runBuilt runs args on root, a tree built for them, and says any error.
func runBuilt(ctx context.Context, f *Factory, args []string, root *cobra.Command) int {
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
