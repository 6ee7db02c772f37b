package cli

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// helpTree is the command tree as a run builds it, with the commands cobra adds as
// it runs (help, and the help and version flags), on harmless streams.
func helpTree(t *testing.T) *cobra.Command { return helpTreeIn(t, nil) }

// helpTreeIn is helpTree in p's language.
func helpTreeIn(t *testing.T, p *catalog.Printer) *cobra.Command {
	t.Helper()
	f := &Factory{
		IO:     &IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard},
		Getenv: func(string) string { return "" },
		Text:   p,
	}
	root := NewRoot(f)
	root.InitDefaultHelpCmd()
	root.InitDefaultVersionFlag()
	return root
}

// commands is every command a person can run, the root first; cobra's own help
// command and the hidden __complete ones are left out.
func commands(root *cobra.Command) []*cobra.Command {
	out := []*cobra.Command{root}
	for _, c := range root.Commands() {
		if c.Hidden || c.Name() == "help" {
			continue
		}
		out = append(out, commands(c)...)
	}
	return out
}

// exampleLines are the lines of an Example block, each one command line.
func exampleLines(c *cobra.Command) []string {
	var out []string
	for _, l := range strings.Split(c.Example, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// exampleArgs is the argument vector an example line gives mfa-onboard: the words
// after "mfa-onboard" up to a comment, a pipe, a redirection or the end of a process
// substitution ("source <(mfa-onboard completion bash)"), with the quotes taken off.
func exampleArgs(line string) ([]string, error) {
	type token struct {
		text string
		op   bool // | < > ; & ( ): not a word of the command
	}
	var tokens []token
	var word strings.Builder
	inWord, quote := false, rune(0)
	flush := func() {
		if inWord {
			tokens = append(tokens, token{text: word.String()})
		}
		word.Reset()
		inWord = false
	}
scan:
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			word.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			flush()
		case r == '#' && !inWord:
			break scan // a comment
		case strings.ContainsRune("|<>;&()", r):
			flush()
			tokens = append(tokens, token{text: string(r), op: true})
		default:
			word.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, errors.New("a quote is not closed")
	}
	flush()
	start := slices.IndexFunc(tokens, func(tk token) bool { return !tk.op && tk.text == "mfa-onboard" })
	if start < 0 {
		return nil, errors.New("it does not run mfa-onboard")
	}
	args := []string{}
	for _, tk := range tokens[start+1:] {
		if tk.op {
			break
		}
		args = append(args, tk.text)
	}
	return args, nil
}

// checkExample parses one example line as a run would, without running it: the
// command it names must be c or one under it, every flag must be one that command
// has, its arguments must be ones it takes, and a flag with fixed values (--output,
// --step, --action) must have one of them.
func checkExample(t *testing.T, c *cobra.Command, line string) error {
	t.Helper()
	args, err := exampleArgs(line)
	if err != nil {
		return err
	}
	root := helpTree(t)
	found, rest, err := root.Find(args)
	if err != nil {
		return fmt.Errorf("finds no command: %w", err)
	}
	if !strings.HasPrefix(found.CommandPath()+" ", c.CommandPath()+" ") {
		return fmt.Errorf("runs %q, not %q or one of its commands", found.CommandPath(), c.CommandPath())
	}
	found.InitDefaultHelpFlag()
	if err := found.ParseFlags(rest); err != nil {
		return fmt.Errorf("%q: %w", found.CommandPath(), err)
	}
	if found.Args != nil {
		if err := found.ValidateArgs(found.Flags().Args()); err != nil {
			return fmt.Errorf("%q: %w", found.CommandPath(), err)
		}
	}
	var bad []error
	found.Flags().Visit(func(fl *pflag.Flag) {
		if fl.Name != "output" && fl.Name != "step" && fl.Name != "action" {
			return
		}
		complete, ok := found.GetFlagCompletionFunc(fl.Name)
		if !ok {
			bad = append(bad, fmt.Errorf("--%s has no values to complete", fl.Name))
			return
		}
		values, _ := complete(found, nil, "")
		for i := range values {
			values[i], _, _ = strings.Cut(values[i], "\t")
		}
		if !slices.Contains(values, fl.Value.String()) {
			bad = append(bad, fmt.Errorf("--%s %s: %q takes %q", fl.Name, fl.Value, found.CommandPath(), values))
		}
	})
	return errors.Join(bad...)
}

// languages are the catalogue's languages, each with its Printer.
var languages = []struct {
	name string
	text *catalog.Printer
}{{"English", catalog.New(language.English)}, {"Spanish", catalog.New(language.Spanish)}}

// Every language's help teaches the same commands: each example is a command line a
// run accepts, and only the words differ between languages, never the command.
func TestEveryCommandTeachesWithAShortDescriptionAndExamples(t *testing.T) {
	for _, lang := range languages {
		t.Run(lang.name, func(t *testing.T) { teachesWithExamples(t, helpTreeIn(t, lang.text)) })
	}
	english := commands(helpTree(t))
	for i, c := range commands(helpTreeIn(t, catalog.New(language.Spanish))) {
		en, es := exampleLines(english[i]), exampleLines(c)
		if c.Short == english[i].Short {
			t.Errorf("%q: the Spanish short description is the English one: %q", c.CommandPath(), c.Short)
		}
		if len(en) != len(es) {
			t.Errorf("%q: %d English example lines, %d Spanish", c.CommandPath(), len(en), len(es))
			continue
		}
		for j := range en {
			a, _ := exampleArgs(en[j])
			b, _ := exampleArgs(es[j])
			if !slices.Equal(a, b) || commandPart(en[j]) != commandPart(es[j]) {
				t.Errorf("%q: the Spanish example %q is not the English command %q", c.CommandPath(), es[j], en[j])
			}
		}
	}
}

// commandPart is an example line up to its comment, as a shell runs it.
func commandPart(line string) string {
	if i := strings.Index(line, "  #"); i >= 0 {
		line = line[:i]
	}
	return strings.TrimRight(line, " ")
}

func teachesWithExamples(t *testing.T, root *cobra.Command) {
	seen := 0
	for _, c := range commands(root) {
		seen++
		if c.Short == "" {
			t.Errorf("%q has no short description", c.CommandPath())
		}
		lines := exampleLines(c)
		if len(lines) < 2 || len(lines) > 4 {
			t.Errorf("%q has %d example lines; want 2 to 4", c.CommandPath(), len(lines))
		}
		for _, l := range lines {
			if !strings.HasPrefix(l, "  ") {
				t.Errorf("%q: example %q is not indented as the others", c.CommandPath(), l)
			}
			if err := checkExample(t, c, l); err != nil {
				t.Errorf("%q: example %q: %v", c.CommandPath(), strings.TrimSpace(l), err)
			}
		}
	}
	// The root, 12 commands, providers check, 3 secrets, 2 profiles, completion and
	// its 4 shells.
	if seen < 24 {
		t.Errorf("looked at %d commands; the tree has at least 24", seen)
	}
}

func TestCheckExampleRefusesWhatARunWouldRefuse(t *testing.T) {
	root := helpTree(t)
	start, _, _ := root.Find([]string{"start"})
	status, _, _ := root.Find([]string{"status"})
	for _, tt := range []struct {
		cmd  *cobra.Command
		line string
	}{
		{start, "  mfa-onboard start --no-such-flag"},
		{start, "  mfa-onboard start --all"},        // status's, not start's
		{start, "  mfa-onboard start --output csv"}, // not one of start's outputs
		{start, "  mfa-onboard start alice@contoso.com"},
		{start, "  mfa-onboard status --all"}, // another command's
		{status, "  mfa-onboard status --step no-such-step"},
		{start, "  mfa-onboard strat"},
		{start, `  mfa-onboard start --user "alice`},
		{start, "  start --user alice@contoso.com"},
	} {
		if err := checkExample(t, tt.cmd, tt.line); err == nil {
			t.Errorf("checkExample(%q) passed", tt.line)
		}
	}
	for _, tt := range []struct {
		line string
		want []string
	}{
		{`  printf %s "$SKEY" | mfa-onboard secrets set contoso-duo-admin`, []string{"secrets", "set", "contoso-duo-admin"}},
		{`  mfa-onboard batch users.csv -j 4 --output json > results.jsonl`, []string{"batch", "users.csv", "-j", "4", "--output", "json"}},
		{`  source <(mfa-onboard completion bash)   # bash`, []string{"completion", "bash"}},
		{`  mfa-onboard start --for a@b.com --phone "+1 425 555 0100"  # the number`, []string{"start", "--for", "a@b.com", "--phone", "+1 425 555 0100"}},
	} {
		if got, err := exampleArgs(tt.line); err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("exampleArgs(%q) = %q, %v; want %q", tt.line, got, err, tt.want)
		}
	}
}

