package state

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

func symlinkOrSkip(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Skip("no symbolic links here:", err)
	}
}

// TestLinkAsStateFile: a dangling link was "not started yet", and the first save then
// replaced it; a live one was read through, and the first save replaced it too.
func TestLinkAsStateFile(t *testing.T) {
	for _, dangling := range []bool{true, false} {
		s := newTestFiles(t)
		if err := os.MkdirAll(s.Dir(), 0o700); err != nil {
			t.Fatal(err)
		}
		target := filepath.Join(t.TempDir(), "elsewhere.json")
		if !dangling {
			if err := os.WriteFile(target, []byte(`{"schema": 1, "user": "alice"}`), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		p := s.Path("alice")
		symlinkOrSkip(t, target, p)
		_, err := s.Load("alice")
		if err == nil || errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "symbolic link") {
			t.Errorf("dangling %v: Load = %v; want an error naming %s as a link", dangling, err, p)
		}
		if _, err := s.List(); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("dangling %v: List = %v; want an error naming %s", dangling, err, p)
		}
		if err := s.Save(New("alice", t0)); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("dangling %v: Save over the link = %v; want it refused", dangling, err)
		}
		if fi, err := os.Lstat(p); err != nil || fi.Mode()&os.ModeSymlink == 0 {
			t.Errorf("dangling %v: the link was replaced (%v, %v)", dangling, fi, err)
		}
	}
}

// TestLinkedStateFolderIsNotFollowed: Lock and Save made the folder the link points
// to 0700, wherever it was.
func TestLinkedStateFolderIsNotFollowed(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no Unix permission bits")
	}
	home := t.TempDir()
	elsewhere := filepath.Join(home, "shared")
	if err := os.Mkdir(elsewhere, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(home, "state")
	symlinkOrSkip(t, elsewhere, dir)
	s := NewFiles(dir)
	if _, err := s.Lock("alice"); err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("Lock = %v; want an error naming %s as a link", err, dir)
	}
	if err := s.Save(New("alice", t0)); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("Save = %v; want an error naming %s", err, dir)
	}
	fi, err := os.Stat(elsewhere)
	if err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("the folder the link points to is now %v (%v); want it left at 0755", fi.Mode().Perm(), err)
	}
	if names := dirNames(t, elsewhere); len(names) != 0 {
		t.Errorf("files were made through the link: %v", names)
	}
}

func TestOversizedStateFile(t *testing.T) {
	s := newTestFiles(t)
	big := []byte(`{"schema": 1, "user": "alice", "x": "` + strings.Repeat("a", MaxFileSize) + `"}`)
	p := writeRaw(t, s, "alice", big)
	_, err := s.Load("alice")
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "1 MiB") || len(err.Error()) > 1000 {
		t.Errorf("Load of a %d-byte file = %.300v; want ErrDamaged naming %s and the limit", len(big), err, p)
	}
	if _, err := s.List(); err == nil || !strings.Contains(err.Error(), p) {
		t.Errorf("List = %.300v; want an error naming %s", err, p)
	}
	if got, _ := os.ReadFile(p); len(got) != len(big) {
		t.Error("the oversized file was changed")
	}
}

// TestLockRemovesStaleTemporaryFiles: killed runs left renameio's temporary files in
// the state folder for ever.
func TestLockRemovesStaleTemporaryFiles(t *testing.T) {
	s := newTestFiles(t)
	if err := os.MkdirAll(s.Dir(), 0o700); err != nil {
		t.Fatal(err)
	}
	own := filepath.Base(s.Path("bob@example.com"))
	old := time.Now().Add(-2 * time.Minute)
	files := map[string]bool{ // name: removed by Lock
		"." + own + "5577006791947779410":  true,  // renameio's, of a run killed two minutes ago
		"." + own + ".tmp2596996162":       true,  // the Windows writer's
		"." + own + "42":                   false, // fresh: a run may be writing it now
		".notes.json123":                   false, // not a state file's name
		"." + own + ".bak123":              false, // not the name of a temporary state file
		own + "123":                        false, // no leading dot: not a temporary file
		".alice@example.com.json987654321": false, // the legacy name: never written by Save
	}
	for name := range files {
		p := filepath.Join(s.Dir(), name)
		if err := os.WriteFile(p, []byte("{"), 0o600); err != nil {
			t.Fatal(err)
		}
		if name == "."+own+"42" {
			continue
		}
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	// A folder with a temporary file's name is not a file this tool made.
	dirName := "." + own + "777"
	if err := os.Mkdir(filepath.Join(s.Dir(), dirName), 0o700); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(filepath.Join(s.Dir(), dirName), old, old)

	unlock, err := s.Lock("alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	names := dirNames(t, s.Dir())
	for name, stale := range files {
		if slices.Contains(names, name) == stale {
			t.Errorf("%s: removed %v; want %v", name, !slices.Contains(names, name), stale)
		}
	}
	if !slices.Contains(names, dirName) {
		t.Errorf("the folder %s was removed", dirName)
	}
}

// TestAStoreLooksForLeftoversOnce: the listing costs as much as there are people,
// and a batch takes one lock per person through one Store, so only its first lock
// looks; a new Store (the next process) looks again only once the last look is an
// hour old, so that a one-person run costs the same beside ten thousand people.
func TestAStoreLooksForLeftoversOnce(t *testing.T) {
	s := newTestFiles(t)
	if err := os.MkdirAll(s.Dir(), 0o700); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-2 * time.Minute)
	leave := func(user string) string {
		p := filepath.Join(s.Dir(), "."+filepath.Base(s.Path(user))+"5577006791947779410")
		os.WriteFile(p, []byte("{"), 0o600)
		os.Chtimes(p, old, old)
		return p
	}
	lock := func(s *Files, user string) {
		unlock, err := s.Lock(user)
		if err != nil {
			t.Fatal(err)
		}
		unlock()
	}
	first := leave("bob@example.com")
	lock(s, "alice@example.com")
	second := leave("carol@example.com")
	lock(s, "dave@example.com")
	if _, err := os.Stat(first); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the first lock left %s", first)
	}
	if _, err := os.Stat(second); err != nil {
		t.Errorf("the Store's second lock looked through the folder again (%v)", err)
	}
	lock(NewFiles(s.Dir()), "erin@example.com")
	if _, err := os.Stat(second); err != nil {
		t.Errorf("a new Store looked again a moment after the last look (%v)", err)
	}
	earlier := time.Now().Add(-61 * time.Minute)
	if err := os.Chtimes(filepath.Join(s.Dir(), ".swept"), earlier, earlier); err != nil {
		t.Fatalf("the last look is not recorded: %v", err)
	}
	lock(NewFiles(s.Dir()), "frank@example.com")
	if _, err := os.Stat(second); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a new Store did not look when the last look was an hour old (%v)", err)
	}
}
