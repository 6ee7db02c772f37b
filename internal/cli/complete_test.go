package cli

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/profile"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// startedIn saves a first step's progress for each address in the customer's folder
// dir, as a run would have.
func startedIn(t *testing.T, dir string, users ...string) {
	t.Helper()
	store := state.NewFiles(filepath.Join(dir, profile.StateDir))
	for _, u := range users {
		st := state.New(u, time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC))
		if err := store.Save(st); err != nil {
			t.Fatal(err)
		}
	}
}

// complete runs "__complete args…" as a shell's completion script does, and returns
// the candidates (without descriptions) and the directive line.
func complete(t *testing.T, env map[string]string, args ...string) (candidates []string, directive, stderr string) {
	t.Helper()
	code, stdout, stderr := run(t, env, append([]string{"__complete"}, args...)...)
	if code != 0 {
		t.Fatalf("__complete %q: exit %d\n%s", args, code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(stdout, "\n"), "\n")
	directive = lines[len(lines)-1]
	for _, l := range lines[:len(lines)-1] {
		value, _, _ := strings.Cut(l, "\t")
		candidates = append(candidates, value)
	}
	return candidates, directive, stderr
}

// onlyCobrasLine fails unless stderr holds nothing but the line cobra's __complete
// always ends with, which every shell's script throws away.
func onlyCobrasLine(t *testing.T, stderr string) {
	t.Helper()
	if strings.TrimPrefix(stderr, "Completion ended with directive: ShellCompDirectiveNoFileComp\n") != "" {
		t.Errorf("completion printed on stderr:\n%s", stderr)
	}
}

// tree lists every file and folder under dir, to show that completion made none.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var all []string
	err := filepath.WalkDir(dir, func(path string, _ fs.DirEntry, err error) error {
		all = append(all, path)
		return err
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return all
}

func TestUserCompletesThePeopleStartedInTheCurrentProfile(t *testing.T) {
	home := t.TempDir()
	startedIn(t, home, "bob@contoso.com", "alice@contoso.com", "Alan@contoso.com")
	if err := os.MkdirAll(filepath.Join(home, "profiles", "fabrikam"), 0o700); err != nil {
		t.Fatal(err)
	}
	startedIn(t, filepath.Join(home, "profiles", "fabrikam"), "zoe@fabrikam.com")
	env := map[string]string{"MFA_ONBOARD_HOME": home}
	before := tree(t, home)

	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"start", "--user", ""}, []string{"alan@contoso.com", "alice@contoso.com", "bob@contoso.com"}},
		{[]string{"start", "--for", "al"}, []string{"alan@contoso.com", "alice@contoso.com"}},
		{[]string{"start", "--user", "AL"}, []string{"alan@contoso.com", "alice@contoso.com"}},
		{[]string{"status", "--user", "b"}, []string{"bob@contoso.com"}},
		{[]string{"status", "--for", "b"}, []string{"bob@contoso.com"}},
		{[]string{"reset", "--user", "x"}, nil},
		{[]string{"audit", "--user", ""}, []string{"alan@contoso.com", "alice@contoso.com", "bob@contoso.com"}},
		{[]string{"--profile", "fabrikam", "start", "--user", ""}, []string{"zoe@fabrikam.com"}},
		{[]string{"start", "--profile", "fabrikam", "--for", "z"}, []string{"zoe@fabrikam.com"}},
		// A profile never added offers nobody, and says nothing.
		{[]string{"--profile", "nobody", "start", "--user", ""}, nil},
	}
	for _, tt := range tests {
		got, directive, stderr := complete(t, env, tt.args...)
		// The state keeps the address as typed; what is offered is what was saved.
		for i := range got {
			got[i] = strings.ToLower(got[i])
		}
		if !slices.Equal(got, tt.want) || directive != ":4" {
			t.Errorf("__complete %q = %q %s; want %q :4", tt.args, got, directive, tt.want)
		}
		onlyCobrasLine(t, stderr)
	}
	if after := tree(t, home); !slices.Equal(before, after) {
		t.Errorf("completion changed the home folder:\nbefore %q\nafter  %q", before, after)
	}
}

func TestUserCompletionCreatesNothingInAHomeThatDoesNotExist(t *testing.T) {
	home := filepath.Join(t.TempDir(), "never-made")
	got, directive, stderr := complete(t, map[string]string{"MFA_ONBOARD_HOME": home}, "start", "--user", "")
	if len(got) != 0 || directive != ":4" {
		t.Errorf("got %q %s; want nothing, :4", got, directive)
	}
	onlyCobrasLine(t, stderr)
	if _, err := os.Lstat(home); !os.IsNotExist(err) {
		t.Errorf("completion made the home folder (%v)", err)
	}
}

func TestUserCompletionOffersABoundedNumberOfPeople(t *testing.T) {
	home := t.TempDir()
	var users []string
	for i := range maxPeopleCandidates + 30 {
		users = append(users, fmt.Sprintf("user%04d@contoso.com", i))
	}
	startedIn(t, home, users...)
	got, _, _ := complete(t, map[string]string{"MFA_ONBOARD_HOME": home}, "start", "--user", "user")
	if len(got) != maxPeopleCandidates || got[0] != users[0] {
		t.Errorf("%d candidates starting %q; want the first %d", len(got), got[:1], maxPeopleCandidates)
	}
}

