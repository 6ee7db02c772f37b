package state

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestSaveRecordsWhoRanIt(t *testing.T) {
	s := newTestFiles(t)
	jo := Runner{OSUser: "jo", Machine: "PC-7", Technician: "Jo Bloggs"}
	s.SetRunner(jo)
	if err := s.Save(New("alice@contoso.com", t0)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load("alice@contoso.com")
	if err != nil || got.LastRun == nil || *got.LastRun != jo {
		t.Fatalf("LastRun after jo's save = %+v, %v; want %+v", got.LastRun, err, jo)
	}

	// The run that saves last is the one recorded.
	sam := Runner{OSUser: "sam", Machine: "PC-9"}
	other := NewFiles(s.Dir())
	other.SetRunner(sam)
	if err := other.Save(got); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Load("alice@contoso.com"); err != nil || got.LastRun == nil || *got.LastRun != sam {
		t.Errorf("LastRun after sam's save = %+v, %v; want %+v", got.LastRun, err, sam)
	}
}

func TestSaveRecordsThisComputerUnlessTold(t *testing.T) {
	s := newTestFiles(t)
	if err := s.Save(New("alice@contoso.com", t0)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load("alice@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	host, _ := os.Hostname()
	if got.LastRun == nil || got.LastRun.OSUser == "" || got.LastRun.Machine != host || got.LastRun.Technician != "" {
		t.Errorf("LastRun = %+v; want this computer (%s), its user, and no technician", got.LastRun, host)
	}
}

func TestFilesFromBeforeWhoRanItStillLoad(t *testing.T) {
	s := newTestFiles(t)
	writeRaw(t, s, "alice@contoso.com", []byte(`{"schema": 1, "user": "alice@contoso.com", "steps": {"phone": {"status": "done"}}}`))
	got, err := s.Load("alice@contoso.com")
	if err != nil || got.LastRun != nil || got.Step("phone").Status != Done {
		t.Errorf("Load of an older file = %+v, %v; want it loaded, with nobody recorded", got, err)
	}
}

// sole describes what Sole found, to compare in a table.
func sole(found Sole) string {
	switch {
	case found.State != nil:
		return "only " + found.State.User
	case found.Several != nil:
		return "several " + strings.Join(found.Several, " ")
	}
	return "nobody"
}

func TestSole(t *testing.T) {
	save := func(users ...string) func(t *testing.T, s *Files) {
		return func(t *testing.T, s *Files) {
			for _, u := range users {
				if err := s.Save(New(u, t0)); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	tests := []struct {
		name    string
		setup   func(t *testing.T, s *Files)
		want    string
		files   int
		wantErr string // a file the error must name, or "" for none
	}{
		{"no folder", func(*testing.T, *Files) {}, "nobody", 0, ""},
		{"an empty folder", func(t *testing.T, s *Files) { os.MkdirAll(s.Dir(), 0o700) }, "nobody", 0, ""},
		{"one person", save("alice@contoso.com"), "only alice@contoso.com", 1, ""},
		{"one person under the legacy name", func(t *testing.T, s *Files) {
			writeFile(t, s, "bob@contoso.com.json", `{"schema": 1, "user": "bob@contoso.com"}`)
		}, "only bob@contoso.com", 1, ""},
		{"locks and backups are not people", func(t *testing.T, s *Files) {
			save("alice@contoso.com")(t, s)
			for _, name := range []string{"bob.lock", "bob.json.bak", ".bob.json123"} {
				writeFile(t, s, name, "junk")
			}
		}, "only alice@contoso.com", 1, ""},
		{"two people", save("carol@contoso.com", "Alice@contoso.com"), "several Alice@contoso.com carol@contoso.com", 2, ""},
		{"one readable person beside a damaged file", func(t *testing.T, s *Files) {
			save("bob@contoso.com")(t, s)
			writeRaw(t, s, "alice@contoso.com", []byte(`{"schema": 1, "user": "ali`))
		}, "only bob@contoso.com", 2, "alice@contoso.com-"},
		{"one person under both names", func(t *testing.T, s *Files) {
			writeFile(t, s, "alice@contoso.com.json", `{"schema": 1, "user": "alice@contoso.com"}`)
			save("alice@contoso.com")(t, s)
		}, "only alice@contoso.com", 2, "alice@contoso.com.json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestFiles(t)
			tt.setup(t, s)
			found, err := s.Sole()
			if got := sole(found); got != tt.want || found.Files != tt.files {
				t.Errorf("Sole = %s, %d files; want %s, %d files", got, found.Files, tt.want, tt.files)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Sole error = %v; want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Sole error = %v; want one naming %s", err, tt.wantErr)
			}
		})
	}
}

// TestSoleStopsAtTheSecondPerson: once two people are found there is no one person,
// whatever the other files hold, so they are not read: its cost does not grow with
// the number of people.
func TestSoleStopsAtTheSecondPerson(t *testing.T) {
	s := newTestFiles(t)
	for _, u := range []string{"alice@contoso.com", "bob@contoso.com"} {
		if err := s.Save(New(u, t0)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 50 {
		writeRaw(t, s, fmt.Sprintf("zed%02d@contoso.com", i), []byte(`{"schema": 1, "user": "ze`))
	}
	found, err := s.Sole()
	if got := sole(found); err != nil || got != "several alice@contoso.com bob@contoso.com" || found.Files != 52 {
		t.Errorf("Sole = %s, %d files, %v; want alice and bob of 52 files, no error", got, found.Files, err)
	}
}

// Collect is List that keeps only what it is asked to: the same people in the same
// order, and the same problems.
func TestCollectIsListKeepingLess(t *testing.T) {
	s := newTestFiles(t)
	for _, u := range []string{"carol", "Alice", "bob", withUnderscore} {
		if err := s.Save(New(u, t0)); err != nil {
			t.Fatal(err)
		}
	}
	writeRaw(t, s, "dave", []byte(`{"schema": 1, "user": "da`))
	writeRaw(t, s, "erin", []byte(`{"schema": 1, "user": "frank"}`))
	writeFile(t, s, sharedName, `{"schema": 1, "user": "o'neil@contoso.com"}`)
	writeFile(t, s, "bob.json", `{"schema": 1, "user": "bob"}`)
	// Carol's second file sorts first, her current one after bob's two.
	writeFile(t, s, strings.ToUpper(strings.TrimSuffix(filepath.Base(s.Path("carol")), ".json"))+".json", `{"schema": 1, "user": "carol"}`)
	writeFile(t, s, "notes.txt", "junk")
	// Bigger than one read takes, yet a person's progress.
	big := New("gina", t0)
	big.Mark("phone", Failed, strings.Repeat("x", 100<<10), t0)
	if err := s.Save(big); err != nil {
		t.Fatal(err)
	}
	// What a plain read must not take for a state: Load's checks decide.
	if err := os.Mkdir(s.Path("folder"), 0o700); err != nil {
		t.Fatal(err)
	}
	writeRaw(t, s, "huge", append([]byte(`{"schema": 1, "user": "huge", "x": "`), bytes.Repeat([]byte("x"), MaxFileSize)...))
	if err := os.Symlink(s.Path("carol"), s.Path("linked")); err != nil {
		t.Log("no symbolic links here:", err)
	}

	states, listErr := s.List()
	var want []string
	for _, st := range states {
		want = append(want, st.User)
	}
	got, err := Collect(s, func(st *State) string { return st.User })
	if !slices.Equal(got, want) {
		t.Errorf("Collect = %q; List = %q", got, want)
	}
	if err == nil || listErr == nil || err.Error() != listErr.Error() || !errors.Is(err, ErrDamaged) {
		t.Errorf("Collect error:\n%v\nList error:\n%v", err, listErr)
	}
	if empty, err := Collect(NewFiles(s.Dir()+"-none"), func(st *State) string { return st.User }); empty != nil || err != nil {
		t.Errorf("Collect of no folder = %v, %v; want nothing", empty, err)
	}
}

func TestCollectKeepsTheCurrentFileOfAPersonWithTwo(t *testing.T) {
	s := newTestFiles(t)
	writeFile(t, s, "alice@contoso.com.json", `{"schema": 1, "user": "alice@contoso.com", "steps": {"phone": {"status": "failed"}}}`)
	st := New("alice@contoso.com", t0)
	st.Mark("phone", Done, "", t0)
	if err := s.Save(st); err != nil {
		t.Fatal(err)
	}
	got, err := Collect(s, func(st *State) Status { return st.Step("phone").Status })
	if !reflect.DeepEqual(got, []Status{Done}) || err == nil {
		t.Errorf("Collect = %v, %v; want the current file's done, and the other named", got, err)
	}
}