func TestEveryCommandsHelpEndsWithTheExitCodes(t *testing.T) {
	for _, c := range commands(helpTree(t)) {
		path := strings.Fields(c.CommandPath())[1:]
		code, stdout, stderr := run(t, nil, append(path, "--help")...)
		if code != 0 || !strings.HasSuffix(stdout, ExitCodeHelp(nil)) {
			t.Errorf("%q --help: exit %d, and the exit codes are not at its end:\n%s%s", c.CommandPath(), code, stdout, stderr)
		}
	}
	code, stdout, _ := run(t, nil, "help", "start")
	if code != 0 || !strings.Contains(stdout, "Examples:\n  mfa-onboard start") || !strings.HasSuffix(stdout, ExitCodeHelp(nil)) {
		t.Errorf("help start: exit %d, without its examples or the exit codes:\n%s", code, stdout)
	}
}

func TestStartHelpShowsTheExitCodeTable(t *testing.T) {
	_, stdout, _ := run(t, nil, "start", "--help")
	for _, want := range []string{"Exit codes:", "  0    done", "  2    bad usage", "  3    waiting on the user", "  130  interrupted"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("start --help lacks %q:\n%s", want, stdout)
		}
	}
}

func TestATypoSuggestsTheCommandMeant(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"strat"}, "Did you mean this?\n\tstart\n"},
		{[]string{"--home", "/nonexistent", "stauts"}, "Did you mean this?\n\tstart\n\tstatus\n"},
		{[]string{"doctr"}, "Did you mean this?\n\tdoctor\n"},
		{[]string{"profiles", "lst"}, "Did you mean this?\n\tlist\n"},
		{[]string{"providers", "chek"}, "Did you mean this?\n\tcheck\n"},
		{[]string{"secrets", "delet"}, "Did you mean this?\n\tdelete\n"},
	} {
		code, stdout, stderr := run(t, nil, tt.args...)
		if code != ExitUsage || stdout != "" || !strings.Contains(stderr, tt.want) || !strings.HasPrefix(stderr, "Error: unknown command") {
			t.Errorf("%q: exit %d; want 2 and %q on stderr\nstdout: %s\nstderr: %s", tt.args, code, tt.want, stdout, stderr)
		}
		if !strings.HasSuffix(stderr, "Run \"mfa-onboard --help\" for usage.\n") {
			t.Errorf("%q: stderr does not end by pointing at --help:\n%s", tt.args, stderr)
		}
	}
	// A group with no argument still shows its help, and exits 0.
	for _, group := range []string{"profiles", "providers", "secrets"} {
		if code, stdout, _ := run(t, nil, group); code != 0 || !strings.Contains(stdout, "Available Commands:") {
			t.Errorf("%s: exit %d; want its help and 0:\n%s", group, code, stdout)
		}
	}
}
