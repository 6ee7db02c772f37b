package state

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)

func newTestStore(t *testing.T) *Store {
	t.Helper()
	return NewStore(filepath.Join(t.TempDir(), "state"))
}

func fullState() *State {
	st := New("Alice@Contoso.com", t0)
	st.Mark("phone", Done, "", t0.Add(time.Minute))
	st.Mark("duo", Waiting, "waiting for activation", t0.Add(2*time.Minute))
	st.Phone = &PhoneAnswer{E164: "+14155550100", Country: "US", Source: FromPrompt}
	st.Verify = &VerifyRecord{SentTo: "+14155550100", SentAt: t0, VerifiedAt: t0.Add(time.Second), RegisteredAt: t0.Add(2 * time.Second), MethodID: "m-1"}
	st.Notice = &NoticeRecord{ID: "n-1", Started: t0, SentAt: t0.Add(time.Second), Receipt: "r-1"}
	st.Mail = &Choice{Value: "outlook", Source: FromAnswers}
	st.Platform = &Choice{Value: "ios", Source: FromDefault}
	st.Duo = &DuoRecord{UserID: "u", PhoneID: "p", Associated: true, ActivatedAt: t0}
	st.DuoTest = &DuoTestRecord{ApprovedAt: t0}
	return st
}

// writeRaw puts bytes where Load will look for user, as a damaged or foreign file would be.
func writeRaw(t *testing.T, s *Store, user string, data []byte) string {
	t.Helper()
	if err := os.MkdirAll(s.Dir(), 0o700); err != nil {
		t.Fatal(err)
	}
	p := s.Path(user)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

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

func TestRoundTrip(t *testing.T) {
	s := newTestStore(t)
	want := fullState()
	if err := s.Save(want); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load("alice@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load after Save:\n got %+v\nwant %+v", got, want)
	}
	data, err := os.ReadFile(s.Path(want.User))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasSuffix(data, []byte("}\n")) || !bytes.Contains(data, []byte("\n  \"schema\": 1,")) {
		t.Errorf("file is not 2-space indented JSON ending in a newline:\n%s", data)
	}
}

func TestSaveSetsSchemaAndLoadFillsSteps(t *testing.T) {
	s := newTestStore(t)
	st := &State{User: "bob"}
	if err := s.Save(st); err != nil {
		t.Fatal(err)
	}
	if st.Schema != SchemaVersion {
		t.Errorf("Save left Schema = %d, want %d", st.Schema, SchemaVersion)
	}
	got, err := s.Load("bob")
	if err != nil {
		t.Fatal(err)
	}
	if got.Steps == nil {
		t.Error("Load returned nil Steps")
	}
}

func TestSaveRejectsNoUser(t *testing.T) {
	s := newTestStore(t)
	for _, st := range []*State{nil, {}} {
		if err := s.Save(st); err == nil {
			t.Errorf("Save(%v) = nil, want an error", st)
		}
	}
}

