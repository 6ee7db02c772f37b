//go:build !windows

package atomicfile

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/renameio/v2"
)

// TestTempTargetKnowsTheWritersNames makes the temporary files both writers make and
// leaves them, as a killed process does, so that a change of renameio's naming shows
// here rather than as files piling up in people's state folders.
func TestTempTargetKnowsTheWritersNames(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "alice@example.com-76gzqgp4byjl6dje.json")
	pf, err := renameio.NewPendingFile(target, renameio.WithTempDir(dir), renameio.WithStaticPermissions(0o600))
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(target)+".tmp*")
	if err != nil {
		t.Fatal(err)
	}
	tmp.Close()
	for _, name := range []string{filepath.Base(pf.Name()), filepath.Base(tmp.Name())} {
		if got, ok := TempTarget(name); !ok || got != filepath.Base(target) {
			t.Errorf("TempTarget(%q) = %q, %v; want %q", name, got, ok, filepath.Base(target))
		}
	}
}

func TestTempTarget(t *testing.T) {
	tests := []struct {
		name, target string
		ok           bool
	}{
		{".a.json123", "a.json", true},
		{".a.json.tmp42", "a.json", true},
		{"a.json123", "", false},  // no leading dot
		{".a.json", "", false},    // no number
		{".123", "", false},       // no target
		{".tmp123", "tmp", true},  // a target named tmp: the caller decides it is not its own
		{".a.json12x", "", false}, // not a number at the end
		{".a.json.lock", "", false},
	}
	for _, tt := range tests {
		if got, ok := TempTarget(tt.name); got != tt.target || ok != tt.ok {
			t.Errorf("TempTarget(%q) = %q, %v; want %q, %v", tt.name, got, ok, tt.target, tt.ok)
		}
	}
}
