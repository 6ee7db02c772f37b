package atomicfile

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
)

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteFileIsOwnerOnly(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no Unix permission bits")
	}
	p := filepath.Join(t.TempDir(), "f.json")
	if err := os.WriteFile(p, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("new")); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode after WriteFile over a 0644 file = %v, want 0600", fi.Mode().Perm())
	}
	if got, _ := os.ReadFile(p); string(got) != "new" {
		t.Errorf("contents = %q, want new", got)
	}
}

// TestReplaceWithBackup runs the Windows save on every system, since its
// logic does not depend on Windows, only its use does.
func TestReplaceWithBackup(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "alice.json")
	if err := replaceWithBackup(p, []byte("one")); err != nil {
		t.Fatal(err)
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"alice.json"}) {
		t.Errorf("after first save the folder holds %v, want only alice.json", names)
	}
	if err := replaceWithBackup(p, []byte("two")); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{p: "two", p + ".bak": "one"} {
		if got, err := os.ReadFile(path); err != nil || string(got) != want {
			t.Errorf("%s = %q, %v; want %q", path, got, err, want)
		}
	}

	// A folder in the way makes the save fail; the temporary file must not stay.
	blocked := filepath.Join(dir, "bob.json")
	if err := os.Mkdir(blocked, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := replaceWithBackup(blocked, []byte("x")); err == nil {
		t.Error("replaceWithBackup over a folder succeeded")
	}
	if names := dirNames(t, dir); !slices.Equal(names, []string{"alice.json", "alice.json.bak", "bob.json"}) {
		t.Errorf("after a failed save the folder holds %v", names)
	}
}