func TestModes(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows does not use Unix permission bits")
	}
	tests := []struct {
		name    string
		prepare func(t *testing.T, s *Store)
	}{
		{"fresh", func(*testing.T, *Store) {}},
		{"loose existing dir", func(t *testing.T, s *Store) {
			if err := os.MkdirAll(s.Dir(), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(s.Dir(), 0o755); err != nil {
				t.Fatal(err)
			}
		}},
		{"loose existing file", func(t *testing.T, s *Store) {
			p := writeRaw(t, s, "alice", []byte("{}"))
			if err := os.Chmod(p, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestStore(t)
			tt.prepare(t, s)
			if err := s.Save(New("alice", t0)); err != nil {
				t.Fatal(err)
			}
			unlock, err := s.Lock("alice")
			if err != nil {
				t.Fatal(err)
			}
			defer unlock()
			for path, want := range map[string]fs.FileMode{
				s.Dir():                              0o700,
				s.Path("alice"):                      0o600,
				filepath.Join(s.Dir(), "alice.lock"): 0o600,
			} {
				fi, err := os.Stat(path)
				if err != nil {
					t.Fatal(err)
				}
				if got := fi.Mode().Perm(); got != want {
					t.Errorf("%s has mode %o, want %o", path, got, want)
				}
			}
		})
	}
}

func TestSaveOverExisting(t *testing.T) {
	s := newTestStore(t)
	st := New("alice", t0)
	if err := s.Save(st); err != nil {
		t.Fatal(err)
	}
	st.Mark("phone", Done, "", t0.Add(time.Hour))
	if err := s.Save(st); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(s.Path("alice"))
	if err != nil {
		t.Fatal(err)
	}
	if !json.Valid(data) {
		t.Fatalf("file is not valid JSON after a second Save:\n%s", data)
	}
	got, err := s.Load("alice")
	if err != nil {
		t.Fatal(err)
	}
	if got.Step("phone").Status != Done {
		t.Errorf("second Save was lost: phone is %q", got.Step("phone").Status)
	}
	if names := dirNames(t, s.Dir()); !slices.Equal(names, []string{"alice.json"}) {
		t.Errorf("state folder holds %v, want only alice.json (a temporary file was left)", names)
	}
}

func TestLoadDamaged(t *testing.T) {
	tests := []struct {
		name string
		data string
	}{
		{"garbage", "not json at all"},
		{"truncated", `{"schema": 1, "user": "alice", "steps": {"phone": {"sta`},
		{"empty", ""},
		{"null", "null"},
		{"array", "[]"},
		{"trailing data", `{"schema": 1, "user": "alice"} {}`},
		{"wrong type", `{"schema": "1", "user": "alice"}`},
		{"no schema", `{"user": "alice"}`},
		{"schema zero", `{"schema": 0, "user": "alice"}`},
		{"negative schema", `{"schema": -3, "user": "alice"}`},
		{"no user", `{"schema": 1}`},
		{"other user", `{"schema": 1, "user": "mallory"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestStore(t)
			p := writeRaw(t, s, "alice", []byte(tt.data))
			st, err := s.Load("alice")
			if !errors.Is(err, ErrDamaged) {
				t.Fatalf("Load = %v, %v; want ErrDamaged", st, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, p) || !strings.Contains(msg, `"mfa-onboard reset"`) {
				t.Errorf("message does not name the file and the way out: %s", msg)
			}
			if got, err := os.ReadFile(p); err != nil || string(got) != tt.data {
				t.Errorf("Load changed the damaged file: now %q, %v", got, err)
			}
			if names := dirNames(t, s.Dir()); !slices.Equal(names, []string{"alice.json"}) {
				t.Errorf("Load left files behind: %v", names)
			}
		})
	}
}

func TestLoadAccepts(t *testing.T) {
	tests := []struct {
		name, user, data string
	}{
		{"user in other case", "alice@contoso.com", `{"schema": 1, "user": "Alice@Contoso.com"}`},
		{"unknown field", "alice", `{"schema": 1, "user": "alice", "added_later": {"x": 1}}`},
		{"null step", "alice", `{"schema": 1, "user": "alice", "steps": {"phone": null}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestStore(t)
			writeRaw(t, s, tt.user, []byte(tt.data))
			st, err := s.Load(tt.user)
			if err != nil {
				t.Fatal(err)
			}
			if st.Steps == nil {
				t.Error("Steps is nil")
			}
			for id, step := range st.Steps {
				if step == nil {
					t.Errorf("step %q is nil", id)
				}
			}
		})
	}
}

func TestLoadNewerSchema(t *testing.T) {
	newer := SchemaVersion + 1
	for name, data := range map[string]string{
		"compatible shape":   fmt.Sprintf(`{"schema": %d, "user": "alice"}`, newer),
		"incompatible shape": fmt.Sprintf(`{"schema": %d, "user": "alice", "steps": ["phone"]}`, newer),
	} {
		t.Run(name, func(t *testing.T) {
			s := newTestStore(t)
			writeRaw(t, s, "alice", []byte(data))
			_, err := s.Load("alice")
			if !errors.Is(err, ErrNewerSchema) || errors.Is(err, ErrDamaged) {
				t.Fatalf("Load = %v; want ErrNewerSchema only", err)
			}
			want := fmt.Sprintf("state file %s was written by a newer mfa-onboard (schema %d, this one reads up to %d); update mfa-onboard", s.Path("alice"), newer, SchemaVersion)
			if err.Error() != want {
				t.Errorf("message\n got %s\nwant %s", err, want)
			}
		})
	}
}

func TestLoadMissing(t *testing.T) {
	s := newTestStore(t)
	if _, err := s.Load("alice"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Load without folder = %v; want ErrNotFound", err)
	}
	writeRaw(t, s, "bob", []byte(`{"schema": 1, "user": "bob"}`))
	if _, err := s.Load("alice"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Load without file = %v; want ErrNotFound", err)
	}
}

func TestLoadFolderInTheWay(t *testing.T) {
	s := newTestStore(t)
	if err := os.MkdirAll(s.Path("alice"), 0o700); err != nil {
		t.Fatal(err)
	}
	_, err := s.Load("alice")
	if err == nil || errors.Is(err, ErrNotFound) || errors.Is(err, ErrDamaged) || !strings.Contains(err.Error(), s.Path("alice")) {
		t.Errorf("Load of a folder = %v; want an error naming the path", err)
	}
}

func TestLoadPermissionDenied(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() == 0 {
		t.Skip("needs Unix permissions that apply to the test user")
	}
	s := newTestStore(t)
	p := writeRaw(t, s, "alice", []byte(`{"schema": 1, "user": "alice"}`))
	if err := os.Chmod(p, 0); err != nil {
		t.Fatal(err)
	}
	_, err := s.Load("alice")
	if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), p) {
		t.Errorf("Load of unreadable file = %v; want a permission error naming %s", err, p)
	}
}