func TestProfileCompletesTheCustomers(t *testing.T) {
	home := t.TempDir()
	for _, name := range []string{"contoso", "fabrikam"} {
		if _, err := profile.Add(home, name, ""); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"MFA_ONBOARD_HOME": home}
	for args, want := range map[string][]string{
		"--profile ":                      {"default", "contoso", "fabrikam"},
		"status --profile c":              {"contoso"},
		"--home " + home + " --profile f": {"fabrikam"},
	} {
		argv := strings.Split(args, " ")
		got, directive, stderr := complete(t, env, argv...)
		if !slices.Equal(got, want) || directive != ":4" {
			t.Errorf("__complete %s = %q %s; want %q :4", args, got, directive, want)
		}
		onlyCobrasLine(t, stderr)
	}
}

func TestFixedValuesComplete(t *testing.T) {
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"start", "--output", ""}, []string{"text", "json"}},
		{[]string{"start", "-o", "j"}, []string{"json"}},
		{[]string{"status", "--output", ""}, []string{"table", "json", "csv"}},
		{[]string{"batch", "users.csv", "--output", ""}, []string{"text", "json", "csv"}},
		{[]string{"audit", "--output", ""}, []string{"table", "json"}},
		{[]string{"remind", "--output", ""}, []string{"table", "json"}},
		{[]string{"profiles", "list", "--output", ""}, []string{"table", "json"}},
		{[]string{"status", "--all", "--step", ""}, []string{"phone", "verify", "notify-support", "office-apps", "mobile-mail", "duo-install", "duo-enroll", "duo-test"}},
		{[]string{"status", "--step", "duo-"}, []string{"duo-install", "duo-enroll", "duo-test"}},
		{[]string{"audit", "--action", "re"}, []string{"reset", "remind", "remind-escalate"}},
	}
	env := map[string]string{"MFA_ONBOARD_HOME": t.TempDir()}
	for _, tt := range tests {
		got, directive, stderr := complete(t, env, tt.args...)
		if !slices.Equal(got, tt.want) || directive != ":4" {
			t.Errorf("__complete %q = %q %s; want %q :4", tt.args, got, directive, tt.want)
		}
		onlyCobrasLine(t, stderr)
	}
}

func TestEveryOutputValueOfferedIsOneTheCommandAccepts(t *testing.T) {
	home := t.TempDir()
	for path, list := range outputChoices(nil) {
		for _, c := range list {
			args := append(strings.Fields(path), "--home", home, "--output", c.value)
			switch path {
			case "batch":
				args = append(args, "--dry-run", filepath.Join(home, "missing.csv"))
			case "status":
				if c.value == "csv" {
					args = append(args, "--all")
				}
			}
			_, _, stderr := run(t, map[string]string{"CI": "true"}, args...)
			if strings.Contains(stderr, "--output") {
				t.Errorf("%q refused an --output it is offered:\n%s", args, stderr)
			}
		}
	}
}

func TestArgumentsCompleteNoFilesWhereThereAreNone(t *testing.T) {
	env := map[string]string{"MFA_ONBOARD_HOME": t.TempDir()}
	for _, args := range [][]string{{"start", ""}, {"status", ""}, {"profiles", "add", ""}, {"batch", "a.csv", ""}} {
		if _, directive, _ := complete(t, env, args...); directive != ":4" {
			t.Errorf("__complete %q ends %s; want :4 (no files)", args, directive)
		}
	}
	// A batch's file: CSV files only (ShellCompDirectiveFilterFileExt).
	if got, directive, _ := complete(t, env, "batch", ""); !slices.Equal(got, []string{"csv"}) || directive != ":8" {
		t.Errorf("__complete batch '' = %q %s; want [csv] :8", got, directive)
	}
}

func TestCompletionScriptsForEveryShell(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		code, stdout, stderr := run(t, nil, "completion", shell)
		if code != 0 || !strings.Contains(stdout, "__complete") {
			t.Errorf("completion %s: exit %d, no script\n%s", shell, code, stderr)
		}
	}
	if code, _, _ := run(t, nil, "completion", "tcsh"); code != ExitUsage {
		t.Errorf("completion tcsh: exit %d; want 2", code)
	}
}

// The words a shell shows beside each value are in the run's language; the values
// are the ones the flags take, the same in every language.
func TestCompletionDescriptionsAreInTheRunsLanguage(t *testing.T) {
	env := map[string]string{"MFA_ONBOARD_HOME": t.TempDir(), "MFA_ONBOARD_LANG": "es"}
	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"audit", "--action", "re"}, []string{"reset\tse olvidó el progreso de una persona", "remind\tse envió un recordatorio",
			"remind-escalate\tse avisó a un responsable o al servicio de soporte"}},
		{[]string{"batch", "--output", ""}, []string{"text\tpara que lo lea una persona", "json\tJSON Lines y una línea de resumen",
			"csv\tun encabezado y una fila por persona"}},
		{[]string{"--profile", ""}, []string{"default\tel cliente propio de la carpeta de inicio"}},
	} {
		code, stdout, stderr := run(t, env, append([]string{"__complete"}, tt.args...)...)
		if code != 0 {
			t.Fatalf("__complete %q: exit %d\n%s", tt.args, code, stderr)
		}
		for _, want := range tt.want {
			if !strings.Contains(stdout, want+"\n") {
				t.Errorf("__complete %q does not offer %q:\n%s", tt.args, want, stdout)
			}
		}
	}
}
