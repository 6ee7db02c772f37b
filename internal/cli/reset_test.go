package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// o'neil and o_neil shared one state file before file names carried a hash.
const (
	withQuote      = "o'neil@contoso.com"
	withUnderscore = "o_neil@contoso.com"
)

// writeState puts a file in the state folder by name, as an older version left it.
func writeState(t *testing.T, home, name, data string) string {
	t.Helper()
	p := filepath.Join(home, "state", name)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// statusJSON runs status --output json and checks that stdout is one JSON document.
func statusJSON(t *testing.T, args ...string) (Result, string) {
	t.Helper()
	code, stdout, stderr := run(t, nil, append([]string{"status", "--output", "json"}, args...)...)
	if code != 0 {
		t.Fatalf("status json: exit %d\n%s", code, stderr)
	}
	var res Result
	dec := json.NewDecoder(strings.NewReader(stdout))
	if err := dec.Decode(&res); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Fatalf("stdout holds more than one JSON document:\n%s", stdout)
	}
	return res, stdout
}

func TestResetLeavesALookAlikeAddressAlone(t *testing.T) {
	home := t.TempDir()
	for _, u := range []string{withQuote, withUnderscore} {
		if code, _, stderr := run(t, nil, "start", "--home", home, "--user", u); code != ExitWaiting {
			t.Fatalf("start --user %s: exit %d; want 3 (waiting on the phone)\n%s", u, code, stderr)
		}
	}
	if code, _, stderr := run(t, nil, "reset", "--home", home, "--user", withUnderscore, "--yes"); code != 0 || !strings.Contains(stderr, "Progress of "+withUnderscore+" was forgotten") {
		t.Fatalf("reset --user %s: exit %d\n%s", withUnderscore, code, stderr)
	}
	res, _ := statusJSON(t, "--home", home, "--user", withQuote)
	if res.User != withQuote || res.Steps[0].Status != "waiting" || res.Steps[0].Changed == nil {
		t.Errorf("status of %s after resetting %s: %+v", withQuote, withUnderscore, res)
	}
	if _, err := state.NewFiles(filepath.Join(home, "state")).Load(withQuote); err != nil {
		t.Errorf("the progress of %s: %v", withQuote, err)
	}
	if code, stdout, _ := run(t, nil, "status", "--home", home, "--user", withUnderscore); code != 0 || !strings.Contains(stdout, "Nobody by the address "+withUnderscore) {
		t.Errorf("status of %s after its reset: %d\n%s", withUnderscore, code, stdout)
	}
}

func TestResetKeepsAnOldFileOfSomeoneElse(t *testing.T) {
	home := t.TempDir()
	const data = `{"schema": 1, "user": "o'neil@contoso.com", "steps": {"phone": {"status": "done"}}}`
	p := writeState(t, home, "o_neil@contoso.com.json", data)
	code, _, stderr := run(t, nil, "reset", "--home", home, "--user", withUnderscore, "--yes")
	if code != 0 || !strings.Contains(stderr, "Nobody by the address "+withUnderscore+" has started on this computer") {
		t.Errorf("reset: exit %d\n%s", code, stderr)
	}
	if got, err := os.ReadFile(p); err != nil || string(got) != data {
		t.Errorf("the file of %s is now %q, %v", withQuote, got, err)
	}
	// It is still o'neil's to show, and to reset.
	res, _ := statusJSON(t, "--home", home, "--user", withQuote)
	if res.User != withQuote || res.Steps[0].Status != "done" {
		t.Errorf("status of %s: %+v", withQuote, res)
	}
	if code, _, stderr := run(t, nil, "reset", "--home", home, "--user", withQuote, "--yes"); code != 0 {
		t.Fatalf("reset --user %s: exit %d\n%s", withQuote, code, stderr)
	}
	// Left: the lock file, and the note of when the folder was last looked through.
	names, _ := os.ReadDir(filepath.Join(home, "state"))
	names = slices.DeleteFunc(names, func(e os.DirEntry) bool { return e.Name() == ".swept" })
	if len(names) != 1 || !strings.HasSuffix(names[0].Name(), ".lock") {
		t.Errorf("after resetting %s the state folder holds %v", withQuote, names)
	}
}