func TestPath(t *testing.T) {
	tests := []struct{ user, want string }{
		{"Alice@Contoso.com", "alice@contoso.com.json"},
		{"first.last+tag@x-y.org", "first.last+tag@x-y.org.json"},
		{`a/b\c:d`, "a_b_c_d.json"},
		{"../../etc/passwd", ".._.._etc_passwd.json"},
		{` bob "smith"*?<>|`, "_bob__smith______.json"},
		{"Ünïcode", "_n_code.json"},
		{"tab\tnew\nline", "tab_new_line.json"},
		{"", ".json"},
	}
	s := NewStore(filepath.Join("home", "state"))
	for _, tt := range tests {
		got := s.Path(tt.user)
		if filepath.Dir(got) != s.Dir() || filepath.Base(got) != tt.want {
			t.Errorf("Path(%q) = %q, want %q in %q", tt.user, got, tt.want, s.Dir())
		}
	}
}

func TestDelete(t *testing.T) {
	s := newTestStore(t)
	if err := s.Delete("alice"); err != nil {
		t.Errorf("Delete without folder = %v", err)
	}
	if err := s.Save(New("alice", t0)); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.Path("alice")+".bak", []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := s.Save(New("bob", t0)); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete("Alice"); err != nil {
		t.Fatal(err)
	}
	if names := dirNames(t, s.Dir()); !slices.Equal(names, []string{"bob.json"}) {
		t.Errorf("after Delete the folder holds %v, want only bob.json", names)
	}
	if err := s.Delete("alice"); err != nil {
		t.Errorf("second Delete = %v", err)
	}
}

func TestLockSameProcess(t *testing.T) {
	s := newTestStore(t)
	unlock, err := s.Lock("alice")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	// A second Store stands for any other code path in this process.
	if _, err := NewStore(s.Dir()).Lock("Alice"); !errors.Is(err, ErrLocked) {
		t.Fatalf("second Lock = %v; want ErrLocked", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("second Lock took %v; it must not wait", d)
	}
	unlockBob, err := s.Lock("bob")
	if err != nil {
		t.Fatalf("another user's lock was refused: %v", err)
	}
	if err := unlockBob(); err != nil {
		t.Fatal(err)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	unlock, err = s.Lock("alice")
	if err != nil {
		t.Fatalf("Lock after unlock = %v", err)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	if err := unlock(); err != nil {
		t.Errorf("second unlock = %v", err)
	}
}

const lockHelperEnv = "STATE_TEST_LOCK_HELPER_DIR"

// TestLockHelperProcess is not a test: TestLockOtherProcess runs it in a
// child process to hold a lock until its stdin closes.
func TestLockHelperProcess(t *testing.T) {
	dir := os.Getenv(lockHelperEnv)
	if dir == "" {
		t.Skip("only runs as a helper")
	}
	unlock, err := NewStore(dir).Lock("alice")
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
	fmt.Println("locked")
	_, _ = bufio.NewReader(os.Stdin).ReadString('\n')
	_ = unlock()
	os.Exit(0)
}

func TestLockOtherProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	s := newTestStore(t)
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHelperProcess$")
	cmd.Env = append(os.Environ(), lockHelperEnv+"="+s.Dir())
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("helper said %q, %v", line, err)
	}

	start := time.Now()
	if _, err := s.Lock("alice"); !errors.Is(err, ErrLocked) {
		t.Fatalf("Lock held by another process = %v; want ErrLocked", err)
	} else if !strings.Contains(err.Error(), filepath.Join(s.Dir(), "alice.lock")) {
		t.Errorf("message does not name the lock file: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Lock took %v; it must not wait", d)
	}

	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper: %v", err)
	}
	unlock, err := s.Lock("alice")
	if err != nil {
		t.Fatalf("Lock after the other process ended = %v", err)
	}
	_ = unlock()
}

