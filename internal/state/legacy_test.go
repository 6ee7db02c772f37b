package state

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Files under the names older versions used are written by name here, not through
// legacyPath, so that these tests say what those versions really left behind.

func writeFile(t *testing.T, s *Files, name, data string) string {
	t.Helper()
	if err := os.MkdirAll(s.Dir(), 0o700); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(s.Dir(), name)
	if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func checkFile(t *testing.T, path, want string) {
	t.Helper()
	if got, err := os.ReadFile(path); err != nil || string(got) != want {
		t.Errorf("%s = %q, %v; want %q", filepath.Base(path), got, err, want)
	}
}

func checkGone(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s is still there (%v)", filepath.Base(path), err)
	}
}

const (
	withQuote      = "o'neil@contoso.com"
	withUnderscore = "o_neil@contoso.com"
	// sharedName is the one file older versions kept for both of them.
	sharedName = "o_neil@contoso.com.json"
)

// The bug this scheme fixes: two people whose addresses differ only in a character
// the old names dropped each keep their own progress.
func TestLookAlikeAddressesKeepTheirOwnProgress(t *testing.T) {
	s := newTestFiles(t)
	for _, u := range []string{withQuote, withUnderscore, "jösé@contoso.com", "jäsä@contoso.com"} {
		st := New(u, t0)
		st.Mark("phone", Done, u, t0)
		if err := s.Save(st); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []string{withQuote, withUnderscore, "jösé@contoso.com", "jäsä@contoso.com"} {
		st, err := s.Load(u)
		if err != nil {
			t.Fatalf("Load(%q) = %v", u, err)
		}
		if st.User != u || st.Step("phone").Reason != u {
			t.Errorf("Load(%q) returned the progress of %q (%q)", u, st.User, st.Step("phone").Reason)
		}
	}
	if err := s.Delete(withUnderscore); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(withQuote); err != nil {
		t.Errorf("after Delete(%q), Load(%q) = %v", withUnderscore, withQuote, err)
	}
	if states, err := s.List(); err != nil || len(states) != 3 {
		t.Errorf("List = %d states, %v; want 3", len(states), err)
	}
}

func TestLoadMovesLegacyFile(t *testing.T) {
	s := newTestFiles(t)
	const data = `{"schema": 1, "user": "Alice@Contoso.com", "steps": {"phone": {"status": "done"}}}`
	legacy := writeFile(t, s, "alice@contoso.com.json", data)
	bak := writeFile(t, s, "alice@contoso.com.json.bak", `{"schema": 1, "user": "alice@contoso.com"}`)

	st, err := s.Load("alice@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	if st.User != "Alice@Contoso.com" || st.Step("phone").Status != Done {
		t.Errorf("Load = %+v", st)
	}
	path := s.Path("alice@contoso.com")
	checkFile(t, path, data)
	checkFile(t, path+".bak", `{"schema": 1, "user": "alice@contoso.com"}`)
	checkGone(t, legacy)
	checkGone(t, bak)

	// Loading again reads the moved file; saving and listing use it.
	if _, err := s.Load("ALICE@contoso.com"); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(st); err != nil {
		t.Fatal(err)
	}
	if states, err := s.List(); err != nil || len(states) != 1 {
		t.Errorf("List = %d states, %v", len(states), err)
	}
}

func TestLoadMovesLegacyFileOnlyUnderTheLock(t *testing.T) {
	s := newTestFiles(t)
	const data = `{"schema": 1, "user": "alice@contoso.com"}`
	legacy := writeFile(t, s, "alice@contoso.com.json", data)

	// Another run holds the lock: it may be about to write, so nothing moves.
	unlock, err := NewFiles(s.Dir()).Lock("alice@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load("alice@contoso.com"); err != nil {
		t.Fatal(err)
	}
	checkFile(t, legacy, data)
	if err := unlock(); err != nil {
		t.Fatal(err)
	}

	// The run holding the lock itself (start: Lock, then Load) moves it.
	unlock, err = s.Lock("alice@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if _, err := s.Load("alice@contoso.com"); err != nil {
		t.Fatal(err)
	}
	checkGone(t, legacy)
	checkFile(t, s.Path("alice@contoso.com"), data)
}

func TestLegacyFileOfSomeoneElse(t *testing.T) {
	s := newTestFiles(t)
	const data = `{"schema": 1, "user": "o'neil@contoso.com", "steps": {"phone": {"status": "done"}}}`
	shared := writeFile(t, s, sharedName, data)
	// From when they shared one file: the backup is o_neil's.
	bak := writeFile(t, s, sharedName+".bak", `{"schema": 1, "user": "o_neil@contoso.com"}`)

	_, err := s.Load(withUnderscore)
	if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrDamaged) {
		t.Fatalf("Load(%q) = %v; want ErrNotFound only", withUnderscore, err)
	}
	checkFile(t, shared, data)
	if err := s.Delete(withUnderscore); err != nil {
		t.Fatalf("Delete(%q) = %v", withUnderscore, err)
	}
	checkFile(t, shared, data)
	checkGone(t, bak)

	st, err := s.Load(withQuote)
	if err != nil || st.User != withQuote {
		t.Fatalf("Load(%q) = %+v, %v", withQuote, st, err)
	}
	checkGone(t, shared)
	checkFile(t, s.Path(withQuote), data)
}

