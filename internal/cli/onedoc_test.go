package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// oneDocument decodes stdout as exactly one JSON object, without depending on the
// Result type, so that a missing field shows as missing.
func oneDocument(t *testing.T, stdout string) map[string]any {
	t.Helper()
	var doc map[string]any
	dec := json.NewDecoder(strings.NewReader(stdout))
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%q", err, stdout)
	}
	if dec.More() {
		t.Fatalf("stdout holds more than one JSON document:\n%s", stdout)
	}
	if doc["schema"] != float64(ResultSchema) {
		t.Errorf("schema = %v; want %d", doc["schema"], ResultSchema)
	}
	if _, ok := doc["steps"].([]any); !ok {
		t.Errorf("steps = %v; want a list", doc["steps"])
	}
	return doc
}

// TestEveryRunThatParsedItsFlagsPrintsOneDocument covers the errors before the first
// step: each printed nothing on stdout with --output json.
func TestEveryRunThatParsedItsFlagsPrintsOneDocument(t *testing.T) {
	const alice = "alice@example.com"
	tests := []struct {
		name   string
		setup  func(t *testing.T, home string) []string
		code   int
		user   string
		reason string
	}{
		{"the person's lock is held", func(t *testing.T, home string) []string {
			unlock, err := state.NewFiles(filepath.Join(home, "state")).Lock(alice)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { unlock() })
			return []string{"--user", alice}
		}, ExitFailed, alice, "already working for " + alice},
		{"a damaged state file", func(t *testing.T, home string) []string {
			p := state.NewFiles(filepath.Join(home, "state")).Path(alice)
			writeState(t, home, filepath.Base(p), `{"schema":1,"user":"alice@exa`)
			return []string{"--user", alice}
		}, ExitFailed, alice, "is damaged"},
		{"a damaged state file, without --user", func(t *testing.T, home string) []string {
			writeState(t, home, filepath.Base(state.NewFiles("").Path(alice)), `{"schema":1,"user":"alice@exa`)
			return nil
		}, ExitFailed, "", "--user"},
		{"a bad answers file", func(t *testing.T, home string) []string {
			p := filepath.Join(home, "answers.yaml")
			if err := os.WriteFile(p, []byte("user: alice@example.com\nmobile-mail:\n  client: android\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			return []string{"--answers", p}
		}, ExitUsage, "", "mobile-mail.client"},
		{"a missing answers file", func(t *testing.T, home string) []string {
			return []string{"--answers", filepath.Join(home, "none.yaml")}
		}, ExitUsage, "", "none.yaml"},
		{"a bad --phone", func(t *testing.T, home string) []string {
			return []string{"--user", alice, "--phone", "123"}
		}, ExitUsage, alice, "--phone"},
		{"a bad config", func(t *testing.T, home string) []string {
			p := filepath.Join(home, "config.yaml")
			if err := os.WriteFile(p, []byte("organisation: X\nsupport_mail: a@b.c\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			return []string{"--user", alice}
		}, ExitUsage, alice, "support_mail"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			args := append([]string{"start", "--home", home, "--output", "json"}, tt.setup(t, home)...)
			code, stdout, stderr := run(t, map[string]string{"CI": "true"}, args...)
			if code != tt.code {
				t.Errorf("exit %d; want %d\n%s", code, tt.code, stderr)
			}
			doc := oneDocument(t, stdout)
			reason, _ := doc["reason"].(string)
			if doc["status"] != "failed" || !strings.Contains(reason, tt.reason) || doc["user"] != tt.user {
				t.Errorf("document %v; want failed for %q with a reason naming %q", doc, tt.user, tt.reason)
			}
			if !strings.Contains(stderr, tt.reason) {
				t.Errorf("stderr does not say it too:\n%s", stderr)
			}
		})
	}
}

func TestStatusPrintsOneDocumentWhenItCannotShowAnyone(t *testing.T) {
	home := t.TempDir()
	run(t, nil, "start", "--home", home, "--user", "bob@example.com")
	run(t, nil, "start", "--home", home, "--user", "carol@example.com")
	code, stdout, stderr := run(t, nil, "status", "--home", home, "--output", "json")
	doc := oneDocument(t, stdout)
	if reason, _ := doc["reason"].(string); code != ExitUsage || doc["status"] != "failed" || !strings.Contains(reason, "--user") {
		t.Errorf("status of several people: exit %d, %v\n%s", code, doc, stderr)
	}
}

// TestADamagedFileStopsEveryCommandThatChoosesThePerson: bob's is the one readable
// file and alice's is damaged, so "the only person" is not bob.
func TestADamagedFileStopsEveryCommandThatChoosesThePerson(t *testing.T) {
	const alice, bob = "alice@example.com", "bob@example.com"
	kinds := []struct {
		name  string
		write func(t *testing.T, path string)
	}{
		{"damaged", func(t *testing.T, p string) { os.WriteFile(p, []byte(`{"schema":1,"user":"alice@exa`), 0o600) }},
		{"newer schema", func(t *testing.T, p string) {
			os.WriteFile(p, []byte(`{"schema":99,"user":"alice@example.com"}`), 0o600)
		}},
		{"a folder", func(t *testing.T, p string) { os.Mkdir(p, 0o700) }},
		{"a dangling link", func(t *testing.T, p string) {
			if err := os.Symlink(filepath.Join(filepath.Dir(p), "gone.json"), p); err != nil {
				t.Skip("no symbolic links here:", err)
			}
		}},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			home := t.TempDir()
			if code, _, stderr := run(t, nil, "start", "--home", home, "--user", bob); code != ExitWaiting {
				t.Fatalf("start for bob: exit %d\n%s", code, stderr)
			}
			store := state.NewFiles(filepath.Join(home, "state"))
			bad := store.Path(alice)
			k.write(t, bad)

			for _, args := range [][]string{{"reset", "--yes"}, {"status"}, {"status", "--output", "json"}, {"start"}} {
				code, stdout, stderr := run(t, map[string]string{"CI": "true"}, append(args, "--home", home)...)
				if code != ExitFailed || !strings.Contains(stderr, bad) || !strings.Contains(stderr, "name them with --user") {
					t.Errorf("%v: exit %d; want 1, naming %s and --user\n%s", args, code, bad, stderr)
				}
				if strings.Contains(stdout+stderr, "Progress of "+bob) || strings.Contains(stdout, bob+":") {
					t.Errorf("%v acted for bob:\n%s%s", args, stdout, stderr)
				}
			}
			if _, err := store.Load(bob); err != nil {
				t.Errorf("bob's progress: %v", err)
			}
			if _, err := os.Lstat(bad); err != nil {
				t.Errorf("alice's file: %v", err)
			}
			// Named, each person is still served.
			if code, stdout, stderr := run(t, nil, "status", "--home", home, "--user", bob); code != 0 || !strings.Contains(stdout, bob) {
				t.Errorf("status --user bob: exit %d\n%s%s", code, stdout, stderr)
			}
			if code, _, stderr := run(t, nil, "reset", "--home", home, "--user", bob, "--yes"); code != 0 || !strings.Contains(stderr, "Progress of "+bob+" was forgotten") {
				t.Errorf("reset --user bob: exit %d\n%s", code, stderr)
			}
		})
	}
}

