package state

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gofrs/flock"

	"github.com/mfa-onboard/mfa-onboard/internal/atomicfile"
)

// ErrNotFound lets callers tell a user who has not started yet from a real failure.
var ErrNotFound = errors.New("no state file")

// ErrDamaged marks a file Load refuses to guess at; the file is kept untouched for the user to inspect.
var ErrDamaged = errors.New("state file is damaged")

// ErrNewerSchema marks a file this binary is too old to understand, so it is not misread or overwritten.
var ErrNewerSchema = errors.New("state file was written by a newer mfa-onboard")

// ErrLocked means another mfa-onboard is working on the same user, which must not be waited for silently.
var ErrLocked = errors.New("state is locked by another mfa-onboard")

// Store reads and writes the state files under dir (the "state" folder in the tool's home).
type Store struct {
	dir string
}

// NewStore does no I/O so a read-only command never creates the state folder as a side effect.
func NewStore(dir string) *Store {
	return &Store{dir: dir}
}

// Dir lets callers mention the state folder in messages to the user.
func (s *Store) Dir() string {
	return s.dir
}

// Path returns the file for user: dir/<name>.json where name = lower-cased user with any rune outside [a-z0-9@._+-] replaced by '_' (keeps names valid on Windows).
func (s *Store) Path(user string) string {
	return filepath.Join(s.dir, fileName(user)+".json")
}

func (s *Store) lockPath(user string) string {
	return filepath.Join(s.dir, fileName(user)+".lock")
}

// fileName maps a user to a name that is the same for any spelling case and
// holds no path separator or character Windows refuses.
func fileName(user string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(user) {
		if ('a' <= r && r <= 'z') || ('0' <= r && r <= '9') || strings.ContainsRune("@._+-", r) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

// Load returns the saved progress of user, or an error wrapping ErrNotFound if there is none; a bad file is reported, never changed.
func (s *Store) Load(user string) (*State, error) {
	return load(s.Path(user), user)
}

// Save writes atomically so a crash or a killed process never leaves half a file behind.
func (s *Store) Save(st *State) error {
	if st == nil || st.User == "" {
		return errors.New("state: cannot save a state without a user")
	}
	if st.Schema == 0 {
		st.Schema = SchemaVersion
	}
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("state: cannot encode the progress of %s: %w", st.User, err)
	}
	data = append(data, '\n')
	if err := s.ensureDir(); err != nil {
		return err
	}
	path := s.Path(st.User)
	if err := atomicfile.WriteFile(path, data); err != nil {
		return newFileError(fmt.Sprintf("cannot save state file %s (%v); check free disk space and that you may write to %s", path, cause(err), s.dir), err)
	}
	return nil
}

// Delete lets "reset" start a user over; deleting what is already gone is not an error.
func (s *Store) Delete(user string) error {
	path := s.Path(user)
	var errs []error
	for _, p := range []string{path, path + ".bak"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, newFileError(fmt.Sprintf("cannot delete state file %s (%v); check that you may write to %s", p, cause(err), s.dir), err))
		}
	}
	return errors.Join(errs...)
}

// List returns every readable state sorted by user, and one joined error naming each file it could not read, so one bad file does not hide the others.
func (s *Store) List() ([]*State, error) {
	entries, err := os.ReadDir(s.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, newFileError(fmt.Sprintf("cannot read the state folder %s (%v); check that you may read it", s.dir, cause(err)), err)
	}
	var states []*State
	var errs []error
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".json") {
			continue // locks, backups and temporary files
		}
		path := filepath.Join(s.dir, name)
		st, err := load(path, "")
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if want := filepath.Base(s.Path(st.User)); !strings.EqualFold(want, name) {
			errs = append(errs, damaged(path, fmt.Sprintf("it belongs to %q, whose file is %s", st.User, want), nil))
			continue
		}
		states = append(states, st)
	}
	slices.SortFunc(states, func(a, b *State) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.User), strings.ToLower(b.User)), strings.Compare(a.User, b.User))
	})
	return states, errors.Join(errs...)
}

