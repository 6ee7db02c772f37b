//go:build faults && unix

package faults

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/faultpoint"
)

// user and number are the new hire of testdata/answers/new-hire.yaml.
const (
	user   = "alice@contoso.com"
	number = "+12015550100"
)

// runLimit bounds one run: a resend cool-down (30 s) or the wait for the next
// authenticator code (up to 30 s) fits in it.
const runLimit = 100 * time.Second

// home is one person's mfa-onboard home folder and the environment of its runs.
type home struct {
	dir     string
	answers string
	env     []string
	seq     int // runs so far, for the trace folders
	// cur is the run in progress, for a server's trap to kill.
	cur atomic.Pointer[proc]
}

// newHome makes a home with the new hire's answers file; extra is added to the
// environment of every run ("KEY=value").
func newHome(t *testing.T, extra ...string) *home {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "home")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile("../testdata/answers/new-hire.yaml")
	if err != nil {
		t.Fatal(err)
	}
	answers := filepath.Join(dir, "answers.yaml")
	if err := os.WriteFile(answers, data, 0o600); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		key, _, _ := strings.Cut(kv, "=")
		if key == "CI" || key == "TERM" || key == "NO_COLOR" || strings.HasPrefix(key, "MFA_ONBOARD_") {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "MFA_ONBOARD_HOME="+dir, "CI=true", "TERM=dumb")
	return &home{dir: dir, answers: answers, env: append(env, extra...)}
}

// proc is one running mfa-onboard.
type proc struct {
	cmd    *exec.Cmd
	exited chan struct{}
}

// kill sends SIGKILL and returns once the process is gone.
func (p *proc) kill() {
	_ = syscall.Kill(p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.exited
}

// retryKey is the answer that sends another test push after one whose answer is unknown.
const retryKey = "duo-test.retry"

// addAnswer adds "step: {key: value}" to the answers file, as a pipeline keeping one
// file adds the answers a waiting step names.
func (h *home) addAnswer(t *testing.T, step, key, value string) {
	t.Helper()
	f, err := os.OpenFile(h.answers, os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := fmt.Fprintf(f, "\n%s:\n  %s: %q\n", step, key, value); err != nil {
		t.Fatal(err)
	}
}

// killCurrent kills the run in progress, if any; a server's trap calls it.
func (h *home) killCurrent() {
	if p := h.cur.Load(); p != nil {
		p.kill()
	}
}

// hit is one line of the fault-point trace: the seq-th hit of the run, the count-th
// of point, after writing file.
type hit struct {
	seq         int
	point, file string
	count       int
	killed      bool
	snap        string // the copy of file just after the write
}

// runResult is how one run ended.
type runResult struct {
	args           []string
	code           int
	killed         bool
	stdout, stderr string
	res            *result
	hits           []hit
	took           time.Duration
}

// result is the JSON document of start and status --output json.
type result struct {
	User      string `json:"user"`
	Status    string `json:"status"`
	WaitingOn string `json:"waiting_on"`
	Steps     []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Reason string `json:"reason"`
	} `json:"steps"`
}

func (r *result) reason(id string) string {
	if r == nil {
		return ""
	}
	for _, s := range r.Steps {
		if s.ID == id {
			return s.Reason
		}
	}
	return ""
}

// start runs "start --non-interactive --answers … --output json args…" with the
// fault spec (MFA_ONBOARD_FAULT, "" for none), tracing every fault point.
func (h *home) start(t *testing.T, fault string, args ...string) runResult {
	t.Helper()
	all := append([]string{"start", "--non-interactive", "--answers", h.answers, "--output", "json"}, args...)
	return h.exec(t, fault, all...)
}

// status is "status --output json" for the new hire; nil when it says nothing usable.
func (h *home) status(t *testing.T) *result {
	t.Helper()
	r := h.exec(t, "", "status", "--user", user, "--output", "json")
	return r.res
}

func (h *home) exec(t *testing.T, fault string, args ...string) runResult {
	t.Helper()
	h.seq++
	trace := filepath.Join(h.dir, "..", fmt.Sprintf("trace-%03d", h.seq))
	snaps := trace + ".snap"
	if err := os.MkdirAll(snaps, 0o700); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), runLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env = append(append([]string(nil), h.env...), faultpoint.EnvTrace+"="+trace, faultpoint.EnvSnap+"="+snaps)
	if fault != "" {
		cmd.Env = append(cmd.Env, faultpoint.EnvFault+"="+fault)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	p := &proc{cmd: cmd, exited: make(chan struct{})}
	began := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start mfa-onboard: %v", err)
	}
	h.cur.Store(p)
	err := cmd.Wait()
	h.cur.Store(nil)
	close(p.exited)
	r := runResult{args: args, stdout: stdout.String(), stderr: stderr.String(), took: time.Since(began)}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		t.Fatalf("mfa-onboard %s did not end within %s\nstderr:\n%s", strings.Join(args, " "), runLimit, r.stderr)
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			r.killed, r.code = true, -1
		}
	case err != nil:
		t.Fatalf("run mfa-onboard %s: %v", strings.Join(args, " "), err)
	}
	if !r.killed {
		var res result
		if json.Unmarshal(stdout.Bytes(), &res) == nil && res.Status != "" {
			r.res = &res
		}
	}
	r.hits = readTrace(trace, snaps)
	return r
}

