package state

import (
	"cmp"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"hash/crc32"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gofrs/flock"

	"github.com/mfa-onboard/mfa-onboard/internal/atomicfile"
	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// ErrUnreachable means a shared store could not be reached for long enough (its
// database restarting, the network down): nothing is wrong with the person, and
// the same command carries on once it answers.
var ErrUnreachable error = catalog.NewError("state.unreachable")

// ErrNotFound lets callers tell a user who has not started yet from a real failure.
var ErrNotFound error = catalog.NewError("state.not-found")

// ErrDamaged marks a file Load refuses to guess at; the file is kept untouched for the user to inspect.
var ErrDamaged error = catalog.NewError("state.damaged")

// ErrNewerSchema marks a file this binary is too old to understand, so it is not misread or overwritten.
var ErrNewerSchema error = catalog.NewError("state.newer")

// ErrLocked means another mfa-onboard is working on the same user, which must not be waited for silently.
var ErrLocked error = catalog.NewError("state.locked")

const (
	// readableMax keeps names short whatever the address: 64 bytes of it, the hash and
	// ".json.bak" stay under 100 bytes, far below any file system's limit.
	readableMax = 64
	// hashBytes of SHA-256 are 80 bits, 16 base32 characters: an accidental collision
	// among even millions of addresses is out of reach.
	hashBytes = 10

	// MaxFileSize is the most Load reads of a state file. A person's progress is a few
	// kilobytes; a file far larger is not theirs to parse (and its text would fill the
	// screen with the error), so it is refused like a damaged one.
	MaxFileSize = 1 << 20

	// staleTemp is how old a temporary file of Save must be before Lock removes it: a
	// save lives for milliseconds, so one a minute old was left by a killed run.
	staleTemp = time.Minute
	// sweepEvery is how often the folder is looked through for those leftovers, by
	// all processes together (the time is kept on sweptMarker): listing a folder of
	// ten thousand people costs a one-person run a third more, and a leftover harms
	// nothing while it waits.
	sweepEvery = time.Hour
	// sweptMarker is the file in the state folder whose time says when it was last
	// looked through.
	sweptMarker = ".swept"
)

// Files is the store of the state files under dir (the "state" folder in the tool's home): one
// computer's people, the default.
type Files struct {
	dir string

	// held names the lock files this Files holds, so that Load, called by the run
	// holding a person's lock, may move their legacy file without locking again.
	mu   sync.Mutex
	held map[string]bool

	// runner is who Save records as having run; nil until SetRunner or the first
	// Save, which takes this process's (see CurrentRunner).
	runner *Runner

	// saves counts the saves made (see Saves).
	saves atomic.Int64

	// swept makes Lock look through the folder for leftovers at most once per Files,
	// and only when no process has for sweepEvery: the listing costs as much as there
	// are people, and a batch takes one lock per run.
	swept sync.Once
}

// NewFiles does no I/O so a read-only command never creates the state folder as a side effect.
func NewFiles(dir string) *Files {
	return &Files{dir: dir}
}

// Dir lets callers mention the state folder in messages to the user.
func (s *Files) Dir() string {
	return s.dir
}

// Path returns the file for user: dir/<name>.json, where name is a readable part of the lower-cased address, '-' and a hash of it (see fileName).
func (s *Files) Path(user string) string {
	return filepath.Join(s.dir, fileName(user)+".json")
}

func (s *Files) lockPath(user string) string {
	return filepath.Join(s.dir, fileName(user)+".lock")
}

// legacyPath is where versions before fileName kept user's state; other addresses
// may share it.
func (s *Files) legacyPath(user string) string {
	return filepath.Join(s.dir, legacyName(user)+".json")
}

// fileName is "<readable>-<hash>". The readable part (legacyName, cut to readableMax
// bytes) lets a technician see whose file is whose, but it maps many addresses to
// one name (o'neil and o_neil both read o_neil); the hash of the whole lower-cased
// address keeps two people's files apart, and lower-casing keeps one person's
// spellings together. Every byte is in [a-z0-9@._+-], which every file system
// accepts; the hash comes last, so no name ends in the dot or space Windows drops;
// and a readable part that starts with a device name ("aux.team@...") gets a
// leading '_', since Windows takes "aux.<anything>" for the device AUX.
func fileName(user string) string {
	lower := strings.ToLower(user)
	readable := legacyName(lower)
	if len(readable) > readableMax {
		readable = readable[:readableMax] // legacyName is ASCII: any byte ends a rune
	}
	if first, _, ok := strings.Cut(readable, "."); ok && windowsDevice(first) {
		readable = "_" + readable
	}
	// strings.ToLower turns invalid UTF-8 into U+FFFD, as JSON does to the user field,
	// so the name follows what the file itself can say about its owner.
	sum := sha256.Sum256([]byte(lower))
	hash := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(sum[:hashBytes])
	return readable + "-" + strings.ToLower(hash)
}

// legacyName is the whole name older versions used: the lower-cased user with any
// rune outside [a-z0-9@._+-] replaced by '_'.
func legacyName(user string) string {
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

// legacyShared says whether addresses other than one person's spellings map to the
// legacy name: legacyName writes '_' for every rune it drops and keeps '_' itself,
// so a name without '_' is the lower-cased address itself.
func legacyShared(name string) bool {
	return strings.Contains(name, "_")
}

// windowsDevice reports the names Windows reserves for devices, in any case and
// before any extension.
func windowsDevice(name string) bool {
	name = strings.ToLower(name)
	switch name {
	case "con", "prn", "aux", "nul":
		return true
	}
	return len(name) == 4 && (strings.HasPrefix(name, "com") || strings.HasPrefix(name, "lpt")) && '0' <= name[3] && name[3] <= '9'
}

// sameUser is the identity file names are built from, so that "whose file is this"
// and "which file is theirs" always agree (strings.EqualFold would also match "ſ"
// with "s", whose names differ).
func sameUser(a, b string) bool {
	//lint:ignore SA6005 EqualFold folds more than ToLower, and names follow ToLower
	return strings.ToLower(a) == strings.ToLower(b)
}

// Load returns the saved progress of user, or an error wrapping ErrNotFound if there is none; a bad file is reported, never changed.
//
// A file under the legacy name is user's only if it names them: then Load moves it
// (and its .bak, if that is theirs too) to the current name, unless another run
// holds their lock, which leaves the move to that run.
func (s *Files) Load(user string) (*State, error) {
	path := s.Path(user)
	st, err := load(path, user)
	if !errors.Is(err, ErrNotFound) {
		return st, err
	}
	legacy := s.legacyPath(user)
	if _, lerr := loadLegacy(legacy, user); lerr != nil {
		if errors.Is(lerr, ErrNotFound) {
			// The run holding the lock may have moved it since the first look.
			if st, err := load(path, user); !errors.Is(err, ErrNotFound) {
				return st, err
			}
			return nil, err
		}
		return nil, lerr
	}
	// The legacy file is theirs (the lock is taken only now, so that looking at
	// someone else's leaves no lock file behind). Both are read again: under the lock
	// nothing changes them any more, and without it the latest is what counts.
	release, held := s.tryHold(user)
	if held {
		defer release()
	}
	if st, err := load(path, user); !errors.Is(err, ErrNotFound) {
		return st, err
	}
	st, lerr := loadLegacy(legacy, user)
	if errors.Is(lerr, ErrNotFound) {
		return nil, err
	}
	if lerr != nil {
		return nil, lerr
	}
	if held {
		if err := s.migrate(user, legacy, path); err != nil {
			return nil, err
		}
	}
	return st, nil
}

// tryHold takes user's lock for the moment unless this Files already holds it.
// false means another run holds it, or it cannot be taken; either way the caller
// must not move files.
func (s *Files) tryHold(user string) (release func(), ok bool) {
	path := s.lockPath(user)
	if s.holds(path) {
		return func() {}, true
	}
	fl := flock.New(path, flock.SetPermissions(0o600))
	if ok, err := fl.TryLock(); err != nil || !ok {
		return nil, false
	}
	// An unlock error leaves nothing to do: the lock goes when the process ends.
	return func() { _ = fl.Unlock() }, true
}

func (s *Files) holds(lockPath string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held[lockPath]
}

func (s *Files) setHeld(lockPath string, held bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held == nil {
		s.held = map[string]bool{}
	}
	if held {
		s.held[lockPath] = true
	} else {
		delete(s.held, lockPath)
	}
}

// migrate moves user's legacy file to path. The caller holds user's lock and saw no
// file at path, so no other run can create one meanwhile and the rename replaces
// nothing.
func (s *Files) migrate(user, legacy, path string) error {
	// The .bak goes first: if the state file then fails to move, the next Load tries
	// both again, whereas a .bak left behind once the state file moved would never be
	// looked at again. An existing .bak at the new name is kept: nothing is replaced.
	bak, newBak := legacy+".bak", path+".bak"
	if c, _, _ := whose(bak, user, !legacyShared(filepath.Base(legacy))); c == theirs {
		if _, err := os.Lstat(newBak); errors.Is(err, fs.ErrNotExist) {
			if err := os.Rename(bak, newBak); err != nil {
				return newFileError(catalog.NewError("state.backup.move", "From", bak, "To", newBak, "Cause", cause(err), "Dir", s.dir), err)
			}
		}
	}
	if err := os.Rename(legacy, path); err != nil {
		return newFileError(catalog.NewError("state.file.move", "From", legacy, "To", path, "Cause", cause(err), "Dir", s.dir), err)
	}
	return nil
}

// loadLegacy reads a file under a legacy name, which other addresses may share: one
// naming someone else is not user's (ErrNotFound), and a damaged one is user's only
// if its name is not shared.
func loadLegacy(path, user string) (*State, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	if owner := probeUser(data); owner != "" && !sameUser(owner, user) {
		return nil, newFileError(catalog.NewError("state.file.others", "Path", path, "Owner", strconv.Quote(owner), "User", strconv.Quote(user)), ErrNotFound)
	}
	st, p := parse(data)
	if p != nil {
		if p.newer == 0 && legacyShared(filepath.Base(path)) {
			return nil, undecided(path, user, p.detail, p.err)
		}
		return nil, p.at(path)
	}
	return st, nil
}

// Save writes atomically so a crash or a killed process never leaves half a file behind.
func (s *Files) Save(st *State) error { return s.save(st, s.currentRunner()) }

// SaveAsLastRun is Save that keeps st.LastRun as who ran the person's run last.
func (s *Files) SaveAsLastRun(st *State) error {
	if st != nil && st.LastRun != nil {
		return s.save(st, st.LastRun)
	}
	return s.Save(st)
}

func (s *Files) save(st *State, runner *Runner) error {
	if st == nil || st.User == "" {
		return catalog.NewError("state.save.no-user")
	}
	st.LastRun = runner
	data, err := Encode(st)
	if err != nil {
		return err
	}
	if err := s.ensureDir(); err != nil {
		return err
	}
	path := s.Path(st.User)
	// Load refuses a link; this keeps a save from replacing one that appeared since.
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return linked(path)
	}
	if err := s.unchangedSince(path, st); err != nil {
		return err
	}
	s.saves.Add(1)
	if err := atomicfile.WriteFile(path, data); err != nil {
		return newFileError(catalog.NewError("state.save", "Path", path, "Cause", cause(err), "Dir", s.dir), err)
	}
	st.Revision = revisionOf(data)
	return nil
}

// unchangedSince refuses to save st over a file that is not the one st was loaded
// from. A run holding the person's lock is the only writer, so this catches only a
// writer without it; the file is read again, a few kilobytes, for the check.
func (s *Files) unchangedSince(path string, st *State) error {
	data, err := readFile(path)
	switch {
	case errors.Is(err, ErrNotFound):
		data = nil
	case err != nil:
		// A file that cannot be read is replaced, as before: Load had said why.
		return nil
	}
	if revisionOf(data) == st.Revision {
		return nil
	}
	cur, p := parse(data)
	if p != nil {
		// Not a state any run could have saved since: replaced, as before.
		return nil
	}
	stale := &StaleError{User: st.User}
	if cur.LastRun != nil {
		stale.By, stale.Known = *cur.LastRun, true
	}
	return stale
}

// revisionOf is a file's version as Save checks it: a checksum of its bytes, 0 for
// none. CRC-32C, which processors compute in hardware: every file status --all reads
// gets one, and writers are kept apart by the lock, so it only has to tell a file
// rewritten by a writer without it.
func revisionOf(data []byte) uint64 {
	if data == nil {
		return 0
	}
	return 1<<32 | uint64(crc32.Checksum(data, castagnoli()))
}

var castagnoli = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) })

