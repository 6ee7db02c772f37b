//go:build faults && unix

package faultpoint

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestHelperHits is run as a child process by TestKillAtTheNthHit.
func TestHelperHits(t *testing.T) {
	if os.Getenv("FAULTPOINT_HELPER") == "" {
		t.Skip("helper for TestKillAtTheNthHit")
	}
	f := filepath.Join(t.TempDir(), "f")
	os.WriteFile(f, []byte("x"), 0o600)
	Hit(Rename, f)
	Hit(Append, f)
	Hit(Rename, f)
	Hit(Rename, f)
}

func TestKillAtTheNthHit(t *testing.T) {
	for _, tc := range []struct {
		spec   string
		killed bool
		lines  int
	}{
		{"rename:2", true, 3}, {"*:2", true, 2}, {"append:2", false, 4}, {"", false, 4},
	} {
		trace := filepath.Join(t.TempDir(), "trace")
		cmd := exec.Command(os.Args[0], "-test.run=^TestHelperHits$")
		cmd.Env = append(os.Environ(), "FAULTPOINT_HELPER=1", EnvFault+"="+tc.spec, EnvTrace+"="+trace)
		err := cmd.Run()
		var exit *exec.ExitError
		killed := errors.As(err, &exit) && exit.Sys().(syscall.WaitStatus).Signal() == syscall.SIGKILL
		data, _ := os.ReadFile(trace)
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if killed != tc.killed || len(lines) != tc.lines || killed && !strings.HasSuffix(lines[len(lines)-1], " kill") {
			t.Errorf("%s=%q: killed %v (%v), trace:\n%s", EnvFault, tc.spec, killed, err, data)
		}
	}
}