func TestLegacyBackupOfSomeoneElseStays(t *testing.T) {
	s := newTestFiles(t)
	writeFile(t, s, sharedName, `{"schema": 1, "user": "o'neil@contoso.com"}`)
	bak := writeFile(t, s, sharedName+".bak", `{"schema": 1, "user": "o_neil@contoso.com"}`)
	if _, err := s.Load(withQuote); err != nil {
		t.Fatal(err)
	}
	checkFile(t, bak, `{"schema": 1, "user": "o_neil@contoso.com"}`)
	checkGone(t, s.Path(withQuote)+".bak")
}

func TestLegacyAndCurrentFileBothKept(t *testing.T) {
	s := newTestFiles(t)
	const old = `{"schema": 1, "user": "alice@contoso.com", "steps": {"phone": {"status": "failed"}}}`
	legacy := writeFile(t, s, "alice@contoso.com.json", old)
	st := New("alice@contoso.com", t0)
	st.Mark("phone", Done, "", t0)
	if err := s.Save(st); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		got, err := s.Load("alice@contoso.com")
		if err != nil || got.Step("phone").Status != Done {
			t.Fatalf("Load = %+v, %v; want the current file", got, err)
		}
	}
	checkFile(t, legacy, old)

	states, err := s.List()
	if len(states) != 1 || states[0].Step("phone").Status != Done {
		t.Errorf("List = %v; want the current file's state once", states)
	}
	if err == nil || errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), legacy) || !strings.Contains(err.Error(), s.Path("alice@contoso.com")) {
		t.Errorf("List error = %v; want one naming both files, not calling either damaged", err)
	}

	if err := s.Delete("alice@contoso.com"); err != nil {
		t.Fatal(err)
	}
	if names := dirNames(t, s.Dir()); len(names) != 0 {
		t.Errorf("after Delete the folder holds %v", names)
	}
}

func TestLegacyDamaged(t *testing.T) {
	const bad = `{"schema": 1, "user": "al`
	t.Run("name of one address", func(t *testing.T) {
		s := newTestFiles(t)
		p := writeFile(t, s, "alice@contoso.com.json", bad)
		_, err := s.Load("alice@contoso.com")
		if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), `"mfa-onboard reset"`) {
			t.Fatalf("Load = %v; want ErrDamaged naming %s and reset", err, p)
		}
		checkFile(t, p, bad)
		// Only alice@contoso.com ever had this name, so reset may remove it.
		if err := s.Delete("alice@contoso.com"); err != nil {
			t.Fatal(err)
		}
		checkGone(t, p)
	})
	t.Run("shared name", func(t *testing.T) {
		s := newTestFiles(t)
		p := writeFile(t, s, sharedName, bad)
		for _, u := range []string{withQuote, withUnderscore} {
			_, err := s.Load(u)
			if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "move it aside") {
				t.Fatalf("Load(%q) = %v; want ErrDamaged naming %s", u, err, p)
			}
			if err := s.Delete(u); !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), p) {
				t.Errorf("Delete(%q) = %v; want it to say it kept %s", u, err, p)
			}
			checkFile(t, p, bad)
		}
	})
}