// Saves is how many times this Files has written a person's state, each an fsync and
// a rename: the tests hold a run to the saves a crash would make it need.
func (s *Files) Saves() int64 { return s.saves.Load() }

// Delete lets "reset" start a user over; deleting what is already gone is not an error.
//
// It removes only user's own files: the file at their name and their legacy file,
// each with its .bak, when its content names them, or, when it names nobody
// readable, when the name cannot be anyone else's. Anything else is kept, and
// reported when it is a file Load would stop at: one naming someone else under
// user's current name, or a damaged one under a legacy name others share.
func (s *Files) Delete(user string) error {
	path, legacy := s.Path(user), s.legacyPath(user)
	legacyOnly := !legacyShared(filepath.Base(legacy))
	var errs []error
	for _, f := range []struct {
		path   string
		byName bool // the name alone says the file is user's
	}{
		{path, true},
		{path + ".bak", true},
		{legacy, legacyOnly},
		{legacy + ".bak", legacyOnly},
	} {
		c, owner, detail := whose(f.path, user, f.byName)
		switch {
		case c == theirs:
			if err := os.Remove(f.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, newFileError(catalog.NewError("state.delete", "Path", f.path, "Cause", cause(err), "Dir", s.dir), err))
			}
		// Only the two files Load stops at are reported: a legacy file naming someone
		// else is rightly theirs, and a .bak is never read.
		case c == others && f.path == path:
			errs = append(errs, misplaced(f.path, owner, s.Path(owner)))
		case c == unknown && f.path == legacy:
			errs = append(errs, undecided(f.path, user, detail, nil))
		}
	}
	return errors.Join(errs...)
}