func TestResetNobodyByThatAddress(t *testing.T) {
	home := t.TempDir()
	code, _, stderr := run(t, nil, "reset", "--home", home, "--user", "nobody@contoso.com", "--yes")
	if code != 0 || !strings.Contains(stderr, "Nobody by the address nobody@contoso.com has started on this computer: there is nothing to reset.") {
		t.Errorf("reset: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(home, "state")); !os.IsNotExist(err) {
		t.Errorf("reset of nobody made the state folder: %v", err)
	}
	// Without --yes it must not ask either: there is nothing to confirm.
	if code, _, stderr := run(t, nil, "reset", "--home", home, "--user", "nobody@contoso.com"); code != 0 || !strings.Contains(stderr, "nothing to reset") {
		t.Errorf("reset without --yes: exit %d\n%s", code, stderr)
	}
}

func TestResetTheOnlyPersonFromAnOldFile(t *testing.T) {
	home := t.TempDir()
	p := writeState(t, home, "alice@example.com.json", `{"schema": 1, "user": "alice@example.com", "steps": {"phone": {"status": "done"}}}`)
	if code, stdout, _ := run(t, nil, "status", "--home", home); code != 0 || !strings.Contains(stdout, "alice@example.com: next step is") {
		t.Errorf("status from an old file: %d\n%s", code, stdout)
	}
	if code, _, stderr := run(t, nil, "reset", "--home", home, "--yes"); code != 0 || !strings.Contains(stderr, "Progress of alice@example.com was forgotten") {
		t.Fatalf("reset: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Errorf("the old file is still there: %v", err)
	}
	if code, stdout, _ := run(t, nil, "status", "--home", home); code != 0 || !strings.Contains(stdout, "Nobody has started") {
		t.Errorf("status after reset: %d\n%s", code, stdout)
	}
}

func TestResetClearsTheirDamagedFile(t *testing.T) {
	home := t.TempDir()
	p := state.NewFiles(filepath.Join(home, "state")).Path("alice@example.com")
	writeState(t, home, filepath.Base(p), `{"schema":1,"user":"alice@exa`)
	if code, _, stderr := run(t, nil, "reset", "--home", home, "--user", "alice@example.com", "--yes"); code != 0 {
		t.Fatalf("reset: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Errorf("the damaged file is still there: %v", err)
	}
}

func TestStatusNobodyByThatAddress(t *testing.T) {
	home := t.TempDir()
	run(t, nil, "start", "--home", home, "--user", "alice@example.com")
	code, stdout, stderr := run(t, nil, "status", "--home", home, "--user", "nobody@contoso.com")
	if code != 0 || stdout != "Nobody by the address nobody@contoso.com has started on this computer: run mfa-onboard start to begin.\n" {
		t.Errorf("status: exit %d\nstdout %q\nstderr %q", code, stdout, stderr)
	}
	res, doc := statusJSON(t, "--home", home, "--user", "nobody@contoso.com")
	if res.User != "nobody@contoso.com" || res.Status != "waiting" || res.WaitingOn != "phone" || len(res.Steps) == 0 {
		t.Errorf("status json: %+v", res)
	}
	// Nothing was saved: no time of a last change, none of a step.
	if res.Updated != nil || strings.Contains(doc, `"changed"`) {
		t.Errorf("status json of nobody gives times:\n%s", doc)
	}
	for _, s := range res.Steps {
		if s.Status != "pending" {
			t.Errorf("step %s is %s; want pending", s.ID, s.Status)
		}
	}
}

func TestStatusDuringARun(t *testing.T) {
	home := t.TempDir()
	run(t, nil, "start", "--home", home, "--user", "alice@example.com")
	_, quiet := statusJSON(t, "--home", home, "--user", "alice@example.com")

	// A start for alice holds her lock, as a start in another window would.
	store := state.NewFiles(filepath.Join(home, "state"))
	unlock, err := store.Lock("alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	const running = "A run for alice@example.com is in progress on this computer right now"
	for _, args := range [][]string{{"--user", "alice@example.com"}, {"--user", "Alice@Example.com"}, nil} {
		code, stdout, stderr := run(t, nil, append([]string{"status", "--home", home}, args...)...)
		line, rest, _ := strings.Cut(stdout, "\n")
		if code != 0 || !strings.Contains(line, running) || !strings.Contains(rest, "STEP") || stderr != "" {
			t.Errorf("status %v during a run: exit %d\nstdout %s\nstderr %s", args, code, stdout, stderr)
		}
	}
	if _, doc := statusJSON(t, "--home", home, "--user", "alice@example.com"); doc != quiet {
		t.Errorf("status json changed during a run:\n%s\nwant\n%s", doc, quiet)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	if _, stdout, _ := run(t, nil, "status", "--home", home, "--user", "alice@example.com"); strings.Contains(stdout, "in progress") {
		t.Errorf("status after the run says it is in progress:\n%s", stdout)
	}

	// A run that has only just begun has saved nothing yet.
	unlock, err = store.Lock("bob@example.com")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if code, stdout, _ := run(t, nil, "status", "--home", home, "--user", "bob@example.com"); code != 0 || stdout != "A run for bob@example.com is in progress on this computer right now; it has saved no progress yet.\n" {
		t.Errorf("status of a run that saved nothing: exit %d\n%s", code, stdout)
	}
}
