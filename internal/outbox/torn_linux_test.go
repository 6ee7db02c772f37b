package outbox

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

const fileLimitEnv = "MFA_ONBOARD_OUTBOX_FSIZE_HELPER"

// TestTheKernelsShortWriteTearsOnlyItsOwnLine lets the kernel cut a line short: a
// process whose file size limit ends half-way through the line gets a short write,
// as from a full disk, and a later append from another process must stay whole.
func TestTheKernelsShortWriteTearsOnlyItsOwnLine(t *testing.T) {
	if os.Getenv(fileLimitEnv) != "" {
		t.Skip("running as a helper")
	}
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	if err := New(path, nil).Deliver(msg("before")); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperShortWrite$", "-test.v")
	cmd.Env = append(os.Environ(), fileLimitEnv+"="+path)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "short write refused") {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	if err := New(path, nil).Deliver(msg("after")); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	var got []string
	for _, m := range c.Messages {
		got = append(got, m.Text)
	}
	if strings.Join(got, "|") != "before|after" || c.Torn != 1 {
		t.Errorf("Load = %q, %d torn; want before|after around one torn line", got, c.Torn)
	}
}

// TestHelperShortWrite is the process of the test above that runs out of room.
func TestHelperShortWrite(t *testing.T) {
	path := os.Getenv(fileLimitEnv)
	if path == "" {
		t.Skip("only run as a helper process")
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	// Room for about half of the line below. Go ignores SIGXFSZ, so the write that
	// crosses the limit comes back short instead of ending the process.
	text := strings.Repeat("x", 400)
	limit := uint64(fi.Size()) + 200
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &syscall.Rlimit{Cur: limit, Max: limit}); err != nil {
		t.Skipf("cannot limit the file size here: %v", err)
	}
	err = New(path, nil).Deliver(msg(text))
	if err == nil {
		t.Fatal("a write past the file size limit was taken whole")
	}
	if fi, _ := os.Stat(path); uint64(fi.Size()) != limit {
		t.Fatalf("outbox is %d bytes; want the line cut at the limit, %d", fi.Size(), limit)
	}
	t.Logf("short write refused: %v", err)
}