// claim is what a file's content says about whose it is.
type claim int

const (
	absent  claim = iota
	theirs        // it names the user, or names nobody readable under a name that is theirs alone
	others        // it names someone else
	unknown       // it names nobody readable and its name is shared
)

// whose reads path only as far as its user field; detail says why it names nobody.
func whose(path, user string, byName bool) (c claim, owner string, detail error) {
	data, err := readFile(path)
	switch {
	case errors.Is(err, ErrNotFound):
		return absent, "", nil
	case err != nil:
		detail = catalog.NewError("state.detail.unreadable")
		var pe *fs.PathError
		if errors.As(err, &pe) {
			detail = pe.Err
		}
	default:
		owner = probeUser(data)
		detail = catalog.NewError("state.detail.no-user")
	}
	switch {
	case owner != "" && sameUser(owner, user):
		return theirs, owner, nil
	case owner != "":
		return others, owner, nil
	case byName:
		return theirs, "", detail
	}
	return unknown, "", detail
}

// Busy says whether a run holds user's lock right now (gofrs/flock TryLock, released at once); it never waits and never creates a file.
func (s *Files) Busy(user string) (bool, error) {
	if user == "" {
		return false, catalog.NewError("state.busy.no-user")
	}
	path := s.lockPath(user)
	// Without O_CREATE: a lock file that does not exist is held by nobody, and a
	// status must not leave files behind.
	fl := flock.New(path, flock.SetFlag(os.O_RDWR))
	ok, err := fl.TryLock()
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, newFileError(catalog.NewError("state.lock.check", "Path", path, "Cause", cause(err), "Dir", s.dir), err)
	}
	if !ok {
		return true, nil
	}
	if err := fl.Unlock(); err != nil {
		return false, newFileError(catalog.NewError("state.lock.release", "Path", path, "Cause", cause(err), "Dir", s.dir), err)
	}
	return false, nil
}

