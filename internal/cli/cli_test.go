package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/config"
	"github.com/mfa-onboard/mfa-onboard/internal/prompt"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// run runs the command line with no terminal, as automation would, and returns the
// exit code, stdout and stderr.
func run(t *testing.T, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	f := &Factory{
		IO:      &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
		Getenv:  func(k string) string { return env[k] },
		Clock:   clock.NewFake(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)),
		Version: BuildInfo{Version: "v-test", Commit: "abc"},
	}
	code := Run(context.Background(), f, args)
	return code, out.String(), errOut.String()
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, 0},
		{errors.New("boom"), 1},
		{usage(errors.New("bad flag")), 2},
		{&config.Error{File: "c.yaml", Err: errors.New("x")}, 2},
		{&prompt.BadAnswerError{Key: "phone.number"}, 2},
		{fmt.Errorf("step: %w", &prompt.NeedsAnswerError{Key: "phone.number"}), 3},
		{fmt.Errorf("step: %w", prompt.ErrInterrupted), 130},
		{context.Canceled, 130},
	}
	for _, tt := range tests {
		if got := ExitCode(tt.err); got != tt.want {
			t.Errorf("ExitCode(%v) = %d; want %d", tt.err, got, tt.want)
		}
	}
}

func TestStartWithoutAPersonNeverGuessesWhoItIsFor(t *testing.T) {
	home := t.TempDir()
	code, stdout, stderr := run(t, map[string]string{"CI": "true"}, "start", "--home", home, "--output", "json")
	if code != ExitWaiting || !strings.Contains(stderr, "--user") || strings.Count(stderr, `"user"`) != 1 {
		t.Fatalf("exit %d; want 3, naming --user and the key \"user\" once\n%s", code, stderr)
	}
	if res := decodeResult(t, stdout); res.Status != "waiting" || res.User != "" {
		t.Errorf("result = %+v; want waiting, for nobody yet", res)
	}
	if entries, _ := os.ReadDir(filepath.Join(home, "state")); len(entries) != 0 {
		t.Errorf("a run that does not know the person saved state: %v", entries)
	}
	// The next run, with a person, must ask who it is for.
	if code, _, stderr := run(t, map[string]string{"CI": "true"}, "start", "--home", home); code != ExitWaiting || !strings.Contains(stderr, "--user") {
		t.Errorf("the second run did not wait for the user (exit %d):\n%s", code, stderr)
	}
}

func decodeResult(t *testing.T, stdout string) Result {
	t.Helper()
	var res Result
	dec := json.NewDecoder(strings.NewReader(stdout))
	if err := dec.Decode(&res); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
	}
	if dec.More() {
		t.Errorf("stdout holds more than one JSON document:\n%s", stdout)
	}
	return res
}

func TestStartWithoutAPersonWaitsOnPhone(t *testing.T) {
	home := t.TempDir()
	code, stdout, stderr := run(t, map[string]string{"CI": "true"}, "start", "--home", home, "--user", "alice@example.com", "--output", "json")
	if code != ExitWaiting {
		t.Fatalf("exit %d; want 3\n%s", code, stderr)
	}
	res := decodeResult(t, stdout)
	if res.Schema != ResultSchema || res.Status != "waiting" || res.WaitingOn != "phone" || len(res.Steps) != 8 {
		t.Errorf("result = %+v", res)
	}
	if !strings.Contains(stderr, "phone.number") {
		t.Errorf("stderr does not name the answer key:\n%s", stderr)
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	home := t.TempDir()
	bad := filepath.Join(home, "bad.yaml")
	os.WriteFile(bad, []byte("organisation: X\nsupport_mail: a@b.c\n"), 0o600)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"start", "--bogus"}, "unknown flag"},
		{[]string{"launch"}, "unknown command"},
		{[]string{"start", "--output", "yaml"}, "--output"},
		{[]string{"start", "--user", "not-an-email"}, "--user"},
		{[]string{"start", "--config", bad}, "support_mail"},
		{[]string{"start", "--config", filepath.Join(home, "none.yaml")}, "none.yaml"},
		{[]string{"status", "extra"}, "unknown command"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, stderr := run(t, nil, append(tt.args, "--home", home)...)
			if code != ExitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want 2 naming %q", code, stderr, tt.want)
			}
		})
	}
}

func TestHomeComesFromFlagThenEnvironment(t *testing.T) {
	fromEnv, fromFlag := t.TempDir(), t.TempDir()
	run(t, map[string]string{"MFA_ONBOARD_HOME": fromEnv}, "start", "--user", "a@example.com")
	run(t, map[string]string{"MFA_ONBOARD_HOME": fromEnv}, "start", "--user", "b@example.com", "--home", fromFlag)
	for dir, user := range map[string]string{fromEnv: "a@example.com", fromFlag: "b@example.com"} {
		if _, err := os.Stat(state.NewFiles(filepath.Join(dir, "state")).Path(user)); err != nil {
			t.Errorf("state of %s not in %s: %v", user, dir, err)
		}
	}
}

