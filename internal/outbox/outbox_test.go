package outbox

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestDeliverAppendsOwnerOnlyJSONLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "home", "outbox.jsonl")
	var shown []Message
	o := New(path, func(m Message) { shown = append(shown, m) })
	for _, m := range []Message{
		{Time: time.Unix(1, 0).UTC(), Channel: SMS, To: "+12015550100", Text: "code 123456"},
		{Time: time.Unix(2, 0).UTC(), Channel: Push, To: "+12015550100", Text: "approve?"},
	} {
		if err := o.Deliver(m); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Read(path)
	if err != nil || len(got) != 2 || got[0].Text != "code 123456" || got[1].Channel != Push {
		t.Fatalf("Read = %+v, %v", got, err)
	}
	if len(shown) != 2 {
		t.Errorf("shown %d messages on screen; want 2", len(shown))
	}
	if runtime.GOOS != "windows" {
		fi, _ := os.Stat(path)
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("outbox mode %v; want 0600", fi.Mode().Perm())
		}
	}
}

func TestReadMissingIsEmptyAndDamageIsNamed(t *testing.T) {
	dir := t.TempDir()
	if got, err := Read(filepath.Join(dir, "none")); err != nil || len(got) != 0 {
		t.Errorf("Read(missing) = %v, %v", got, err)
	}
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte("{\"channel\":\"sms\"}\nnot json\n"), 0o600)
	if _, err := Read(bad); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("a line that is not a message was accepted, or not named: %v", err)
	}
}

// tornLine is the start of a message whose write was cut short: no end, no newline.
const tornLine = `{"time":"2026-11-25T09:00:00Z","channel":"sms","to":"+12015550100","text":"Example: your verification co`

func msg(text string) Message {
	return Message{Time: time.Date(2026, 11, 25, 9, 1, 0, 0, time.UTC), Channel: SMS, To: "+12015550100", Text: text}
}

// texts reads the outbox and returns the texts of its whole messages.
func texts(t *testing.T, path string) []string {
	t.Helper()
	got, err := Read(path)
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	var out []string
	for _, m := range got {
		out = append(out, m.Text)
	}
	return out
}

func TestAnAppendAfterATornLineStartsAFreshLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	whole := `{"time":"2026-11-25T08:59:00Z","channel":"sms","to":"+12015550100","text":"first"}` + "\n"
	if err := os.WriteFile(path, []byte(whole+tornLine), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := New(path, nil).Deliver(msg("after the tear")); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(texts(t, path), "|"); got != "first|after the tear" {
		t.Errorf("whole messages = %q; want the one before the torn line and the one after it", got)
	}
	data, _ := os.ReadFile(path)
	if lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n"); len(lines) != 3 || lines[1] != tornLine {
		t.Errorf("file lines = %q; want the torn line left alone on its own line", lines)
	}
}

func TestAMessageMergedIntoATornLineIsStillRead(t *testing.T) {
	// What versions before the fresh-line rule left behind: the next message appended
	// to the end of the torn one.
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	merged := tornLine + `{"time":"2026-11-25T09:01:00Z","channel":"sms","to":"+12015550100","text":"code 654321"}` + "\n"
	if err := os.WriteFile(path, []byte(merged), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(texts(t, path), "|"); got != "code 654321" {
		t.Errorf("whole messages = %q; want the message behind the torn one", got)
	}
}

func TestASymlinkedOutboxIsRefused(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	dir := t.TempDir()
	elsewhere := filepath.Join(dir, "shared.log")
	if err := os.WriteFile(elsewhere, []byte("someone else's file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "outbox.jsonl")
	if err := os.Symlink(elsewhere, path); err != nil {
		t.Fatal(err)
	}
	err := New(path, nil).Deliver(msg("code 123456"))
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("Deliver through a symlink = %v; want a refusal naming %s", err, path)
	}
	if data, _ := os.ReadFile(elsewhere); string(data) != "someone else's file\n" {
		t.Errorf("the link's target was written to: %q", data)
	}
	if fi, _ := os.Stat(elsewhere); fi.Mode().Perm() != 0o644 {
		t.Errorf("the link's target mode changed to %v", fi.Mode().Perm())
	}
}

func TestALooseOutboxIsTightenedBeforeACodeGoesIn(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no Unix modes on Windows")
	}
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil { // past the umask
		t.Fatal(err)
	}
	if err := New(path, nil).Deliver(msg("code 123456")); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("outbox mode %v after a code went in; want 0600", fi.Mode().Perm())
	}
}

// bigText is long enough that two lines written in pieces would interleave.
func bigText(writer, i int) string {
	return fmt.Sprintf("writer %d message %d ", writer, i) + strings.Repeat(strconv.Itoa(writer), 8000)
}

// checkWhole reads path and checks it holds exactly the messages of writers × each,
// every one whole.
func checkWhole(t *testing.T, path string, writers, each int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != writers*each {
		t.Fatalf("%d lines; want %d", len(lines), writers*each)
	}
	got := texts(t, path)
	seen := map[string]bool{}
	for _, text := range got {
		seen[text] = true
	}
	for w := 0; w < writers; w++ {
		for i := 0; i < each; i++ {
			if !seen[bigText(w, i)] {
				t.Fatalf("message %d of writer %d is not in the outbox whole", i, w)
			}
		}
	}
}

func TestConcurrentOutboxesWriteWholeLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	const writers, each = 6, 40
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		// One Outbox each: its own lock and its own file handle, as two processes have.
		o := New(path, nil)
		wg.Go(func() {
			for i := 0; i < each; i++ {
				if err := o.Deliver(msg(bigText(w, i))); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	checkWhole(t, path, writers, each)
}

// helperEnv makes this test binary a process that appends to the outbox it names.
const helperEnv = "MFA_ONBOARD_OUTBOX_HELPER"

func TestProcessesAppendingAtOnceWriteWholeLines(t *testing.T) {
	if os.Getenv(helperEnv) != "" {
		t.Skip("running as a helper")
	}
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	const writers, each = 3, 60
	var cmds []*exec.Cmd
	for w := 0; w < writers; w++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperAppender$")
		cmd.Env = append(os.Environ(), helperEnv+"="+path, fmt.Sprintf("HELPER_WRITER=%d", w), fmt.Sprintf("HELPER_EACH=%d", each))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("a helper process failed: %v", err)
		}
	}
	checkWhole(t, path, writers, each)
}

// TestHelperAppender is the other process of the tests above; on its own it does nothing.
func TestHelperAppender(t *testing.T) {
	path := os.Getenv(helperEnv)
	if path == "" {
		t.Skip("only run as a helper process")
	}
	w, _ := strconv.Atoi(os.Getenv("HELPER_WRITER"))
	each, _ := strconv.Atoi(os.Getenv("HELPER_EACH"))
	o := New(path, nil)
	for i := 0; i < each; i++ {
		if err := o.Deliver(msg(bigText(w, i))); err != nil {
			t.Fatal(err)
		}
	}
}