// List returns every readable state sorted by user, and one joined error naming each file it could not read, so one bad file does not hide the others.
//
// It reads files under both the current and the legacy name and moves nothing:
// listing runs without any person's lock, and the run that works for a person
// moves their file when it loads it. If both names hold one person's progress, the
// current file is listed and the other reported.
func (s *Files) List() ([]*State, error) {
	entries, err := os.ReadDir(s.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, newFileError(catalog.NewError("state.folder.read", "Dir", s.dir, "Cause", cause(err)), err)
	}
	type found struct {
		st   *State
		path string
		rank int // 0: the name Load uses, 1: it in another case, 2: the legacy name
	}
	byUser := map[string][]found{}
	var order []string
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
		base := strings.TrimSuffix(name, ".json")
		rank := 0
		switch want := fileName(st.User); {
		case base == want:
		case strings.EqualFold(base, want):
			rank = 1
		case strings.EqualFold(base, legacyName(st.User)):
			rank = 2
		default:
			errs = append(errs, misplaced(path, st.User, s.Path(st.User)))
			continue
		}
		key := strings.ToLower(st.User)
		if byUser[key] == nil {
			order = append(order, key)
		}
		byUser[key] = append(byUser[key], found{st, path, rank})
	}
	var states []*State
	for _, key := range order {
		all := byUser[key]
		slices.SortStableFunc(all, func(a, b found) int { return cmp.Compare(a.rank, b.rank) })
		states = append(states, all[0].st)
		for _, other := range all[1:] {
			errs = append(errs, duplicate(other.path, other.st.User, all[0].path, other.rank == 2))
		}
	}
	slices.SortFunc(states, func(a, b *State) int {
		return cmp.Or(strings.Compare(strings.ToLower(a.User), strings.ToLower(b.User)), strings.Compare(a.User, b.User))
	})
	return states, errors.Join(errs...)
}