func TestLegacyNewerSchema(t *testing.T) {
	s := newTestFiles(t)
	writeFile(t, s, sharedName, `{"schema": 99, "user": "o'neil@contoso.com", "steps": []}`)
	if _, err := s.Load(withUnderscore); !errors.Is(err, ErrNotFound) {
		t.Errorf("Load(%q) = %v; want ErrNotFound", withUnderscore, err)
	}
	if _, err := s.Load(withQuote); !errors.Is(err, ErrNewerSchema) {
		t.Errorf("Load(%q) = %v; want ErrNewerSchema", withQuote, err)
	}
}

func TestDeleteKeepsAFileNamingSomeoneElse(t *testing.T) {
	s := newTestFiles(t)
	p := writeRaw(t, s, "alice", []byte(`{"schema": 1, "user": "mallory"}`))
	err := s.Delete("alice")
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), s.Path("mallory")) {
		t.Errorf("Delete = %v; want it to name %s and where it belongs", err, p)
	}
	checkFile(t, p, `{"schema": 1, "user": "mallory"}`)
}

func TestListReadsLegacyFiles(t *testing.T) {
	s := newTestFiles(t)
	writeFile(t, s, sharedName, `{"schema": 1, "user": "o'neil@contoso.com"}`)
	writeFile(t, s, "bob@contoso.com.json", `{"schema": 1, "user": "bob@contoso.com"}`)
	if err := s.Save(New(withUnderscore, t0)); err != nil {
		t.Fatal(err)
	}
	misplaced := writeFile(t, s, "erin@contoso.com.json", `{"schema": 1, "user": "frank@contoso.com"}`)
	before := dirNames(t, s.Dir())

	states, err := s.List()
	var users []string
	for _, st := range states {
		users = append(users, st.User)
	}
	if want := []string{"bob@contoso.com", withQuote, withUnderscore}; !slices.Equal(users, want) {
		t.Errorf("List users = %q, want %q", users, want)
	}
	if !errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), misplaced) || strings.Contains(err.Error(), sharedName) {
		t.Errorf("List error = %v; want only %s named", err, misplaced)
	}
	if after := dirNames(t, s.Dir()); !slices.Equal(before, after) {
		t.Errorf("List changed the folder from %v to %v", before, after)
	}
}

func TestBusy(t *testing.T) {
	s := newTestFiles(t)
	if busy, err := s.Busy("alice"); busy || err != nil {
		t.Errorf("Busy without a folder = %v, %v", busy, err)
	}
	if err := s.Save(New("alice", t0)); err != nil {
		t.Fatal(err)
	}
	before := dirNames(t, s.Dir())
	if busy, err := s.Busy("alice"); busy || err != nil {
		t.Errorf("Busy without a lock file = %v, %v", busy, err)
	}
	if after := dirNames(t, s.Dir()); !slices.Equal(before, after) {
		t.Errorf("Busy changed the folder from %v to %v", before, after)
	}

	unlock, err := NewFiles(s.Dir()).Lock("Alice")
	if err != nil {
		t.Fatal(err)
	}
	if busy, err := s.Busy("alice"); !busy || err != nil {
		t.Errorf("Busy while locked = %v, %v", busy, err)
	}
	if busy, err := s.Busy("bob"); busy || err != nil {
		t.Errorf("Busy of another user = %v, %v", busy, err)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	if busy, err := s.Busy("alice"); busy || err != nil {
		t.Errorf("Busy after unlock = %v, %v", busy, err)
	}
	// Busy must have let go: the lock can be taken again.
	unlock, err = s.Lock("alice")
	if err != nil {
		t.Fatalf("Lock after Busy = %v", err)
	}
	_ = unlock()
	if _, err := s.Busy(""); err == nil {
		t.Error("Busy without a user = nil error")
	}
}
