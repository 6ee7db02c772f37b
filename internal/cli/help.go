package cli

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// What cobra and pflag would say in English of their own — the headings of the
// help, the -h and --version flags, the help command, and their refusals of a
// command line — said here in the run's language. The English messages are cobra's
// own words, so an English help reads as it always did.

// speak puts the tree's own words in p's language: the help and usage layout, the
// help command, the -h/--help flag of every command and root's --version. It runs
// once the tree is whole, completion commands included.
func speak(root *cobra.Command, p *catalog.Printer) {
	root.SetHelpFunc(helpFunc(p))
	root.SetUsageFunc(usageFunc(p))
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usage(flagError(err)) })
	root.SetHelpCommand(newHelpCmd(root, p))
	root.InitDefaultHelpCmd()
	if root.Version != "" {
		root.Flags().BoolP("version", "v", false, p.T("cli.flag.version", "Command", root.DisplayName()))
		markCobras(root.Flags(), "version")
	}
	var visit func(c *cobra.Command)
	visit = func(c *cobra.Command) {
		c.Flags().BoolP("help", "h", false, p.T("cli.flag.help", "Command", c.DisplayName()))
		markCobras(c.Flags(), "help")
		if c.Args != nil {
			c.Args = refuseArgs(c.Args)
		}
		for _, sub := range c.Commands() {
			visit(sub)
		}
	}
	visit(root)
}

// markCobras marks a flag as cobra marks its own help and version flags, so that
// completion treats ours as it treats them.
func markCobras(fs *pflag.FlagSet, name string) {
	_ = fs.SetAnnotation(name, cobra.FlagSetByCobraAnnotation, []string{"true"})
}

// helpFunc is cobra's help (the description, then the usage) followed by the table
// of exit codes.
func helpFunc(p *catalog.Printer) func(*cobra.Command, []string) {
	return func(c *cobra.Command, _ []string) {
		w := c.OutOrStdout()
		text := c.Long
		if text == "" {
			text = c.Short
		}
		if text = strings.TrimRightFunc(text, unicode.IsSpace); text != "" {
			fmt.Fprintf(w, "%s\n\n", text)
		}
		if c.Runnable() || c.HasSubCommands() {
			fmt.Fprint(w, c.UsageString())
		}
		fmt.Fprint(w, ExitCodeHelp(p))
	}
}

// usageFunc is cobra's default usage, laid out as its template lays it out, with
// the headings in p's language. The tree has no command groups, so none are laid
// out; the placeholders [command] and [flags] stay as cobra writes them, like NAME
// and EMAIL in the commands' own lines.
func usageFunc(p *catalog.Printer) func(*cobra.Command) error {
	return func(c *cobra.Command) error {
		var b strings.Builder
		b.WriteString(p.T("cli.help.usage"))
		if c.Runnable() {
			fmt.Fprintf(&b, "\n  %s", c.UseLine())
		}
		if c.HasAvailableSubCommands() {
			fmt.Fprintf(&b, "\n  %s [command]", c.CommandPath())
		}
		if len(c.Aliases) > 0 {
			fmt.Fprintf(&b, "\n\n%s\n  %s", p.T("cli.help.aliases"), c.NameAndAliases())
		}
		if c.HasExample() {
			fmt.Fprintf(&b, "\n\n%s\n%s", p.T("cli.help.examples"), c.Example)
		}
		if c.HasAvailableSubCommands() {
			fmt.Fprintf(&b, "\n\n%s", p.T("cli.help.commands"))
			for _, sub := range c.Commands() {
				if sub.IsAvailableCommand() || sub.Name() == "help" {
					fmt.Fprintf(&b, "\n  %-*s %s", sub.NamePadding(), sub.Name(), sub.Short)
				}
			}
		}
		if c.HasAvailableLocalFlags() {
			fmt.Fprintf(&b, "\n\n%s\n%s", p.T("cli.help.flags"), strings.TrimRightFunc(flagUsages(p, c.LocalFlags()), unicode.IsSpace))
		}
		if c.HasAvailableInheritedFlags() {
			fmt.Fprintf(&b, "\n\n%s\n%s", p.T("cli.help.global-flags"), strings.TrimRightFunc(flagUsages(p, c.InheritedFlags()), unicode.IsSpace))
		}
		if c.HasHelpSubCommands() {
			fmt.Fprintf(&b, "\n\n%s", p.T("cli.help.topics"))
			for _, sub := range c.Commands() {
				if sub.IsAdditionalHelpTopicCommand() {
					fmt.Fprintf(&b, "\n  %-*s %s", sub.CommandPathPadding(), sub.CommandPath(), sub.Short)
				}
			}
		}
		if c.HasAvailableSubCommands() {
			fmt.Fprintf(&b, "\n\n%s", p.T("cli.help.more", "Command", c.CommandPath()))
		}
		b.WriteString("\n")
		_, err := io.WriteString(c.OutOrStderr(), b.String())
		return err
	}
}