// Lock takes the per-user lock (dir/<name>.lock, gofrs/flock TryLock). If another process holds it, return an error wrapping ErrLocked at once — never wait.
func (s *Store) Lock(user string) (unlock func() error, err error) {
	if user == "" {
		return nil, errors.New("state: cannot lock without a user")
	}
	if err := s.ensureDir(); err != nil {
		return nil, err
	}
	path := s.lockPath(user)
	fl := flock.New(path, flock.SetPermissions(0o600))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, newFileError(fmt.Sprintf("cannot take the lock %s (%v); check that you may write to %s", path, cause(err), s.dir), err)
	}
	if !ok {
		return nil, newFileError(fmt.Sprintf("another mfa-onboard is already working on %s (it holds %s); let it finish, or stop it, and try again", user, path), ErrLocked)
	}
	// The lock file stays: removing it while another process waits to open it would let two processes hold "the" lock.
	return fl.Unlock, nil
}

func (s *Store) ensureDir() error {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return newFileError(fmt.Sprintf("cannot create the state folder %s (%v); check that you may write there", s.dir, cause(err)), err)
	}
	if err := tightenDir(s.dir); err != nil {
		return newFileError(fmt.Sprintf("cannot make the state folder %s private (%v); check that it belongs to you", s.dir, cause(err)), err)
	}
	return nil
}

// load reads one state file; want is the user it must belong to, or "" for any.
func load(path, want string) (*State, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		// A newer schema may have changed a field's type; say "too new", not "damaged".
		var probe struct{ Schema int }
		if json.Unmarshal(data, &probe) == nil && probe.Schema > SchemaVersion {
			return nil, newer(path, probe.Schema)
		}
		return nil, damaged(path, jsonDetail(err), err)
	}
	switch {
	case st.Schema > SchemaVersion:
		return nil, newer(path, st.Schema)
	case st.Schema == 0:
		return nil, damaged(path, "it has no schema version", nil)
	case st.Schema < 0:
		return nil, damaged(path, fmt.Sprintf("schema %d is not a valid version", st.Schema), nil)
	case st.User == "":
		return nil, damaged(path, "it names no user", nil)
	case want != "" && !strings.EqualFold(st.User, want):
		return nil, damaged(path, fmt.Sprintf("it belongs to %q, not %q", st.User, want), nil)
	}
	if st.Steps == nil {
		st.Steps = map[string]*StepState{}
	}
	for id, step := range st.Steps {
		if step == nil {
			delete(st.Steps, id)
		}
	}
	return &st, nil
}

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, newFileError(fmt.Sprintf("there is no state file %s yet", path), ErrNotFound, err)
	}
	if err != nil {
		return nil, unreadable(path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, unreadable(path, err)
	}
	if fi.IsDir() {
		return nil, newFileError(fmt.Sprintf("state file %s is a folder, not a file; move it aside and try again", path))
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, unreadable(path, err)
	}
	return data, nil
}

// fileError carries a sentence for the user while keeping the causes
// reachable through errors.Is and errors.As.
type fileError struct {
	msg  string
	errs []error
}

func newFileError(msg string, errs ...error) *fileError {
	return &fileError{msg: msg, errs: slices.DeleteFunc(errs, func(e error) bool { return e == nil })}
}

func (e *fileError) Error() string   { return e.msg }
func (e *fileError) Unwrap() []error { return e.errs }

func damaged(path, detail string, err error) error {
	return newFileError(fmt.Sprintf("state file %s is damaged (%s); it was left as it is: move it aside or run \"mfa-onboard reset\" to start this user over", path, detail), ErrDamaged, err)
}

func newer(path string, schema int) error {
	return newFileError(fmt.Sprintf("state file %s was written by a newer mfa-onboard (schema %d, this one reads up to %d); update mfa-onboard", path, schema, SchemaVersion), ErrNewerSchema)
}

func unreadable(path string, err error) error {
	return newFileError(fmt.Sprintf("state file %s cannot be read (%v); check that it belongs to you and that you may read it", path, cause(err)), err)
}

// cause drops the operation and path that os errors repeat, since the sentence already names the file.
func cause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

func jsonDetail(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s, at byte %d", se.Error(), se.Offset)
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}
