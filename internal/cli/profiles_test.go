package cli

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// profileRun runs a command line with no terminal in home, as automation would.
func profileRun(t *testing.T, home string, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	all := map[string]string{"CI": "true", "MFA_ONBOARD_HOME": home}
	for k, v := range env {
		all[k] = v
	}
	return run(t, all, args...)
}

func mustAddProfile(t *testing.T, home, name string, args ...string) {
	t.Helper()
	if code, _, stderr := profileRun(t, home, nil, append([]string{"profiles", "add", name}, args...)...); code != 0 {
		t.Fatalf("profiles add %s: exit %d\n%s", name, code, stderr)
	}
}

func TestAProfileKeepsItsCustomersFilesApart(t *testing.T) {
	home := t.TempDir()
	mustAddProfile(t, home, "contoso")
	code, _, stderr := profileRun(t, home, nil, "start", "--profile", "contoso", "--user", "alice@contoso.com")
	if code != ExitWaiting {
		t.Fatalf("start --profile contoso: exit %d; want 3\n%s", code, stderr)
	}
	dir := filepath.Join(home, "profiles", "contoso")
	if !strings.Contains(stderr, filepath.Join(dir, "outbox.jsonl")) {
		t.Errorf("the run does not say its outbox is the profile's:\n%s", stderr)
	}
	// "start" alone would carry on for the default customer, not this one.
	if strings.Contains(stderr, "mfa-onboard start") || !strings.Contains(stderr, "mfa-onboard --profile contoso start") {
		t.Errorf("the run does not say to carry on with --profile contoso:\n%s", stderr)
	}
	if states, _ := filepath.Glob(filepath.Join(dir, "state", "alice@contoso.com-*.json")); len(states) != 1 {
		t.Errorf("the state is not in the profile's folder: %v", states)
	}
	if _, err := os.Stat(filepath.Join(home, "state")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a profile's run wrote into the home folder's state (%v)", err)
	}

	// The default customer knows nothing of contoso's people, and the other way round.
	code, stdout, _ := profileRun(t, home, nil, "status", "--user", "alice@contoso.com")
	if code != 0 || !strings.Contains(stdout, "Nobody by the address alice@contoso.com has started") {
		t.Errorf("the default customer sees contoso's person (exit %d):\n%s", code, stdout)
	}
	if code, _, stderr := profileRun(t, home, nil, "start", "--user", "bob@fabrikam.com"); code != ExitWaiting {
		t.Fatalf("start in the default: exit %d\n%s", code, stderr)
	}
	res, _ := statusJSON(t, "--home", home, "--profile", "contoso")
	if res.User != "alice@contoso.com" {
		t.Errorf("status --profile contoso is of %q; want alice alone", res.User)
	}
	// MFA_ONBOARD_PROFILE chooses it too, and --profile default overrides it.
	code, stdout, _ = profileRun(t, home, map[string]string{"MFA_ONBOARD_PROFILE": "contoso"}, "status")
	if code != 0 || !strings.Contains(stdout, "alice@contoso.com") {
		t.Errorf("MFA_ONBOARD_PROFILE=contoso status (exit %d):\n%s", code, stdout)
	}
	code, stdout, _ = profileRun(t, home, map[string]string{"MFA_ONBOARD_PROFILE": "contoso"}, "status", "--profile", "default")
	if code != 0 || !strings.Contains(stdout, "bob@fabrikam.com") {
		t.Errorf("--profile default does not choose the home folder's customer (exit %d):\n%s", code, stdout)
	}
}

func TestANamedProfileNeverReadsTheHomeFoldersConfig(t *testing.T) {
	home := t.TempDir()
	mustAddProfile(t, home, "contoso")
	os.WriteFile(filepath.Join(home, "config.yaml"), []byte("no_such_key: 1\n"), 0o600)
	if code, _, stderr := profileRun(t, home, nil, "start", "--user", "a@contoso.com"); code != ExitUsage || !strings.Contains(stderr, "no_such_key") {
		t.Fatalf("the default's broken config was not read by the default (exit %d)\n%s", code, stderr)
	}
	if code, _, stderr := profileRun(t, home, nil, "start", "--profile", "contoso", "--user", "a@contoso.com"); code != ExitWaiting {
		t.Errorf("contoso's run read the home folder's config (exit %d)\n%s", code, stderr)
	}
}

func TestAProfileThatWasNeverAddedIsAUsageError(t *testing.T) {
	home := t.TempDir()
	mustAddProfile(t, home, "fabrikam")
	mustAddProfile(t, home, "contoso")
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want []string
	}{
		{"flag", nil, []string{"start", "--profile", "northwind", "--user", "a@b.co"}, []string{"northwind", "mfa-onboard profiles add northwind", "contoso, fabrikam"}},
		{"environment", map[string]string{"MFA_ONBOARD_PROFILE": "northwind"}, []string{"status"}, []string{"MFA_ONBOARD_PROFILE", "mfa-onboard profiles add northwind"}},
		{"bad name", nil, []string{"status", "--profile", "../x"}, []string{"--profile", "letters"}},
		{"reset", nil, []string{"reset", "--profile", "northwind", "--yes"}, []string{"profiles add northwind"}},
		{"audit", nil, []string{"audit", "--profile", "northwind"}, []string{"profiles add northwind"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := profileRun(t, home, tt.env, tt.args...)
			if code != ExitUsage {
				t.Fatalf("exit %d; want 2\n%s", code, stderr)
			}
			for _, w := range tt.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr does not say %q:\n%s", w, stderr)
				}
			}
		})
	}
	if _, err := os.Stat(filepath.Join(home, "profiles", "northwind")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("choosing a missing profile created it (%v)", err)
	}
}