func TestList(t *testing.T) {
	s := newTestStore(t)
	if states, err := s.List(); states != nil || err != nil {
		t.Errorf("List without folder = %v, %v; want nothing", states, err)
	}
	for _, u := range []string{"carol", "Alice", "bob"} {
		if err := s.Save(New(u, t0)); err != nil {
			t.Fatal(err)
		}
	}
	bad := writeRaw(t, s, "dave", []byte(`{"schema": 1, "user": "da`))
	misplaced := writeRaw(t, s, "erin", []byte(`{"schema": 1, "user": "frank"}`))
	// Files that are not states must be ignored.
	for _, name := range []string{"alice.json.bak", "alice.lock", ".bob.json12345", "notes.txt"} {
		if err := os.WriteFile(filepath.Join(s.Dir(), name), []byte("junk"), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	states, err := s.List()
	var users []string
	for _, st := range states {
		users = append(users, st.User)
	}
	if !slices.Equal(users, []string{"Alice", "bob", "carol"}) {
		t.Errorf("List returned users %v, want [Alice bob carol]", users)
	}
	if !errors.Is(err, ErrDamaged) {
		t.Fatalf("List error = %v; want ErrDamaged", err)
	}
	for _, p := range []string{bad, misplaced} {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("List error does not name %s: %v", p, err)
		}
	}
	if strings.Contains(err.Error(), "alice") || strings.Contains(err.Error(), "notes") {
		t.Errorf("List error names a good or ignored file: %v", err)
	}

	if err := os.Remove(bad); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(misplaced); err != nil {
		t.Fatal(err)
	}
	if states, err := s.List(); err != nil || len(states) != 3 {
		t.Errorf("List of good files = %d states, %v", len(states), err)
	}
}

func FuzzLoad(f *testing.F) {
	valid, err := json.MarshalIndent(fullState(), "", "  ")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add(valid[:len(valid)/2])
	f.Add([]byte(""))
	f.Add([]byte("null"))
	f.Add([]byte(`{"schema": 1, "user": "alice@contoso.com", "steps": null}`))
	f.Add([]byte(`{"schema": 1, "user": "alice@contoso.com", "steps": {"x": null, "y": {"status": 7}}}`))
	f.Add([]byte(`{"schema": 2, "user": "alice@contoso.com", "steps": []}`))
	f.Add([]byte(`{"schema": -1, "user": "ALICE@contoso.com"}`))
	f.Add([]byte(`{"schema": 1e400}`))
	f.Add([]byte("\xff\xfe{\x00"))

	s := NewStore(f.TempDir())
	const user = "alice@contoso.com"
	f.Fuzz(func(t *testing.T, data []byte) {
		// A fresh file each time: truncating and rewriting one makes ext4
		// flush it on close (auto_da_alloc), which slows fuzzing twentyfold.
		if err := os.Remove(s.Path(user)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		p := writeRaw(t, s, user, data)
		st, err := s.Load(user)
		if err != nil {
			if !errors.Is(err, ErrDamaged) && !errors.Is(err, ErrNewerSchema) {
				t.Fatalf("Load of a readable file = %v; want ErrDamaged or ErrNewerSchema", err)
			}
			if got, _ := os.ReadFile(p); !bytes.Equal(got, data) {
				t.Fatal("Load changed the file")
			}
			return
		}
		if st.Steps == nil {
			t.Fatal("Steps is nil")
		}
		if st.Schema < 1 || st.Schema > SchemaVersion {
			t.Fatalf("Schema = %d", st.Schema)
		}
		if !strings.EqualFold(st.User, user) {
			t.Fatalf("User = %q", st.User)
		}
	})
}