// TestADanglingLinkIsNotANewStart: the link used to be read as "not started yet" and
// then replaced by a new file.
func TestADanglingLinkIsNotANewStart(t *testing.T) {
	home := t.TempDir()
	const alice = "alice@example.com"
	p := state.NewFiles(filepath.Join(home, "state")).Path(alice)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(home, "elsewhere.json")
	if err := os.Symlink(target, p); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	code, _, stderr := run(t, nil, "start", "--home", home, "--user", alice)
	if code != ExitFailed || !strings.Contains(stderr, p) || !strings.Contains(stderr, "symbolic link") {
		t.Errorf("exit %d; want 1 naming %s as a link\n%s", code, p, stderr)
	}
	if fi, err := os.Lstat(p); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v, %v", fi, err)
	}
}

func TestABrokenTemplateIsAConfigError(t *testing.T) {
	home := t.TempDir()
	cfg := filepath.Join(home, "config.yaml")
	if err := os.WriteFile(cfg, []byte("notify:\n  template: \"Subject: {{.User\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run(t, map[string]string{"CI": "true"}, "start", "--home", home, "--user", "alice@example.com")
	if code != ExitUsage || !strings.Contains(stderr, "notify.template") || !strings.Contains(stderr, cfg) {
		t.Errorf("exit %d; want 2 naming notify.template in %s\n%s", code, cfg, stderr)
	}
	if _, err := os.Stat(filepath.Join(home, "state")); err == nil {
		t.Error("a run with a broken template got as far as saving progress")
	}
}