func TestSecondStartForTheSameUserStopsAtOnce(t *testing.T) {
	home := t.TempDir()
	unlock, err := state.NewFiles(filepath.Join(home, "state")).Lock("alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	code, _, stderr := run(t, nil, "start", "--home", home, "--user", "alice@example.com")
	if code != ExitFailed || !strings.Contains(stderr, "already working for alice@example.com") {
		t.Errorf("exit %d, %q; want 1 and a clear message", code, stderr)
	}
}

func TestDamagedStateIsNamedAndKept(t *testing.T) {
	home := t.TempDir()
	path := filepath.Join(home, "state", "alice@example.com.json")
	os.MkdirAll(filepath.Dir(path), 0o700)
	os.WriteFile(path, []byte(`{"schema":1,"user":"alice@exa`), 0o600)
	code, _, stderr := run(t, nil, "start", "--home", home, "--user", "alice@example.com")
	if code != ExitFailed || !strings.Contains(stderr, path) {
		t.Errorf("exit %d, %q; want 1 naming %s", code, stderr, path)
	}
	if b, _ := os.ReadFile(path); string(b) != `{"schema":1,"user":"alice@exa` {
		t.Errorf("the damaged file was changed to %q", b)
	}
}

func TestStatusAndReset(t *testing.T) {
	home := t.TempDir()
	code, stdout, _ := run(t, nil, "status", "--home", home)
	if code != 0 || !strings.Contains(stdout, "Nobody has started") {
		t.Errorf("status with nobody: %d %q", code, stdout)
	}
	run(t, nil, "start", "--home", home, "--user", "alice@example.com")
	code, stdout, _ = run(t, nil, "status", "--home", home, "--output", "json")
	var res Result
	if err := json.Unmarshal([]byte(stdout), &res); err != nil || code != 0 || res.User != "alice@example.com" || res.Steps[0].Status != "waiting" {
		t.Errorf("status json: %d %v %+v", code, err, res)
	}
	code, stdout, _ = run(t, nil, "status", "--home", home)
	if code != 0 || !strings.Contains(stdout, "phone") || !strings.Contains(stdout, "waiting") {
		t.Errorf("status table: %d\n%s", code, stdout)
	}
	if code, _, stderr := run(t, nil, "reset", "--home", home); code != ExitUsage || !strings.Contains(stderr, "--yes") {
		t.Errorf("reset without a person and without --yes: %d %q", code, stderr)
	}
	if code, _, _ := run(t, nil, "reset", "--home", home, "--yes"); code != 0 {
		t.Errorf("reset --yes: exit %d", code)
	}
	if _, err := os.Stat(filepath.Join(home, "state", "alice@example.com.json")); !os.IsNotExist(err) {
		t.Errorf("state still there after reset: %v", err)
	}
}

func TestVersion(t *testing.T) {
	code, stdout, _ := run(t, nil, "version")
	if code != 0 || !strings.HasPrefix(stdout, "mfa-onboard v-test (commit abc") {
		t.Errorf("version: %d %q", code, stdout)
	}
}

func TestHelpListsExitCodes(t *testing.T) {
	_, stdout, _ := run(t, nil, "--help")
	for _, want := range []string{"start", "status", "reset", "completion", "130"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("help lacks %q:\n%s", want, stdout)
		}
	}
}

func TestVersionFlagIsTheVersionCommand(t *testing.T) {
	_, byCommand, _ := run(t, nil, "version")
	code, byFlag, _ := run(t, nil, "--version")
	if code != 0 || byFlag != byCommand || !strings.Contains(byFlag, "v-test") || !strings.Contains(byFlag, "abc") {
		t.Errorf("--version printed %q (exit %d); version printed %q", byFlag, code, byCommand)
	}
}

func TestCompletionForAnUnknownShellIsAUsageError(t *testing.T) {
	if code, _, stderr := run(t, nil, "completion", "tcsh"); code != ExitUsage || !strings.Contains(stderr, "powershell") {
		t.Errorf("completion tcsh: exit %d, stderr %q; want 2 naming the shells there are", code, stderr)
	}
	if code, stdout, _ := run(t, nil, "completion", "bash"); code != 0 || !strings.Contains(stdout, "bash completion") {
		t.Errorf("completion bash: exit %d", code)
	}
}

func TestAnAnswersFileIsCheckedWholeBeforeAnythingIsSent(t *testing.T) {
	home := t.TempDir()
	answers := filepath.Join(home, "new-hire.yaml")
	doc := "user: alice@example.com\nphone:\n  number: 201 555 0100\nmobile-mail:\n  client: android\nduo-install:\n  platform: windows\n"
	if err := os.WriteFile(answers, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := run(t, map[string]string{"CI": "true"}, "start", "--home", home, "--answers", answers)
	if code != ExitUsage {
		t.Fatalf("exit %d; want 2\n%s", code, stderr)
	}
	for _, want := range []string{"line 5: mobile-mail.client", "line 7: duo-install.platform"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not name %q:\n%s", want, stderr)
		}
	}
	if strings.Index(stderr, "line 5") > strings.Index(stderr, "line 7") {
		t.Errorf("the problems are not in the file's order:\n%s", stderr)
	}
	for _, f := range []string{"outbox.jsonl", "state"} {
		if _, err := os.Stat(filepath.Join(home, f)); err == nil {
			t.Errorf("%s exists: something was done before the answers were checked", f)
		}
	}
}