// Lock takes the per-user lock (dir/<name>.lock, gofrs/flock TryLock). If another process holds it, return an error wrapping ErrLocked at once — never wait.
func (s *Files) Lock(user string) (unlock func() error, err error) {
	if user == "" {
		return nil, catalog.NewError("state.lock.no-user")
	}
	if err := s.ensureDir(); err != nil {
		return nil, err
	}
	path := s.lockPath(user)
	fl := flock.New(path, flock.SetPermissions(0o600))
	ok, err := fl.TryLock()
	if err != nil {
		return nil, newFileError(catalog.NewError("state.lock.take", "Path", path, "Cause", cause(err), "Dir", s.dir), err)
	}
	if !ok {
		return nil, s.lockedError(user, path)
	}
	s.setHeld(path, true)
	s.writeHolder(user, time.Now())
	s.swept.Do(func() { s.sweepIfDue(time.Now()) })
	// The lock file stays: removing it while another process waits to open it would let two processes hold "the" lock.
	return func() error {
		s.setHeld(path, false)
		// Gone before the lock is let go, so it never names a run that has ended.
		_ = os.Remove(s.holderPath(user))
		return fl.Unlock()
	}, nil
}

// sweepIfDue runs removeStaleTemps unless the folder was looked through less than
// sweepEvery ago, and records that it was.
func (s *Files) sweepIfDue(now time.Time) {
	marker := filepath.Join(s.dir, sweptMarker)
	if fi, err := os.Lstat(marker); err == nil && fi.Mode().IsRegular() && now.Sub(fi.ModTime()) < sweepEvery && fi.ModTime().Before(now.Add(time.Minute)) {
		return
	}
	s.removeStaleTemps(now)
	if err := os.Chtimes(marker, now, now); errors.Is(err, fs.ErrNotExist) {
		if f, err := os.OpenFile(marker, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
			_ = f.Close()
		}
	}
}

// removeStaleTemps deletes the temporary files killed runs left behind (renameio's
// ".<name>.json<number>", see atomicfile.TempTarget), which nothing else ever would.
// Only plain files for a current state file name, older than staleTemp, are removed:
// those are this tool's, and no run is still writing them. Another person's run may be
// saving right now, but its temporary file is younger. Failing to remove one changes
// nothing for this run, so errors are left unsaid.
func (s *Files) removeStaleTemps(now time.Time) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		target, ok := atomicfile.TempTarget(e.Name())
		if !ok || !e.Type().IsRegular() || !ownFileName(target) {
			continue
		}
		if fi, err := e.Info(); err == nil && now.Sub(fi.ModTime()) > staleTemp {
			_ = os.Remove(filepath.Join(s.dir, e.Name()))
		}
	}
}