func TestProfilesAddCopiesACheckedConfig(t *testing.T) {
	home := t.TempDir()
	good := filepath.Join(t.TempDir(), "contoso.yaml")
	os.WriteFile(good, []byte("organisation: Contoso\n"), 0o600)
	code, _, stderr := profileRun(t, home, nil, "profiles", "add", "contoso", "--config", good)
	if code != 0 || !strings.Contains(stderr, filepath.Join(home, "profiles", "contoso")) {
		t.Fatalf("profiles add: exit %d\n%s", code, stderr)
	}
	if got, _ := os.ReadFile(filepath.Join(home, "profiles", "contoso", "config.yaml")); string(got) != "organisation: Contoso\n" {
		t.Errorf("config.yaml = %q", got)
	}

	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("no_such_key: 1\n"), 0o600)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"profiles", "add", "fabrikam", "--config", bad}, "no_such_key"},
		{[]string{"profiles", "add", "contoso"}, "already exists"},
		{[]string{"profiles", "add", "Fabrikam"}, `"fabrikam"`},
		{[]string{"profiles", "add", "default"}, "default"},
		{[]string{"profiles", "add"}, "NAME"},
	}
	for _, tt := range tests {
		code, _, stderr := profileRun(t, home, nil, tt.args...)
		if code != ExitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d; want 2, saying %q\n%s", tt.args, code, tt.want, stderr)
		}
	}
	if _, err := os.Stat(filepath.Join(home, "profiles", "fabrikam")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused config left a profile behind (%v)", err)
	}
}

func TestProfilesListCountsEachCustomersPeople(t *testing.T) {
	home := t.TempDir()
	mustAddProfile(t, home, "contoso")
	mustAddProfile(t, home, "fabrikam")
	for _, u := range []string{"alice@contoso.com", "bob@contoso.com"} {
		profileRun(t, home, nil, "start", "--profile", "contoso", "--user", u)
	}
	profileRun(t, home, nil, "start", "--user", "carol@example.com")

	code, stdout, stderr := profileRun(t, home, nil, "profiles", "list", "--output", "json")
	if code != 0 {
		t.Fatalf("profiles list: exit %d\n%s", code, stderr)
	}
	var doc struct {
		Schema   int `json:"schema"`
		Profiles []struct {
			Name  string `json:"name"`
			Users int    `json:"users"`
			Dir   string `json:"dir"`
		} `json:"profiles"`
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	if err := dec.Decode(&doc); err != nil || dec.More() {
		t.Fatalf("stdout is not one JSON document (%v):\n%s", err, stdout)
	}
	type row struct {
		name  string
		users int
		dir   string
	}
	want := []row{{"default", 1, home}, {"contoso", 2, filepath.Join(home, "profiles", "contoso")}, {"fabrikam", 0, filepath.Join(home, "profiles", "fabrikam")}}
	if doc.Schema != 1 || len(doc.Profiles) != len(want) {
		t.Fatalf("document = %+v", doc)
	}
	for i, w := range want {
		if p := doc.Profiles[i]; p.Name != w.name || p.Users != w.users || p.Dir != w.dir {
			t.Errorf("profile %d = %+v; want %+v", i, p, w)
		}
	}

	code, stdout, _ = profileRun(t, home, nil, "profiles", "list")
	if code != 0 {
		t.Fatalf("profiles list: exit %d", code)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "PROFILE") || !strings.HasPrefix(lines[2], "contoso") || !strings.Contains(lines[2], " 2 ") {
		t.Errorf("the table is\n%s", stdout)
	}
}

func TestTheDefaultCustomerKeepsTheHomeFolderLayout(t *testing.T) {
	home := t.TempDir()
	if code, _, stderr := profileRun(t, home, nil, "start", "--user", "alice@contoso.com", "--phone", "201 555 0100"); code != ExitWaiting {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, p := range []string{"state", "outbox.jsonl", "audit.jsonl"} {
		if _, err := os.Stat(filepath.Join(home, p)); err != nil {
			t.Errorf("%s is not in the home folder: %v", p, err)
		}
	}
	if _, err := os.Stat(filepath.Join(home, "profiles")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a run without a profile made the profiles folder (%v)", err)
	}
}

func TestResetInAProfileSaysHowToStartAgainThere(t *testing.T) {
	home := t.TempDir()
	mustAddProfile(t, home, "contoso")
	profileRun(t, home, nil, "start", "--profile", "contoso", "--user", "alice@contoso.com")
	code, _, stderr := profileRun(t, home, nil, "reset", "--profile", "contoso", "--user", "alice@contoso.com", "--yes")
	if code != 0 || !strings.Contains(stderr, "mfa-onboard --profile contoso start begins again") {
		t.Errorf("exit %d:\n%s", code, stderr)
	}
}
