package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/mfa-onboard/mfa-onboard/internal/config"
	"github.com/mfa-onboard/mfa-onboard/internal/profile"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

// ProfilesSchema versions the JSON document of "profiles list --output json".
const ProfilesSchema = 1

func newProfilesCmd(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "profiles",
		Short: "List or add customers (profiles), each with its own config, people and audit",
		Long: `A profile is one customer: its own config.yaml, people's progress, demo records and
audit, in <home>/profiles/<name>/. Choose one for any command with --profile NAME
or MFA_ONBOARD_PROFILE; without either, the home folder itself is the customer
("default"), as it always was. Nothing is ever shared between two profiles.`,
		Example: `  mfa-onboard profiles add contoso --config contoso.yaml   # checked, then copied in
  mfa-onboard profiles list
  mfa-onboard profiles list --output json`,
		Args: unknownSubcommand,
		RunE: showHelp,
	}
	cmd.AddCommand(newProfilesListCmd(f), newProfilesAddCmd(f))
	return cmd
}

func newProfilesListCmd(f *Factory) *cobra.Command {
	output := "table"
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the customers: the default, then every profile, with how many people have started",
		Example: `  mfa-onboard profiles list                 # PROFILE, USERS (people started), FOLDER
  mfa-onboard profiles list --output json`,
		Args: cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			switch output {
			case "table", "text", "json":
			default:
				return usagef("--output %q: use table or json", sanitize.Inline(output))
			}
			return runProfilesList(f, output)
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "table", "table (or text) or json")
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
	fmt.Fprintln(tw, "PROFILE\tUSERS\tFOLDER")
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
		return 0, fmt.Errorf("read the state folder %s (%w); check that you may read it", p.StateDir(), err)
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
		Use:   "add NAME",
		Short: "Add a customer: a folder of its own, with config.yaml copied from --config FILE if given",
		Long: `Add a customer: <home>/profiles/NAME/, readable by you alone. With --config FILE, the
file is checked as a configuration and copied in as the profile's config.yaml.

NAME is 1 to 40 lower-case letters, digits and '-' (not at either end), such as
contoso or fabrikam-east; "default" is the home folder's own customer.`,
		Example: `  mfa-onboard profiles add contoso --config contoso.yaml
  mfa-onboard profiles add fabrikam-east                  # then write its config.yaml`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usagef("profiles add takes one NAME, such as: mfa-onboard profiles add contoso")
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
	w := f.IO.ErrOut
	fmt.Fprintf(w, "Profile %s added: its files go in %s.\n", p.Name, p.Dir)
	if f.ConfigFlag != "" {
		fmt.Fprintf(w, "Its config.yaml is a copy of %s.\n", f.ConfigFlag)
	} else {
		fmt.Fprintf(w, "It has no config.yaml yet, so it runs on the demo providers until one is put there.\n")
	}
	fmt.Fprintf(w, "Work for this customer with --profile %s (or MFA_ONBOARD_PROFILE=%s).\n", p.Name, p.Name)
	return nil
}