// ownFileName says whether name is one Save writes: fileName's "<readable>-<hash>"
// plus ".json". Legacy names are never saved to, so no temporary file has them.
func ownFileName(name string) bool {
	base, ok := strings.CutSuffix(name, ".json")
	if !ok {
		return false
	}
	i := strings.LastIndexByte(base, '-')
	if i < 1 || len(base)-i-1 != 16 || i > readableMax+1 {
		return false
	}
	for _, r := range base[:i] {
		if !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || strings.ContainsRune("@._+-", r)) {
			return false
		}
	}
	for _, r := range base[i+1:] {
		if !('a' <= r && r <= 'z' || '2' <= r && r <= '7') {
			return false
		}
	}
	return true
}

func (s *Files) ensureDir() error {
	// A link in the folder's place would have the folder it points to, wherever that
	// is, made private (0700) and written to. The folders above it may be links (a
	// home folder kept elsewhere); this one, which the tool makes itself, may not.
	if fi, err := os.Lstat(s.dir); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		to, _ := os.Readlink(s.dir)
		return newFileError(catalog.NewError("state.folder.link", "Dir", s.dir, "To", to))
	}
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return newFileError(catalog.NewError("state.folder.create", "Dir", s.dir, "Cause", cause(err)), err)
	}
	if err := tightenDir(s.dir); err != nil {
		return newFileError(catalog.NewError("state.folder.private", "Dir", s.dir, "Cause", cause(err)), err)
	}
	return nil
}

// load reads one state file; want is the user it must belong to, or "" for any.
func load(path, want string) (*State, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	st, p := parse(data)
	if p != nil {
		return nil, p.at(path)
	}
	if want != "" && !sameUser(st.User, want) {
		return nil, misplaced(path, st.User, filepath.Join(filepath.Dir(path), fileName(st.User)+".json"))
	}
	return st, nil
}

// problem is why a file's bytes are no usable state, said without the path, which
// the caller adds.
type problem struct {
	detail error
	newer  int // the schema of the newer mfa-onboard that wrote it, or 0
	err    error
}

func (p *problem) at(path string) error {
	if p.newer != 0 {
		return newer(path, p.newer)
	}
	return damaged(path, p.detail, p.err)
}

// Decode reads a person's progress as Save writes it, for a store that keeps the
// bytes elsewhere (a database): its error wraps ErrDamaged or ErrNewerSchema, and
// names where, the place of the progress.
func Decode(data []byte, where string) (*State, error) {
	st, p := parse(data)
	switch {
	case p == nil:
		return st, nil
	case p.newer != 0:
		return nil, NewError(catalog.NewError("state.record.newer", "Where", where, "Schema", p.newer, "Max", SchemaVersion), ErrNewerSchema)
	}
	return nil, NewError(catalog.NewError("state.record.damaged", "Where", where, "Detail", p.detail), ErrDamaged, p.err)
}

// Encode is a person's progress as Save writes it.
func Encode(st *State) ([]byte, error) {
	if st.Schema == 0 {
		st.Schema = SchemaVersion
	}
	data, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return nil, catalog.Wrap(err, "state.save.encode", "User", st.User)
	}
	return append(data, '\n'), nil
}

func parse(data []byte) (*State, *problem) {
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		// A newer schema may have changed a field's type; say "too new", not "damaged".
		var probe struct{ Schema int }
		if json.Unmarshal(data, &probe) == nil && probe.Schema > SchemaVersion {
			return nil, &problem{newer: probe.Schema}
		}
		return nil, &problem{detail: jsonDetail(err), err: err}
	}
	st.Revision = revisionOf(data)
	switch {
	case st.Schema > SchemaVersion:
		return nil, &problem{newer: st.Schema}
	case st.Schema == 0:
		return nil, &problem{detail: catalog.NewError("state.detail.no-schema")}
	case st.Schema < 0:
		return nil, &problem{detail: catalog.NewError("state.detail.bad-schema", "Schema", st.Schema)}
	case st.User == "":
		return nil, &problem{detail: catalog.NewError("state.detail.no-user")}
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

// probeUser reads only the user field, so that the owner of a file too new or too
// damaged to load is still known when the rest cannot be read.
func probeUser(data []byte) string {
	var probe struct {
		User string `json:"user"`
	}
	if json.Unmarshal(data, &probe) != nil {
		return ""
	}
	return probe.User
}

// readFile reads a state file of at most MaxFileSize. A symbolic link is refused
// before it is opened: a dangling one would read as "not started yet" and the first
// save would replace it, and a live one would be read through and then replaced.
func readFile(path string) ([]byte, error) {
	notFound := func(err error) error {
		return newFileError(catalog.NewError("state.file.none", "Path", path), ErrNotFound, err)
	}
	lfi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, notFound(err)
	}
	if err != nil {
		return nil, unreadable(path, err)
	}
	if lfi.Mode()&fs.ModeSymlink != 0 {
		return nil, linked(path)
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, notFound(err) // removed since the look above
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
		return nil, newFileError(catalog.NewError("state.file.folder", "Path", path))
	}
	if fi.Size() > MaxFileSize {
		return nil, tooLarge(path, fi.Size())
	}
	// The limit holds for a file that grows while it is read, too.
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, unreadable(path, err)
	}
	if len(data) > MaxFileSize {
		return nil, tooLarge(path, int64(len(data)))
	}
	return data, nil
}

