// Command mfa-onboard-man writes mfa-onboard's manual pages, one a command, into
// the folder it is given: go run ./cmd/mfa-onboard-man man/
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/mfa-onboard/mfa-onboard/internal/cli"
	"github.com/mfa-onboard/mfa-onboard/internal/clock"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "Error:", err)
		os.Exit(1)
	}
}

// run writes the pages into the folder args names. SOURCE_DATE_EPOCH, when set, is
// the date the pages carry (cobra/doc reads it), so that a release build can make
// the same pages twice.
func run(args []string) error {
	if len(args) != 1 {
		return errors.New("give the folder to write the pages into, such as: go run ./cmd/mfa-onboard-man man/")
	}
	dir := args[0]
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("make the folder %s for the pages: %w", dir, err)
	}
	root := cli.NewRoot(harmlessFactory())
	forManual(root)
	header := &doc.GenManHeader{Section: "1", Source: "mfa-onboard", Manual: "mfa-onboard manual"}
	if err := doc.GenManTree(root, header, dir); err != nil {
		return fmt.Errorf("write the pages into %s: %w", dir, err)
	}
	return eachPage(root, dir, header.Section, tagOptions)
}

// eachPage rewrites the page GenManTree wrote for c and for every command under it
// with fix.
func eachPage(c *cobra.Command, dir, section string, fix func(string) string) error {
	for _, sub := range c.Commands() {
		if !sub.IsAvailableCommand() || sub.IsAdditionalHelpTopicCommand() {
			continue // GenManTree writes no page for these
		}
		if err := eachPage(sub, dir, section, fix); err != nil {
			return err
		}
	}
	path := filepath.Join(dir, strings.ReplaceAll(c.CommandPath(), " ", "-")+"."+section)
	page, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("read back the page %s: %w", path, err)
	}
	if err := os.WriteFile(path, []byte(fix(string(page))), 0o644); err != nil {
		return fmt.Errorf("write the page %s: %w", path, err)
	}
	return nil
}

// tagOptions sets each option out as man pages do, the flag on its own line and what
// it does indented below it (a .TP paragraph): cobra/doc writes the text on a line of
// its own after a tab, which man runs on after the flag, in the same paragraph.
func tagOptions(page string) string {
	lines := strings.Split(page, "\n")
	out := make([]string, 0, len(lines)+16)
	for i, line := range lines {
		if strings.HasPrefix(line, "\t") && i > 0 && strings.HasPrefix(lines[i-1], `\fB-`) {
			flag := out[len(out)-1]
			out = out[:len(out)-1]
			if len(out) > 0 && out[len(out)-1] == ".PP" {
				out = out[:len(out)-1]
			}
			out = append(out, ".TP", flag, strings.TrimPrefix(line, "\t"))
			continue
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

// harmlessFactory builds the command tree only: no stream is a terminal, nothing
// is read from the environment (so neither the home folder nor the keychain is
// ever looked at), and nothing runs. Its Printer is nil: the pages are English.
func harmlessFactory() *cli.Factory {
	return &cli.Factory{
		IO:      &cli.IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard},
		Getenv:  func(string) string { return "" },
		Clock:   clock.Real{},
		Version: cli.BuildInfo{Version: "dev", Commit: "unknown"},
		Program: "mfa-onboard",
		Whoami:  func() (string, string) { return "nobody", "nowhere" },
	}
}

// forManual makes each command's description read well as a manual page: cobra/doc
// takes it as Markdown, where '*', '_' and '<…>' would be emphasis or markup, and
// lines indented to line up (a config sample, the exit-code table) would be run
// together. Each page also gets the exit codes --help ends with, and no "auto
// generated" history, which would only say the date. The completion commands'
// descriptions are cobra's, already written as Markdown, and are kept as they are.
func forManual(c *cobra.Command) {
	// The table without its heading, which the section's title replaces.
	_, table, _ := strings.Cut(strings.TrimPrefix(cli.ExitCodeHelp(nil), "\n"), "\n")
	exitCodes := "\n\n# EXIT STATUS\n" + markdown(table)
	var visit func(c *cobra.Command, ours bool)
	visit = func(c *cobra.Command, ours bool) {
		long := c.Long
		if long == "" {
			long = c.Short
		}
		if ours {
			long = markdown(long)
		}
		c.Long = long + exitCodes
		c.DisableAutoGenTag = true
		for _, sub := range c.Commands() {
			visit(sub, ours && !(sub.Name() == "completion" && !c.HasParent()))
		}
	}
	visit(c, true)
}

// markdown is plain text as Markdown that renders as the text: indented lines are
// kept as they are, in a block, and everything else has Markdown's own characters
// escaped.
func markdown(text string) string {
	var out []string
	var block []string
	endBlock := func() {
		if len(block) > 0 {
			out = append(out, "```", strings.Join(block, "\n"), "```")
			block = nil
		}
	}
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if strings.HasPrefix(line, "  ") {
			block = append(block, line)
			continue
		}
		endBlock()
		out = append(out, escape(line))
	}
	endBlock()
	return strings.Join(out, "\n")
}

// escape puts a backslash before each character Markdown would act on.
func escape(line string) string {
	var b strings.Builder
	for _, r := range line {
		if strings.ContainsRune("\\`*_{}[]<>#+-.!|", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
