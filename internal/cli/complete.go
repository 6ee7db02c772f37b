package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mfa-onboard/mfa-onboard/internal/account"
	"github.com/mfa-onboard/mfa-onboard/internal/audit"
	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/profile"
	"github.com/mfa-onboard/mfa-onboard/internal/remind"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
	"github.com/mfa-onboard/mfa-onboard/steps"
)

// maxPeopleCandidates bounds the addresses one Tab offers: a shell shows a few
// hundred badly, and a customer of ten thousand people must not print them all.
const maxPeopleCandidates = 200

// Shell completion runs on every Tab press: it reads what is there and never asks,
// writes, creates a folder or prints a word on stderr, whatever it finds.

// choice is one fixed value of a flag, with the few words a shell shows beside it.
type choice struct{ value, about string }

// outputChoices are the --output values of each command that has one, by its path,
// as its run accepts them, described in p's language; the aliases it also takes
// ("text" for "table") are left out.
func outputChoices(p *catalog.Printer) map[string][]choice {
	text, json := p.T("complete.output.text"), p.T("complete.output.json")
	return map[string][]choice{
		"start":  {{"text", text}, {"json", json}},
		"batch":  {{"text", text}, {"json", p.T("complete.output.json-lines")}, {"csv", p.T("complete.output.csv-batch")}},
		"status": {{"table", text}, {"json", json}, {"csv", p.T("complete.output.csv-status")}},
		"audit":  {{"table", text}, {"json", json}},
		"remind": {{"table", text}, {"json", json}},
		// untranslated: a command's path
		"profiles list": {{"table", text}, {"json", json}},
	}
}

// flagCompletion says how one flag of one command (by path under the root, "" for
// the root's persistent flags) is completed.
type flagCompletion struct {
	command, flag string
	complete      cobra.CompletionFunc
}

// registerCompletions gives the flags and arguments whose values can be known their
// candidates. It fails only when the table names a command or flag the tree lacks,
// which is a mistake in this file.
func registerCompletions(root *cobra.Command, f *Factory) error {
	people := completePeople(f)
	table := []flagCompletion{
		{"", "profile", completeProfiles(f)},
		{"", "home", dirsOnly},
		{"", "config", yamlFiles},
		{"start", "user", people},
		{"start", "for", people},
		{"start", "answers", yamlFiles},
		{"status", "user", people},
		{"status", "for", people},
		{"status", "step", completeChoices(stepChoices(f.Text))},
		{"reset", "user", people},
		{"audit", "user", people},
		{"audit", "action", completeChoices(actionChoices(f.Text))},
	}
	for path, list := range outputChoices(f.Text) {
		table = append(table, flagCompletion{path, "output", completeChoices(list)})
	}
	for _, fc := range table {
		cmd, err := commandAt(root, fc.command)
		if err != nil {
			return err
		}
		if err := cmd.RegisterFlagCompletionFunc(fc.flag, fc.complete); err != nil {
			return fmt.Errorf("complete %q --%s: %w", fc.command, fc.flag, err) // untranslated: a mistake in this file's table, which NewRoot panics on
		}
	}

	// Arguments: the CSV file of a batch; nothing for the commands that take none, so
	// that the shell does not offer the folder's files; any file for report's page.
	args := map[string]cobra.CompletionFunc{
		"batch": csvFiles,
		// untranslated: a command's path
		"profiles add": cobra.NoFileCompletions,
	}
	// untranslated: the commands' paths, on this line and the next
	for _, path := range []string{"start", "status", "reset", "version", "providers", "providers check", "doctor",
		"secrets", "secrets list", "profiles", "profiles list", "audit", "remind"} { // untranslated: the commands' paths
		args[path] = cobra.NoFileCompletions
	}
	for path, complete := range args {
		cmd, err := commandAt(root, path)
		if err != nil {
			return err
		}
		cmd.ValidArgsFunction = complete
	}
	return nil
}