// fileError carries a sentence for the user while keeping the causes
// reachable through errors.Is and errors.As.
type fileError struct {
	msg  *catalog.Error
	errs []error
}

// NewError is msg, a sentence for a person, that errors.Is also takes for each of
// errs (ErrNotFound, ErrDamaged…): for stores that keep progress elsewhere than in
// files.
func NewError(msg *catalog.Error, errs ...error) error { return newFileError(msg, errs...) }

func newFileError(msg *catalog.Error, errs ...error) *fileError {
	return &fileError{msg: msg, errs: slices.DeleteFunc(errs, func(e error) bool { return e == nil })}
}

func (e *fileError) Error() string   { return e.msg.Error() }
func (e *fileError) Unwrap() []error { return e.errs }

// Localize is the sentence in p's language.
func (e *fileError) Localize(p *catalog.Printer) string { return e.msg.Localize(p) }

func damaged(path string, detail, err error) error {
	return newFileError(catalog.NewError("state.file.damaged", "Path", path, "Detail", detail), ErrDamaged, err)
}

// misplaced is a file whose content names a person whose file is elsewhere; reset
// leaves it, since it is not the resetting person's, so the way out is to move it.
func misplaced(path, owner, ownPath string) error {
	return newFileError(catalog.NewError("state.file.misplaced", "Path", path, "Owner", strconv.Quote(owner), "Own", ownPath), ErrDamaged)
}

// undecided is a damaged file under a legacy name that other addresses share, so
// neither Load nor Delete may take it for user's.
func undecided(path, user string, detail, err error) error {
	return newFileError(catalog.NewError("state.file.undecided", "Path", path, "Detail", detail, "User", user), ErrDamaged, err)
}

// duplicate is an extra file holding the progress of a person who has another;
// calling it damaged would hide that nothing is wrong with either.
func duplicate(path, user, kept string, legacy bool) error {
	if legacy {
		return newFileError(catalog.NewError("state.file.duplicate.legacy", "Path", path, "User", strconv.Quote(user), "Kept", kept))
	}
	return newFileError(catalog.NewError("state.file.duplicate", "Path", path, "User", strconv.Quote(user), "Kept", kept))
}

// linked is a state file that is a symbolic link. It counts as damaged: Load will not
// guess at it, and it is left as it is.
func linked(path string) error {
	to, err := os.Readlink(path)
	if err != nil {
		return newFileError(catalog.NewError("state.file.link.unreadable", "Path", path), ErrDamaged)
	}
	return newFileError(catalog.NewError("state.file.link", "Path", path, "To", to), ErrDamaged)
}

func tooLarge(path string, size int64) error {
	return newFileError(catalog.NewError("state.file.too-large", "Path", path, "Size", size), ErrDamaged)
}

func newer(path string, schema int) error {
	return newFileError(catalog.NewError("state.file.newer", "Path", path, "Schema", schema, "Max", SchemaVersion), ErrNewerSchema)
}

func unreadable(path string, err error) error {
	return newFileError(catalog.NewError("state.file.unreadable", "Path", path, "Cause", cause(err)), err)
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

func jsonDetail(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return catalog.NewError("state.detail.json", "Syntax", se.Error(), "Offset", se.Offset)
	}
	return errors.New(strings.TrimPrefix(err.Error(), "json: "))
}
