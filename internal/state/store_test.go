package state

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
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

func newTestFiles(t *testing.T) *Files {
	t.Helper()
	return NewFiles(filepath.Join(t.TempDir(), "state"))
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
func writeRaw(t *testing.T, s *Files, user string, data []byte) string {
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
	s := newTestFiles(t)
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
	s := newTestFiles(t)
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
	s := newTestFiles(t)
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
		prepare func(t *testing.T, s *Files)
	}{
		{"fresh", func(*testing.T, *Files) {}},
		{"loose existing dir", func(t *testing.T, s *Files) {
			if err := os.MkdirAll(s.Dir(), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(s.Dir(), 0o755); err != nil {
				t.Fatal(err)
			}
		}},
		{"loose existing file", func(t *testing.T, s *Files) {
			p := writeRaw(t, s, "alice", []byte("{}"))
			if err := os.Chmod(p, 0o644); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestFiles(t)
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
				s.Dir():             0o700,
				s.Path("alice"):     0o600,
				s.lockPath("alice"): 0o600,
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
	s := newTestFiles(t)
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
	if names, want := dirNames(t, s.Dir()), filepath.Base(s.Path("alice")); !slices.Equal(names, []string{want}) {
		t.Errorf("state folder holds %v, want only %s (a temporary file was left)", names, want)
	}
}

func TestLoadDamaged(t *testing.T) {
	tests := []struct {
		name string
		data string
		// way is the way out the message must give; reset for a file that is alice's.
		way string
	}{
		{"garbage", "not json at all", ""},
		{"truncated", `{"schema": 1, "user": "alice", "steps": {"phone": {"sta`, ""},
		{"empty", "", ""},
		{"null", "null", ""},
		{"array", "[]", ""},
		{"trailing data", `{"schema": 1, "user": "alice"} {}`, ""},
		{"wrong type", `{"schema": "1", "user": "alice"}`, ""},
		{"no schema", `{"user": "alice"}`, ""},
		{"schema zero", `{"schema": 0, "user": "alice"}`, ""},
		{"negative schema", `{"schema": -3, "user": "alice"}`, ""},
		{"no user", `{"schema": 1}`, ""},
		// Reset for alice keeps mallory's progress, so the way out is to move it.
		{"other user", `{"schema": 1, "user": "mallory"}`, "move it there if it is theirs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestFiles(t)
			p := writeRaw(t, s, "alice", []byte(tt.data))
			st, err := s.Load("alice")
			if !errors.Is(err, ErrDamaged) {
				t.Fatalf("Load = %v, %v; want ErrDamaged", st, err)
			}
			msg := err.Error()
			if tt.way == "" {
				tt.way = `"mfa-onboard reset"`
			}
			if !strings.Contains(msg, p) || !strings.Contains(msg, tt.way) {
				t.Errorf("message does not name the file and the way out: %s", msg)
			}
			if got, err := os.ReadFile(p); err != nil || string(got) != tt.data {
				t.Errorf("Load changed the damaged file: now %q, %v", got, err)
			}
			if names := dirNames(t, s.Dir()); !slices.Equal(names, []string{filepath.Base(p)}) {
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
			s := newTestFiles(t)
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
			s := newTestFiles(t)
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
	s := newTestFiles(t)
	if _, err := s.Load("alice"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Load without folder = %v; want ErrNotFound", err)
	}
	writeRaw(t, s, "bob", []byte(`{"schema": 1, "user": "bob"}`))
	if _, err := s.Load("alice"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Load without file = %v; want ErrNotFound", err)
	}
}

func TestLoadFolderInTheWay(t *testing.T) {
	s := newTestFiles(t)
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
	s := newTestFiles(t)
	p := writeRaw(t, s, "alice", []byte(`{"schema": 1, "user": "alice"}`))
	if err := os.Chmod(p, 0); err != nil {
		t.Fatal(err)
	}
	_, err := s.Load("alice")
	if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), p) {
		t.Errorf("Load of unreadable file = %v; want a permission error naming %s", err, p)
	}
}

// TestPath pins whole names: changing how a name is made would leave everyone's
// progress under names no one looks at, so it must be a deliberate change with a
// migration. The hashes were computed outside Go (Python's hashlib and base64).
func TestPath(t *testing.T) {
	s := NewFiles(filepath.Join("home", "state"))
	for user, want := range map[string]string{
		"Alice@Contoso.com":  "alice@contoso.com-pqz3fzxltajuq43a.json",
		"o'neil@contoso.com": "o_neil@contoso.com-h27h2f6ytipltnxi.json",
		"o_neil@contoso.com": "o_neil@contoso.com-lafxbrcfi6bwucwl.json",
	} {
		if got := s.Path(user); filepath.Dir(got) != s.Dir() || filepath.Base(got) != want {
			t.Errorf("Path(%q) = %q, want %q in %q", user, got, want, s.Dir())
		}
	}
	if got, want := s.lockPath("Alice@Contoso.com"), filepath.Join(s.Dir(), "alice@contoso.com-pqz3fzxltajuq43a.lock"); got != want {
		t.Errorf("lockPath = %q, want %q", got, want)
	}
}

// TestFileNameReadablePart checks what a technician sees of the address, and that
// the rest is the hash.
func TestFileNameReadablePart(t *testing.T) {
	long := strings.Repeat("a", 64)
	tests := []struct{ user, readable string }{
		{"Alice@Contoso.com", "alice@contoso.com"},
		{"first.last+tag@x-y.org", "first.last+tag@x-y.org"},
		{`a/b\c:d`, "a_b_c_d"},
		{"../../etc/passwd", ".._.._etc_passwd"},
		{` bob "smith"*?<>|`, "_bob__smith______"},
		{"Ünïcode", "_n_code"},
		{"tab\tnew\nline", "tab_new_line"},
		{"", ""},
		{long + "@contoso.com", long},
		{strings.Repeat("é", 40), strings.Repeat("_", 40)},
		// Windows takes "aux.<anything>" for the device AUX.
		{"aux.team@contoso.com", "_aux.team@contoso.com"},
		{"CON.x@y", "_con.x@y"},
		{"lpt9.office@contoso.com", "_lpt9.office@contoso.com"},
		{"com10.x@y", "com10.x@y"},
		{"auxiliary.x@y", "auxiliary.x@y"},
		{"con@contoso.com", "con@contoso.com"},
	}
	for _, tt := range tests {
		name := fileName(tt.user)
		readable, hash, ok := cutHash(name)
		if !ok || readable != tt.readable {
			t.Errorf("fileName(%q) = %q, want %q, '-' and a hash", tt.user, name, tt.readable)
			continue
		}
		if _, upper, _ := cutHash(fileName(strings.ToUpper(tt.user))); hash != upper {
			t.Errorf("fileName(%q) depends on case", tt.user)
		}
		checkSafeName(t, tt.user, name)
	}
}

// cutHash splits a name into its readable part and its 16-character hash.
func cutHash(name string) (readable, hash string, ok bool) {
	i := len(name) - 17
	if i < 0 || name[i] != '-' {
		return "", "", false
	}
	for _, c := range name[i+1:] {
		if !('a' <= c && c <= 'z' || '2' <= c && c <= '7') {
			return "", "", false
		}
	}
	return name[:i], name[i+1:], true
}

// checkSafeName is what every system's file names need: only [a-z0-9@._+-] (so
// also one case, for case-insensitive systems), no trailing dot or space, no
// Windows device name before the first dot, and a bounded length.
func checkSafeName(t *testing.T, user, name string) {
	t.Helper()
	for i := 0; i < len(name); i++ {
		if c := name[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("@._+-", c) >= 0) {
			t.Errorf("fileName(%q) = %q holds %q", user, name, c)
		}
	}
	if strings.HasSuffix(name, ".") || strings.HasSuffix(name, " ") {
		t.Errorf("fileName(%q) = %q ends in a dot or space", user, name)
	}
	if first, _, _ := strings.Cut(name, "."); windowsDevice(first) {
		t.Errorf("fileName(%q) = %q is a Windows device name", user, name)
	}
	if len(name) > 1+readableMax+1+16 {
		t.Errorf("fileName(%q) = %q is %d bytes long", user, name, len(name))
	}
	if _, _, ok := cutHash(name); !ok {
		t.Errorf("fileName(%q) = %q does not end in '-' and a hash", user, name)
	}
}

// checkNames is the property the names exist for: two addresses share a file
// exactly when they are the same address once lower-cased.
func checkNames(t *testing.T, a, b string) {
	t.Helper()
	na, nb := fileName(a), fileName(b)
	//lint:ignore SA6005 names are built from ToLower, which folds less than EqualFold
	if same := strings.ToLower(a) == strings.ToLower(b); same != (na == nb) {
		t.Fatalf("fileName(%q) = %q and fileName(%q) = %q; same address: %v", a, na, b, nb, same)
	}
	checkSafeName(t, a, na)
	checkSafeName(t, b, nb)
}

func TestFileNamesKeepPeopleApart(t *testing.T) {
	long := strings.Repeat("x", 240) + "@contoso.com" // 252 bytes: past the readable cut
	for _, pair := range [][2]string{
		{"o'neil@contoso.com", "o_neil@contoso.com"},
		{"jösé@contoso.com", "jäsä@contoso.com"},
		{"a b@c", "a_b@c"},
		{`"a"@c`, "_a_@c"},
		{long + "a", long + "b"},
		{"Alice@Contoso.com", "alice@contoso.com"},
		{"ÖSTEN@x", "östen@x"},
		{"\u212aelvin@x", "kelvin@x"}, // the Kelvin sign lower-cases to k
		{"ſam@x", "sam@x"},            // ſ stays ſ: another address, though EqualFold matches it
	} {
		checkNames(t, pair[0], pair[1])
	}

	// Random pairs in the shapes that collide without the hash: one rune changed
	// among look-alikes, a case change, a long common start, and unrelated ones.
	alphabet := []rune("abzAZ09@._+-_'\" *\\/:<>|?öäÖÄéÉßẞſıİ\u212a\u0301😀\t")
	r := rand.New(rand.NewPCG(1, 2))
	word := func(n int) []rune {
		w := make([]rune, n)
		for i := range w {
			w[i] = alphabet[r.IntN(len(alphabet))]
		}
		return w
	}
	for i := range 5000 {
		a := word(1 + r.IntN(12))
		b := slices.Clone(a)
		switch i % 4 {
		case 0:
			b[r.IntN(len(b))] = alphabet[r.IntN(len(alphabet))]
		case 1:
			j := r.IntN(len(b))
			b[j] = []rune(strings.ToUpper(string(b[j])))[0]
		case 2:
			a = append([]rune(long), a...)
			b = append([]rune(long), word(len(b))...)
		case 3:
			b = word(len(a))
		}
		checkNames(t, string(a), string(b))
	}
}

func FuzzFileNames(f *testing.F) {
	f.Add("o'neil@contoso.com", "o_neil@contoso.com")
	f.Add("jösé@contoso.com", "jäsä@contoso.com")
	f.Add("Alice@Contoso.com", "alice@contoso.com")
	f.Add("aux.team@contoso.com", "_aux.team@contoso.com")
	f.Add(strings.Repeat("x", 250)+"a", strings.Repeat("x", 250)+"b")
	f.Add("\xff@x", "\xfe@x")
	f.Fuzz(func(t *testing.T, a, b string) {
		checkNames(t, a, b)
		checkNames(t, a, strings.ToUpper(a))
	})
}

func TestDelete(t *testing.T) {
	s := newTestFiles(t)
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
	if names, want := dirNames(t, s.Dir()), filepath.Base(s.Path("bob")); !slices.Equal(names, []string{want}) {
		t.Errorf("after Delete the folder holds %v, want only %s", names, want)
	}
	if err := s.Delete("alice"); err != nil {
		t.Errorf("second Delete = %v", err)
	}
}

func TestLockSameProcess(t *testing.T) {
	s := newTestFiles(t)
	unlock, err := s.Lock("alice")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	// A second Store stands for any other code path in this process.
	if _, err := NewFiles(s.Dir()).Lock("Alice"); !errors.Is(err, ErrLocked) {
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
	unlock, err := NewFiles(dir).Lock("alice")
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
	s := newTestFiles(t)
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
	} else if !strings.Contains(err.Error(), s.lockPath("alice")) {
		t.Errorf("message does not name the lock file: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Lock took %v; it must not wait", d)
	}
	if busy, err := s.Busy("alice"); !busy || err != nil {
		t.Errorf("Busy while another process holds the lock = %v, %v", busy, err)
	}

	stdin.Close()
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper: %v", err)
	}
	if busy, err := s.Busy("alice"); busy || err != nil {
		t.Errorf("Busy after the other process ended = %v, %v", busy, err)
	}
	unlock, err := s.Lock("alice")
	if err != nil {
		t.Fatalf("Lock after the other process ended = %v", err)
	}
	_ = unlock()
}

func TestList(t *testing.T) {
	s := newTestFiles(t)
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

	s := NewFiles(f.TempDir())
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
