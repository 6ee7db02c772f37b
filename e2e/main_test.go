//go:build linux || darwin

// Package e2e drives the built mfa-onboard binary the way a person and a script
// would: in a pseudo-terminal with survey's arrow-key prompts, and without one.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
)

// binary is the mfa-onboard built once for all tests by TestMain.
var binary string

func TestMain(m *testing.M) {
	os.Exit(buildAndRun(m))
}

func buildAndRun(m *testing.M) int {
	dir, err := os.MkdirTemp("", "mfa-onboard-e2e-")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: make a folder for the binary: %v\n", err)
		return 1
	}
	defer os.RemoveAll(dir)
	// go test puts the go command that runs it first on PATH.
	goTool, err := exec.LookPath("go")
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: the go command is not on PATH: %v\n", err)
		return 1
	}
	binary = filepath.Join(dir, "mfa-onboard")
	build := exec.Command(goTool, "build", "-o", binary, "../cmd/mfa-onboard")
	if out, err := build.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %s failed: %v\n%s", strings.Join(build.Args, " "), err, out)
		return 1
	}
	code := m.Run()
	if err := team.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: %v\n", err)
	}
	return code
}

// home is one person's mfa-onboard home folder (MFA_ONBOARD_HOME).
type home struct {
	dir string
}

func newHome(t *testing.T) *home {
	t.Helper()
	return &home{dir: filepath.Join(t.TempDir(), "home")}
}

// env is the environment of a run for this home: the test's own environment without
// CI (the product asks questions only when CI is unset) or anything else that would
// change what it does, plus extra ("KEY=value").
func (h *home) env(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		key, _, _ := strings.Cut(kv, "=")
		switch {
		case key == "CI", key == "TERM", key == "NO_COLOR", key == "COLUMNS", key == "LINES",
			key == "LANG", strings.HasPrefix(key, "LC_"), strings.HasPrefix(key, "MFA_ONBOARD_"):
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "MFA_ONBOARD_HOME="+h.dir, "TERM=xterm-256color")
	return append(env, extra...)
}

// runResult is how a run without a terminal ended.
type runResult struct {
	code           int
	stdout, stderr string
	took           time.Duration
}

// run runs mfa-onboard with no terminal at all (stdin is the null device) and fails
// the test if it does not exit within limit.
func (h *home) run(t *testing.T, limit time.Duration, env []string, args ...string) runResult {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err := cmd.Run()
	res := runResult{stdout: stdout.String(), stderr: stderr.String(), took: time.Since(start)}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("mfa-onboard %s did not exit within %s\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), limit, res.stdout, res.stderr)
	case errors.As(err, &exit):
		res.code = exit.ExitCode()
	case err != nil:
		t.Fatalf("run mfa-onboard %s: %v", strings.Join(args, " "), err)
	}
	return res
}

// result is the JSON document of start and status --output json.
type result struct {
	Schema    int    `json:"schema"`
	User      string `json:"user"`
	Status    string `json:"status"`
	WaitingOn string `json:"waiting_on"`
	Steps     []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"steps"`
}

// stepIDs is the procedure, in order (the README's table).
var stepIDs = []string{"phone", "verify", "notify-support", "office-apps", "mobile-mail", "duo-install", "duo-enroll", "duo-test"}

// decodeOne decodes stdout as exactly one JSON document and nothing else.
func decodeOne(t *testing.T, stdout string) result {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(stdout))
	var r result
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("stdout is not a JSON document: %v\nstdout:\n%s", err, stdout)
	}
	var more json.RawMessage
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		t.Fatalf("stdout holds more than one JSON document (then %q, %v)\nstdout:\n%s", more, err, stdout)
	}
	return r
}

// status runs "status --output json" and returns its result.
func (h *home) status(t *testing.T) result {
	t.Helper()
	res := h.run(t, 10*time.Second, h.env(), "status", "--output", "json")
	if res.code != 0 {
		t.Fatalf("status --output json exited with %d\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	return decodeOne(t, res.stdout)
}

// wantSteps checks that r lists every step in order, each with the status in want
// ("done" for any step want does not name).
func wantSteps(t *testing.T, r result, want map[string]string) {
	t.Helper()
	var got, exp []string
	for _, s := range r.Steps {
		got = append(got, s.ID+"="+s.Status)
	}
	for _, id := range stepIDs {
		st, ok := want[id]
		if !ok {
			st = "done"
		}
		exp = append(exp, id+"="+st)
	}
	if strings.Join(got, " ") != strings.Join(exp, " ") {
		t.Errorf("steps in the JSON status:\n got %s\nwant %s", strings.Join(got, " "), strings.Join(exp, " "))
	}
}

var smsCode = regexp.MustCompile(`\b(\d{6})\b`)

// lastSMSCode is the 6-digit code in the last text message the demo phone received,
// read from the outbox file as a script or the person's phone would.
func (h *home) lastSMSCode(t *testing.T) string {
	t.Helper()
	msgs, err := outbox.Read(filepath.Join(h.dir, "outbox.jsonl"))
	if err != nil {
		t.Fatalf("read the outbox: %v", err)
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Channel != outbox.SMS {
			continue
		}
		m := smsCode.FindStringSubmatch(msgs[i].Text)
		if m == nil {
			t.Fatalf("the last text message has no 6-digit code: %q", msgs[i].Text)
		}
		return m[1]
	}
	t.Fatalf("the outbox has no text message (%d messages)", len(msgs))
	return ""
}

// outboxCount counts the outbox messages on channel.
func (h *home) outboxCount(t *testing.T, channel string) int {
	t.Helper()
	msgs, err := outbox.Read(filepath.Join(h.dir, "outbox.jsonl"))
	if err != nil {
		t.Fatalf("read the outbox: %v", err)
	}
	n := 0
	for _, m := range msgs {
		if m.Channel == channel {
			n++
		}
	}
	return n
}