// commandAt is the command at path ("profiles list"), or an error when there is none.
func commandAt(root *cobra.Command, path string) (*cobra.Command, error) {
	if path == "" {
		return root, nil
	}
	cmd, rest, err := root.Find(strings.Fields(path))
	if err != nil || len(rest) != 0 || cmd.CommandPath() != root.Name()+" "+path {
		return nil, fmt.Errorf("complete %q: there is no such command", path) // untranslated: a mistake in this file's table, which NewRoot panics on
	}
	return cmd, nil
}

// completePeople offers the addresses of the people who have started in the
// customer's folder (--profile, then MFA_ONBOARD_PROFILE), sorted, that begin with
// what was typed, whatever its case. A file that cannot be read is left out: Tab is
// no place to report it, and status --all does.
func completePeople(f *Factory) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, typed string) ([]cobra.Completion, cobra.ShellCompDirective) {
		p, err := f.Profile()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		prefix := strings.ToLower(typed)
		// A Store of its own, not f.Store: that one asks the OS who is signed in,
		// which completion has no use for.
		users, _ := state.Collect(state.NewFiles(p.StateDir()), func(st *state.State) string {
			if !strings.HasPrefix(strings.ToLower(st.User), prefix) {
				return ""
			}
			return offerable(st.User)
		})
		users = slices.DeleteFunc(users, func(u string) bool { return u == "" })
		if len(users) > maxPeopleCandidates {
			users = users[:maxPeopleCandidates]
		}
		return users, cobra.ShellCompDirectiveNoFileComp
	}
}

// offerable is an address read from a state file as the tool would take it when
// typed (lower case), or "" when it would not take it, or when it holds a space or a
// tab that would split it in the shell.
func offerable(user string) string {
	canonical, err := account.Parse(user)
	if err != nil || strings.ContainsAny(canonical, " \t") {
		return ""
	}
	return canonical
}

// completeProfiles offers the customers of the home folder: "default", then every
// profile added.
func completeProfiles(f *Factory) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, typed string) ([]cobra.Completion, cobra.ShellCompDirective) {
		home, err := f.Home()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		all, _ := profile.List(home)
		var out []cobra.Completion
		for _, p := range all {
			if !strings.HasPrefix(p.Name, typed) {
				continue
			}
			about := f.Text.T("complete.profile")
			if p.IsDefault() {
				about = f.Text.T("complete.profile.default")
			}
			out = append(out, cobra.CompletionWithDesc(p.Name, about))
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

// stepChoices are the step ids, in the order a run takes them.
func stepChoices(p *catalog.Printer) []choice {
	var out []choice
	for _, s := range steps.All() {
		out = append(out, choice{s.ID(), s.Title(p)})
	}
	return out
}

// actionChoices are the audit's actions: every step id, then the others.
func actionChoices(p *catalog.Printer) []choice {
	return append(stepChoices(p),
		choice{audit.ActionReset, p.T("complete.action.reset")},
		choice{audit.ActionTrustPhone, p.T("complete.action.trust-phone")},
		choice{string(remind.KindRemind), p.T("complete.action.remind")},
		choice{string(remind.KindEscalate), p.T("complete.action.remind-escalate")},
	)
}

// completeChoices offers the fixed values that begin with what was typed.
func completeChoices(list []choice) cobra.CompletionFunc {
	return func(_ *cobra.Command, _ []string, typed string) ([]cobra.Completion, cobra.ShellCompDirective) {
		var out []cobra.Completion
		for _, c := range list {
			if strings.HasPrefix(c.value, typed) {
				out = append(out, cobra.CompletionWithDesc(c.value, c.about))
			}
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
}

func dirsOnly(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return nil, cobra.ShellCompDirectiveFilterDirs
}

func yamlFiles(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return []cobra.Completion{"yaml", "yml"}, cobra.ShellCompDirectiveFilterFileExt
}

func csvFiles(_ *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
	if len(args) > 0 {
		return nil, cobra.ShellCompDirectiveNoFileComp // batch takes one file
	}
	return []cobra.Completion{"csv"}, cobra.ShellCompDirectiveFilterFileExt
}
