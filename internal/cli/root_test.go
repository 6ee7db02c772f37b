package cli

import (
	"bytes"
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/clock"
)

// TestTheCommandTableIsTheTree: rootFor finds a command by everyCommand's names, so
// each must be the name of the command it makes, and every command must be there.
func TestTheCommandTableIsTheTree(t *testing.T) {
	var tree, table []string
	for _, c := range helpTree(t).Commands() {
		if c.Name() != "help" && c.Name() != "completion" {
			tree = append(tree, c.Name())
		}
	}
	f := &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}, Getenv: func(string) string { return "" }}
	for _, c := range everyCommand() {
		if got := c.make(f).Name(); got != c.name {
			t.Errorf("everyCommand names %q a command called %q", c.name, got)
		}
		table = append(table, c.name)
	}
	slices.Sort(table)
	if !slices.Equal(tree, table) {
		t.Errorf("the tree's commands are %q; everyCommand lists %q", tree, table)
	}
}

func TestCommandName(t *testing.T) {
	root := newBareRoot(&Factory{IO: &IOStreams{Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}}})
	tests := []struct {
		args []string
		want string
	}{
		{nil, ""},
		{[]string{"start"}, "start"},
		{[]string{"--home", "start", "status"}, "status"},
		{[]string{"--home=start", "status"}, "status"},
		{[]string{"--non-interactive", "start"}, "start"},
		{[]string{"--lang", "es", "--profile", "acme", "batch", "x.csv"}, "batch"},
		{[]string{"-h"}, ""},
		{[]string{"--", "start"}, ""},
		{[]string{"statu"}, "statu"},
	}
	for _, tt := range tests {
		if got := commandName(root.PersistentFlags(), tt.args); got != tt.want {
			t.Errorf("commandName(%q) = %q; want %q", tt.args, got, tt.want)
		}
	}
}

// TestACommandBuiltAloneSaysWhatTheWholeTreeSays: a run builds only the command it
// runs; what that command prints (its help, its refusals of a bad command line)
// must be what the whole tree's would, in each language.
func TestACommandBuiltAloneSaysWhatTheWholeTreeSays(t *testing.T) {
	var lines [][]string
	for _, c := range commands(helpTree(t))[1:] {
		if c.Name() == "completion" || c.HasParent() && c.Parent().Name() == "completion" {
			continue
		}
		path := strings.Fields(c.CommandPath())[1:]
		lines = append(lines,
			append(slices.Clone(path), "--help"),
			append(slices.Clone(path), "--no-such-flag"),
			append([]string{"--home", t.TempDir()}, append(slices.Clone(path), "--help")...))
	}
	lines = append(lines, []string{"profiles", "lst"}, []string{"start", "--home"})
	for _, tag := range []language.Tag{language.English, language.Spanish} {
		for _, args := range lines {
			alone, aloneCode := runTree(t, tag, args, rootFor)
			whole, wholeCode := runTree(t, tag, args, func(f *Factory, _ []string) *cobra.Command { return NewRoot(f) })
			if alone != whole || aloneCode != wholeCode {
				t.Errorf("%s %q: built alone, exit %d and\n%s\nthe whole tree: exit %d and\n%s", tag, args, aloneCode, alone, wholeCode, whole)
			}
		}
	}
}

// runTree runs args on the tree build makes, as Run does, and returns what it printed
// and its exit code.
func runTree(t *testing.T, tag language.Tag, args []string, build func(*Factory, []string) *cobra.Command) (string, int) {
	t.Helper()
	var out bytes.Buffer
	f := &Factory{
		IO:     &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &out},
		Getenv: func(string) string { return "" },
		Clock:  clock.NewFake(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)),
		Text:   catalog.New(tag),
	}
	code := runBuilt(context.Background(), f, args, build(f, args))
	return out.String(), code
}