// flagUsages is pflag's FlagUsages, laid out as pflag lays it out, with its words
// (a flag's default, a deprecation) in p's language. The value names (string, int)
// are pflag's own, as in the commands' usage lines.
func flagUsages(p *catalog.Printer, fs *pflag.FlagSet) string {
	var lines []string
	width := 0
	fs.VisitAll(func(fl *pflag.Flag) {
		if fl.Hidden {
			return
		}
		line := "      --" + fl.Name
		if fl.Shorthand != "" && fl.ShorthandDeprecated == "" {
			line = "  -" + fl.Shorthand + ", --" + fl.Name
		}
		name, text := pflag.UnquoteUsage(fl)
		if name != "" {
			line += " " + name
		}
		if fl.NoOptDefVal != "" {
			switch fl.Value.Type() {
			case "string":
				line += `[="` + fl.NoOptDefVal + `"]`
			case "bool", "boolfunc":
				if fl.NoOptDefVal != "true" {
					line += "[=" + fl.NoOptDefVal + "]"
				}
			case "count":
				if fl.NoOptDefVal != "+1" {
					line += "[=" + fl.NoOptDefVal + "]"
				}
			default:
				line += "[=" + fl.NoOptDefVal + "]"
			}
		}
		// The NUL marks where the usage starts, once the widest flag is known.
		line += "\x00"
		width = max(width, len(line))
		line += text
		if !zeroDefault(fl) {
			value := fl.DefValue
			if fl.Value.Type() == "string" {
				value = strconv.Quote(value)
			}
			line += " " + p.T("cli.help.default", "Value", value)
		}
		if fl.Deprecated != "" {
			line += " " + p.T("cli.help.deprecated", "Why", fl.Deprecated)
		}
		lines = append(lines, line)
	})
	var b strings.Builder
	for _, line := range lines {
		at := strings.IndexByte(line, 0)
		text := strings.ReplaceAll(line[at+1:], "\n", "\n"+strings.Repeat(" ", width+2))
		fmt.Fprintln(&b, line[:at], strings.Repeat(" ", width-at), text)
	}
	return b.String()
}

// zeroDefault is true when pflag leaves a flag's default unsaid: it is its type's
// zero value.
func zeroDefault(fl *pflag.Flag) bool {
	switch fl.Value.Type() {
	case "bool", "boolfunc":
		return fl.DefValue == "false" || fl.DefValue == ""
	case "duration":
		return fl.DefValue == "0" || fl.DefValue == "0s"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "count", "float32", "float64":
		return fl.DefValue == "0"
	case "string":
		return fl.DefValue == ""
	case "ip", "ipMask", "ipNet":
		return fl.DefValue == "<nil>"
	case "intSlice", "stringSlice", "stringArray":
		return fl.DefValue == "[]"
	}
	switch fl.DefValue {
	case "false", "<nil>", "", "0":
		return true
	}
	return false
}

// newHelpCmd is cobra's help command in p's language.
func newHelpCmd(root *cobra.Command, p *catalog.Printer) *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]", // untranslated: a command line, with cobra's placeholder
		Short: p.T("cli.help.cmd.short"),
		Long:  p.T("cli.help.cmd.long", "Program", root.DisplayName()),
		ValidArgsFunction: func(c *cobra.Command, args []string, toComplete string) ([]cobra.Completion, cobra.ShellCompDirective) {
			cmd, _, err := c.Root().Find(args)
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var out []cobra.Completion
			for _, sub := range cmd.Commands() {
				if (sub.IsAvailableCommand() || sub.Name() == "help") && strings.HasPrefix(sub.Name(), toComplete) {
					out = append(out, cobra.CompletionWithDesc(sub.Name(), sub.Short))
				}
			}
			return out, cobra.ShellCompDirectiveNoFileComp
		},
		Run: func(c *cobra.Command, args []string) {
			cmd, _, err := c.Root().Find(args)
			if cmd == nil || err != nil || (len(args) > 0 && cmd == c.Root()) {
				c.Println(p.T("cli.help.unknown-topic", "Topic", fmt.Sprintf("%#q", args)))
				_ = c.Root().Usage()
				return
			}
			cobra.CheckErr(cmd.Help())
		},
	}
}

