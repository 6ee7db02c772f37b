package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// TestChoosingThePersonStopsAtTheSecondOne: without --user, once two people are found
// nobody can be "the one person", so the files after them are not read, whatever
// they hold; what each command says is what it says for two people.
func TestChoosingThePersonStopsAtTheSecondOne(t *testing.T) {
	home := t.TempDir()
	for _, u := range []string{"alice@example.com", "bob@example.com"} {
		if code, _, stderr := run(t, nil, "start", "--home", home, "--user", u); code != ExitWaiting {
			t.Fatalf("start for %s: exit %d\n%s", u, code, stderr)
		}
	}
	store := state.NewFiles(filepath.Join(home, "state"))
	for i := range 20 {
		if err := os.WriteFile(store.Path(fmt.Sprintf("zed%02d@example.com", i)), []byte(`{"schema": 1, "user": "ze`), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"status"}, ExitUsage, "alice@example.com, bob@example.com and 20 more"},
		{[]string{"status", "--output", "json"}, ExitUsage, "--user"},
		{[]string{"reset", "--yes"}, ExitUsage, "--user"},
		{[]string{"start"}, ExitWaiting, "--user"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, stderr := run(t, map[string]string{"CI": "true"}, append(tt.args, "--home", home)...)
			if code != tt.code || !strings.Contains(stderr, tt.want) || strings.Contains(stderr, "zed") {
				t.Errorf("exit %d; want %d, saying %q and reading no zed file\n%s", code, tt.code, tt.want, stderr)
			}
		})
	}
}

// Two people and nothing else are both named, as before.
func TestStatusOfTwoPeopleNamesBoth(t *testing.T) {
	home := t.TempDir()
	for _, u := range []string{"bob@example.com", "alice@example.com"} {
		run(t, nil, "start", "--home", home, "--user", u)
	}
	code, _, stderr := run(t, nil, "status", "--home", home)
	if code != ExitUsage || !strings.Contains(stderr, "several people have started here (alice@example.com, bob@example.com); choose one with --user") {
		t.Errorf("exit %d\n%s", code, stderr)
	}
}