func readTrace(path, snaps string) []hit {
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []hit
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 4 {
			continue
		}
		seq, _ := strconv.Atoi(fs[0])
		count, _ := strconv.Atoi(fs[2])
		h := hit{seq: seq, point: fs[1], count: count, file: fs[3], killed: len(fs) > 4 && fs[4] == "kill"}
		h.snap = filepath.Join(snaps, fmt.Sprintf("%04d-%s", seq, h.file))
		out = append(out, h)
	}
	return out
}

// demoRecordFiles are the names of the files the demo services replace, one per
// record (internal/provider/fake/store.go): their writes are the demo vendors', not
// the person's state.
var demoRecordFiles = []string{"sms-code.json", "m365.json", "notice.json", "duo-user.json", "duo-phones.json"}

// demoRecord says whether a write's file is a demo services' record.
func (x hit) demoRecord() bool { return slices.Contains(demoRecordFiles, x.file) }

// describe names a write for people: "state saved", "demo services' record
// replaced", "outbox line appended".
func (x hit) describe() string {
	switch {
	case x.point == faultpoint.Append:
		return "after an outbox line was appended (" + x.outboxChannel() + ")"
	case x.demoRecord():
		return "after the demo services' record " + x.file + " was replaced"
	case strings.HasSuffix(x.file, ".json"):
		return "after the state was saved"
	}
	return "after " + x.point + " " + x.file
}

// outboxChannel is the channel of the last line of the outbox copy at this hit.
func (x hit) outboxChannel() string {
	data, err := os.ReadFile(x.snap)
	if err != nil {
		return "?"
	}
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	var m struct {
		Channel, Link string
	}
	if json.Unmarshal(lines[len(lines)-1], &m) != nil {
		return "?"
	}
	if m.Link != "" {
		return m.Channel + " with the activation link"
	}
	return m.Channel
}

// stepStatuses reads the step statuses from a state file (a snapshot).
func stepStatuses(path string) map[string]string {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var st struct {
		Steps map[string]struct {
			Status string `json:"status"`
		} `json:"steps"`
	}
	if json.Unmarshal(data, &st) != nil {
		return nil
	}
	out := map[string]string{}
	for id, s := range st.Steps {
		out[id] = s.Status
	}
	return out
}

// stepIDs is the procedure, in order.
var stepIDs = []string{"phone", "verify", "notify-support", "office-apps", "mobile-mail", "duo-install", "duo-enroll", "duo-test"}

// boundary says which steps changed status between two state snapshots, as
// "verify done", or "" when none did: such a save is a step boundary.
func boundary(before, after map[string]string) string {
	var changed []string
	for _, id := range stepIDs {
		if after[id] != before[id] && after[id] != "" {
			changed = append(changed, id+" "+after[id])
		}
	}
	return strings.Join(changed, ", ")
}