// flagError is pflag's refusal of a flag in the person's language. Each known kind
// of refusal is recognised by its type and said again from the catalogue; the
// English of that message is pflag's own sentence, and where it is not (a case
// this does not know), pflag's words are kept rather than a wrong translation.
func flagError(err error) error {
	var (
		unknown *pflag.NotExistError
		needs   *pflag.ValueRequiredError
		invalid *pflag.InvalidValueError
		syntax  *pflag.InvalidSyntaxError
		said    error
	)
	switch {
	case errors.As(err, &unknown) && unknown.GetSpecifiedShortnames() != "":
		said = catalog.NewError("cli.flag.unknown-shorthand",
			"Flag", strconv.QuoteRune(firstRune(unknown.GetSpecifiedName())), "Group", "-"+unknown.GetSpecifiedShortnames())
	case errors.As(err, &unknown):
		said = catalog.NewError("cli.flag.unknown", "Flag", "--"+unknown.GetSpecifiedName())
	case errors.As(err, &needs) && needs.GetSpecifiedShortnames() != "":
		said = catalog.NewError("cli.flag.needs-value-shorthand",
			"Flag", strconv.QuoteRune(firstRune(needs.GetSpecifiedName())), "Group", "-"+needs.GetSpecifiedShortnames())
	case errors.As(err, &needs):
		said = catalog.NewError("cli.flag.needs-value", "Flag", "--"+needs.GetSpecifiedName())
	case errors.As(err, &invalid):
		fl := invalid.GetFlag()
		name := "--" + fl.Name
		if fl.Shorthand != "" && fl.ShorthandDeprecated == "" {
			name = "-" + fl.Shorthand + ", " + name
		}
		said = catalog.Wrap(valueError(errors.Unwrap(invalid)), "cli.flag.invalid",
			"Value", strconv.Quote(invalid.GetValue()), "Flag", strconv.Quote(name))
	case errors.As(err, &syntax):
		said = catalog.NewError("cli.flag.syntax", "Flag", syntax.GetSpecifiedFlag())
	}
	if said == nil || said.Error() != err.Error() {
		return err
	}
	return said
}

// valueError says why a flag's value was refused: an integer or a yes/no that
// does not parse in the catalogue's words (their English is strconv's own),
// anything else as it is.
func valueError(err error) error {
	var num *strconv.NumError
	if !errors.As(err, &num) || num.Error() != err.Error() {
		return err
	}
	var said error
	switch {
	case num.Func == "ParseBool" && errors.Is(num.Err, strconv.ErrSyntax):
		said = catalog.NewError("cli.flag.not-yes-no", "Value", strconv.Quote(num.Num))
	case num.Func == "ParseInt" && errors.Is(num.Err, strconv.ErrSyntax):
		said = catalog.NewError("cli.flag.not-a-number", "Value", strconv.Quote(num.Num))
	case num.Func == "ParseInt" && errors.Is(num.Err, strconv.ErrRange):
		said = catalog.NewError("cli.flag.out-of-range", "Value", strconv.Quote(num.Num))
	}
	if said == nil || said.Error() != err.Error() {
		return err
	}
	return said
}

func firstRune(s string) rune {
	for _, r := range s {
		return r
	}
	return 0
}

// refuseArgs says check's refusals in the person's language: cobra.NoArgs's
// "unknown command" is known by giving NoArgs the same arguments, and said from the
// catalogue; the program's own refusals already speak it.
func refuseArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		err := check(cmd, args)
		if err == nil {
			return nil
		}
		if plain := cobra.NoArgs(cmd, args); plain != nil && plain.Error() == err.Error() {
			return usage(unknownCommand(cmd, args[0], nil))
		}
		return err
	}
}

// unknownCommand is cobra's "unknown command" sentence, with the commands near
// what was typed when there are some.
func unknownCommand(cmd *cobra.Command, arg string, near []string) error {
	if len(near) == 0 {
		return catalog.NewError("cli.args.unknown-command", "Arg", strconv.Quote(arg), "Command", strconv.Quote(cmd.CommandPath()))
	}
	return catalog.NewError("cli.args.unknown-command-near", "Arg", strconv.Quote(arg), "Command", strconv.Quote(cmd.CommandPath()),
		"Near", strings.Join(near, "\n\t"))
}
