package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/config"
	"github.com/mfa-onboard/mfa-onboard/internal/profile"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

// ProfilesSchema versions the JSON document of "profiles list --output json".
const ProfilesSchema = 1

func newProfilesCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "profiles",
		Short:   f.Text.T("cli.profiles.short"),
		Long:    f.Text.T("cli.profiles.long"),
		Example: f.Text.T("cli.profiles.example"),
		Args:    unknownSubcommand,
		RunE:    showHelp,
	}
	cmd.AddCommand(newProfilesListCmd(f), newProfilesAddCmd(f))
	return cmd
}

func newProfilesListCmd(f *Factory) *cobra.Command {
	output := "table"
	cmd := &cobra.Command{
		Use:     "list",
		Short:   f.Text.T("cli.profiles.list.short"),
		Example: f.Text.T("cli.profiles.list.example"),
		Args:    cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			switch output {
			case "table", "text", "json":
			default:
				return usage(catalog.NewError("cli.output.table-json", "Value", strconv.Quote(sanitize.Inline(output))))
			}
			return runProfilesList(f, output)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", f.Text.T("cli.profiles.list.flag.output"))
	return cmd
}

// profileRow is one customer in "profiles list".
type profileRow struct {
	Name  string `json:"name"`
	Users int    `json:"users"`
	Dir   string `json:"dir"`
}

func runProfilesList(f *Factory, output string) error {
	home, err := f.Home()
	if err != nil {
		return err
	}
	all, err := profile.List(home)
	if err != nil {
		return err
	}
	rows := make([]profileRow, 0, len(all))
	for _, p := range all {
		n, err := countPeople(p)
		if err != nil {
			return err
		}
		rows = append(rows, profileRow{Name: p.Name, Users: n, Dir: p.Dir})
	}
	if output == "json" {
		return writeEscapedJSON(f.IO.Out, struct {
			Schema   int          `json:"schema"`
			Profiles []profileRow `json:"profiles"`
		}{ProfilesSchema, rows})
	}
	tw := tabwriter.NewWriter(f.IO.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, f.Text.T("cli.profiles.list.header"))
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%s\n", r.Name, r.Users, sanitize.Inline(r.Dir))
	}
	return tw.Flush()
}

// countPeople is how many people have started in p: the state files in its state
// folder, counted by name without reading them, so a list of customers costs the
// same however many people each has.
func countPeople(p profile.Profile) (int, error) {
	entries, err := os.ReadDir(p.StateDir())
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, catalog.Wrap(err, "cli.profiles.read-state", "Dir", p.StateDir())
	}
	n := 0
	for _, e := range entries {
		// Locks, backups and temporary files (".<name>.json<digits>") are not people.
		if name := e.Name(); e.Type().IsRegular() && strings.HasSuffix(name, ".json") && !strings.HasPrefix(name, ".") {
			n++
		}
	}
	return n, nil
}

func newProfilesAddCmd(f *Factory) *cobra.Command {
	return &cobra.Command{
		Use:     "add NAME", // untranslated: a command line, with its placeholder
		Short:   f.Text.T("cli.profiles.add.short"),
		Long:    f.Text.T("cli.profiles.add.long"),
		Example: f.Text.T("cli.profiles.add.example"),
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usage(catalog.NewError("cli.profiles.add.one"))
			}
			return nil
		},
		RunE: func(_ *cobra.Command, args []string) error { return runProfilesAdd(f, args[0]) },
	}
}

func runProfilesAdd(f *Factory, name string) error {
	home, err := f.Home()
	if err != nil {
		return err
	}
	if err := profile.CheckName(name); err != nil {
		return &UsageError{Err: err}
	}
	if f.ConfigFlag != "" {
		// Refused now, by name and line, rather than at the customer's first run.
		if _, err := config.Load(f.ConfigFlag, true); err != nil {
			return err
		}
	}
	p, err := profile.Add(home, name, f.ConfigFlag)
	var exists *profile.ExistsError
	if errors.As(err, &exists) {
		return &UsageError{Err: err}
	}
	if err != nil {
		return err
	}
	w, t := f.IO.ErrOut, f.Text
	fmt.Fprintln(w, t.T("cli.profiles.add.done", "Name", p.Name, "Dir", p.Dir))
	if f.ConfigFlag != "" {
		fmt.Fprintln(w, t.T("cli.profiles.add.copied", "File", f.ConfigFlag))
	} else {
		fmt.Fprintln(w, t.T("cli.profiles.add.no-config"))
	}
	fmt.Fprintln(w, t.T("cli.profiles.add.use", "Name", p.Name))
	return nil
}
