package profile_test

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/mfa-onboard/mfa-onboard/internal/profile"
)

func TestCheckName(t *testing.T) {
	tests := []struct {
		name string
		ok   bool
		want string // a word the refusal must hold
	}{
		{"contoso", true, ""},
		{"fabrikam-east", true, ""},
		{"a", true, ""},
		{"team-2", true, ""},
		{strings.Repeat("a", 40), true, ""},
		{"", false, "empty"},
		{strings.Repeat("a", 41), false, "40"},
		{"Contoso", false, "contoso"},
		{"con toso", false, "letters"},
		{"contoso/east", false, "letters"},
		{"..", false, "letters"},
		{"-contoso", false, "begin"},
		{"contoso-", false, "end"},
		{"default", false, "default"},
		{"con", false, "Windows"},
		{"nul", false, "Windows"},
		{"lpt1", false, "Windows"},
		{"café", false, "letters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := profile.CheckName(tt.name)
			if tt.ok {
				if err != nil {
					t.Fatalf("CheckName(%q) = %v; want it accepted", tt.name, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("CheckName(%q) accepted it", tt.name)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("CheckName(%q) = %q; want it to say %q", tt.name, err, tt.want)
			}
		})
	}
}

func TestTheDefaultIsTheHomeFolderItself(t *testing.T) {
	home := t.TempDir()
	for _, name := range []string{"", "default"} {
		p, err := profile.Open(home, name)
		if err != nil {
			t.Fatalf("Open(%q): %v", name, err)
		}
		if !p.IsDefault() || p.Name != profile.DefaultName || p.Dir != home {
			t.Errorf("Open(%q) = %+v; want the default, in %s", name, p, home)
		}
		if p.ConfigPath() != filepath.Join(home, "config.yaml") || p.StateDir() != filepath.Join(home, "state") ||
			p.OutboxPath() != filepath.Join(home, "outbox.jsonl") || p.DemoPath() != filepath.Join(home, "demo-services.json") ||
			p.AuditPath() != filepath.Join(home, "audit.jsonl") {
			t.Errorf("the default's files moved: %s %s %s %s %s", p.ConfigPath(), p.StateDir(), p.OutboxPath(), p.DemoPath(), p.AuditPath())
		}
	}
}

func TestANamedProfileKeepsEveryFileInItsOwnFolder(t *testing.T) {
	home := t.TempDir()
	if _, err := profile.Add(home, "contoso", ""); err != nil {
		t.Fatal(err)
	}
	p, err := profile.Open(home, "contoso")
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(home, "profiles", "contoso")
	if p.IsDefault() || p.Name != "contoso" || p.Dir != dir {
		t.Fatalf("Open = %+v; want contoso in %s", p, dir)
	}
	for _, f := range []string{p.ConfigPath(), p.StateDir(), p.OutboxPath(), p.DemoPath(), p.AuditPath()} {
		if filepath.Dir(f) != dir {
			t.Errorf("%s is outside the profile's folder %s", f, dir)
		}
	}
}

func TestOpeningAProfileThatDoesNotExistSaysHowToAddIt(t *testing.T) {
	home := t.TempDir()
	for _, n := range []string{"fabrikam", "contoso"} {
		if _, err := profile.Add(home, n, ""); err != nil {
			t.Fatal(err)
		}
	}
	_, err := profile.Open(home, "northwind")
	var nf *profile.NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("Open(northwind) = %v; want a *NotFoundError", err)
	}
	msg := err.Error()
	for _, want := range []string{"northwind", "mfa-onboard profiles add northwind", "contoso, fabrikam"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the error %q does not say %q", msg, want)
		}
	}
	if _, err := os.Stat(filepath.Join(home, "profiles", "northwind")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open made the folder of a profile that does not exist (%v)", err)
	}
}

func TestOpenRefusesABadName(t *testing.T) {
	_, err := profile.Open(t.TempDir(), "../elsewhere")
	var bad *profile.NameError
	if !errors.As(err, &bad) {
		t.Fatalf("Open(../elsewhere) = %v; want a *NameError", err)
	}
}

func TestAddCreatesAPrivateFolderAndCopiesTheConfig(t *testing.T) {
	home := t.TempDir()
	src := filepath.Join(t.TempDir(), "contoso.yaml")
	if err := os.WriteFile(src, []byte("organisation: Contoso\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p, err := profile.Add(home, "contoso", src)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(p.ConfigPath())
	if err != nil || string(got) != "organisation: Contoso\n" {
		t.Fatalf("config.yaml = %q (%v); want the copied file", got, err)
	}
	if runtime.GOOS != "windows" {
		for path, want := range map[string]os.FileMode{p.Dir: 0o700, filepath.Dir(p.Dir): 0o700, p.ConfigPath(): 0o600} {
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != want {
				t.Errorf("%s is %v; want %v", path, fi.Mode().Perm(), want)
			}
		}
	}
	if leftovers, _ := filepath.Glob(filepath.Join(home, "profiles", ".*")); len(leftovers) != 0 {
		t.Errorf("Add left temporary folders behind: %v", leftovers)
	}
}

func TestAddRefusesWhatItCannotDoCleanly(t *testing.T) {
	home := t.TempDir()
	if _, err := profile.Add(home, "contoso", ""); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, config, want string
	}{
		{"contoso", "", "already exists"},
		{"default", "", "default"},
		{"Contoso", "", "contoso"},
		{"fabrikam", filepath.Join(home, "missing.yaml"), "missing.yaml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := profile.Add(home, tt.name, tt.config)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Add(%q, %q) = %v; want an error saying %q", tt.name, tt.config, err, tt.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(home, "profiles", "fabrikam")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a failed Add left the profile's folder behind (%v)", err)
	}
}

func TestListNamesTheDefaultFirstThenEachProfile(t *testing.T) {
	home := t.TempDir()
	for _, n := range []string{"northwind", "contoso"} {
		if _, err := profile.Add(home, n, ""); err != nil {
			t.Fatal(err)
		}
	}
	// Things in the profiles folder that are not profiles are not listed.
	os.WriteFile(filepath.Join(home, "profiles", "notes.txt"), nil, 0o600)
	os.Mkdir(filepath.Join(home, "profiles", "Bad Name"), 0o700)
	all, err := profile.List(home)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range all {
		names = append(names, p.Name)
	}
	if want := []string{"default", "contoso", "northwind"}; !slices.Equal(names, want) {
		t.Errorf("List = %v; want %v", names, want)
	}
}

func TestListOfAnEmptyHomeIsTheDefaultAlone(t *testing.T) {
	all, err := profile.List(filepath.Join(t.TempDir(), "not-yet"))
	if err != nil || len(all) != 1 || !all[0].IsDefault() {
		t.Fatalf("List = %+v, %v; want the default alone", all, err)
	}
}

func TestAProfileFolderThatIsALinkIsRefused(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	home := t.TempDir()
	os.MkdirAll(filepath.Join(home, "profiles"), 0o700)
	if err := os.Symlink(t.TempDir(), filepath.Join(home, "profiles", "contoso")); err != nil {
		t.Fatal(err)
	}
	_, err := profile.Open(home, "contoso")
	if err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("Open of a linked profile = %v; want it refused, naming the link", err)
	}
}
