package fake

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/gofrs/flock"

	"github.com/mfa-onboard/mfa-onboard/internal/atomicfile"
	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

// The demo services keep each record in a small JSON file of its own, in a folder per
// person, per phone number and per notice, so that a call reads and writes only the
// records it is about: one person's run costs the same whether ten or ten thousand
// people used the demo before. (Versions before this one kept everything in one file
// and read and rewrote all of it at every call; see legacy.go.)
//
//	demo-services/
//	  users/<k2>/<key>/duo-user.json      the Duo user: id, username, phones, push times
//	  users/<k2>/<key>/m365.json          the Microsoft 365 mobile method
//	  phones/<k2>/<key>/sms-code.json     the code last texted to the number
//	  phones/<k2>/<key>/duo-phones.json   the Duo phones with that number, and their pushes
//	  notices/<k2>/<key>/notice.json      a notice to the support desk
//	  ids/<DP000001>.json                 which records older versions' ids now live in
//
// <key> is a hash of the person's address (lower-cased), the number, or the desk and
// notice id, and <k2> its first two characters: adding an entry to a folder that holds
// ten thousand is slower than to one that holds ten (measured on ext4: a whole journey
// took 1.25 times as long in a home of 10,000 people with one folder level as in a home
// of 10), and with 1,024 such folders per kind each holds about ten. Every record has a lock file beside it (duo-user.lock, …): a change takes
// the record's lock (gofrs/flock, as internal/state does for a person's state), reads
// the record and replaces it atomically (internal/atomicfile), so that two runs, in two
// processes or in two goroutines of a batch, never lose each other's change to the
// same record, and runs about different people never wait for each other. A question
// takes the lock shared, when the record has one, and writes nothing.
//
// An embedded database was considered and not chosen: bbolt lets one process at a
// time open its file (https://pkg.go.dev/go.etcd.io/bbolt, "Bolt obtains a file lock
// on the data file so multiple processes cannot open the same database at the same
// time"), and SQLite has one writer at a time for the whole database
// (https://www.sqlite.org/wal.html, "there can only be one writer at a time"), so two
// people's runs would wait for each other; both would add a dependency for what small
// files, the lock the state store already uses, and atomicfile already do.

// keyLen is the length of a key: 80 bits of SHA-256 in base32, as the state store's
// file names use; an accidental collision among even millions of people is out of reach.
const keyLen = 16

var keyEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// key is the folder name of what s names: lower-case base32, which every file system
// accepts and none folds together.
func key(s string) string {
	sum := sha256.Sum256([]byte(s))
	return strings.ToLower(keyEncoding.EncodeToString(sum[:])[:keyLen])
}

// ref names one record: the folder of the person, number or notice it belongs to
// (group/key) and its name in that folder.
type ref struct {
	group, key, name string
}

const (
	usersGroup   = "users"
	phonesGroup  = "phones"
	noticesGroup = "notices"
	idsGroup     = "ids"
)

func userRef(name, user string) ref   { return ref{usersGroup, key(strings.ToLower(user)), name} }
func numberRef(name, e164 string) ref { return ref{phonesGroup, key(e164), name} }
func noticeRef(desk, id string) ref   { return ref{noticesGroup, key(desk + "\x00" + id), "notice"} }

// idRef is the file that says in which records an id given by an older version now
// lives. Older versions numbered their ids (DU00000001, DP00000002, TX00000003, …),
// so the ids of a hundred numbers share a file: a look-up reads a hundred ids at most,
// however many there are, and taking over a home writes a file per hundred ids, not
// one per id. Ids of another form (a hand edit) share one file.
func idRef(id string) ref {
	if len(id) == 10 && strings.Trim(id[2:], "0123456789") == "" {
		return ref{idsGroup, "", id[:8]}
	}
	return ref{idsGroup, "", "other"}
}

// The records' file names.
const (
	duoUserRecord   = "duo-user"
	mobileRecord    = "m365"
	codeRecord      = "sms-code"
	duoPhonesRecord = "duo-phones"
)

// store reads and writes the records under dir.
type store struct {
	dir   string
	files files
}

// folder is the folder of r's person, number or notice (ids/ for the ids' files).
func (s *store) folder(r ref) string {
	if r.key == "" {
		return filepath.Join(s.dir, r.group)
	}
	return filepath.Join(s.dir, r.group, r.key[:2], r.key)
}

func (s *store) file(r ref) string     { return filepath.Join(s.folder(r), r.name+".json") }
func (s *store) lockPath(r ref) string { return filepath.Join(s.folder(r), r.name+".lock") }

// read decodes record r into v; false when there is no such record.
func (s *store) read(r ref, v any) (bool, error) {
	path := s.file(r)
	data, err := s.files.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, catalog.Wrap(err, "fake.store.read", "Path", path)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, catalog.NewError("fake.store.damaged", "Path", path, "Problem", err)
	}
	return true, nil
}

// look reads record r into v for a question, holding its lock shared if it has one: a
// record without a lock file was never changed by a run (it was taken over from an
// older version, or does not exist), and a question must not leave files behind.
// (On Unix the shared lock is not needed, since a record is only ever replaced whole;
// on Windows it keeps a change from failing to replace a file that is open.)
func (s *store) look(r ref, v any) (bool, error) {
	fl := flock.New(s.lockPath(r), flock.SetFlag(os.O_RDONLY))
	switch err := fl.RLock(); {
	case err == nil:
		defer func() { _ = fl.Unlock() }()
	case errors.Is(err, fs.ErrNotExist):
	default:
		return false, catalog.Wrap(err, "fake.store.lock", "Path", s.file(r), "Dir", s.dir)
	}
	return s.read(r, v)
}

// lock takes record r's lock, waiting for the run that holds it: every change holds it
// for a few milliseconds only. The lock file stays, as the state store's do.
func (s *store) lock(r ref) (unlock func(), err error) {
	if err := os.MkdirAll(s.folder(r), 0o700); err != nil {
		return nil, catalog.Wrap(err, "fake.store.create-folder", "Path", s.folder(r), "Dir", s.dir)
	}
	fl := flock.New(s.lockPath(r), flock.SetPermissions(0o600))
	if err := fl.Lock(); err != nil {
		return nil, catalog.Wrap(err, "fake.store.lock", "Path", s.file(r), "Dir", s.dir)
	}
	return func() { _ = fl.Unlock() }, nil
}

// write replaces record r with v; the caller holds r's lock.
func (s *store) write(r ref, v any) error {
	s.removeLeftovers(r)
	return s.put(r, v)
}

// put writes record r as v.
func (s *store) put(r ref, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return catalog.Wrap(err, "fake.store.encode", "Path", s.file(r))
	}
	if err := s.files.WriteFile(s.file(r), append(data, '\n')); err != nil {
		return catalog.Wrap(err, "fake.store.save", "Path", s.file(r), "Dir", s.dir)
	}
	return nil
}

// removeLeftovers deletes the temporary files of r that a run killed while it wrote
// r left behind (atomicfile.TempTarget), which nothing else ever would. Whoever writes
// r holds its lock, and the caller holds it now, so any such file is a dead run's.
// The folder holds one person's, number's or notice's few files, so listing it costs
// the same in any home; failing to remove one changes nothing, so errors go unsaid.
func (s *store) removeLeftovers(r ref) {
	entries, err := s.files.ReadDir(s.folder(r))
	if err != nil {
		return
	}
	for _, e := range entries {
		if target, ok := atomicfile.TempTarget(e.Name()); ok && target == r.name+".json" && e.Type().IsRegular() {
			_ = os.Remove(filepath.Join(s.folder(r), e.Name()))
		}
	}
}

// errUnchanged, returned by an update's function, ends it without writing: the
// record already says what the call would make it say.
var errUnchanged = errors.New("record unchanged") // untranslated: never leaves update

// update runs fn on record r (zero, found false, when there is none) under r's lock,
// and writes it back if fn succeeds.
func update[T any](s *Services, r ref, fn func(rec *T, found bool) error) error {
	if err := s.prepare(); err != nil {
		return err
	}
	unlock, err := s.lock(r)
	if err != nil {
		return err
	}
	defer unlock()
	var rec T
	found, err := s.read(r, &rec)
	if err != nil {
		return err
	}
	if err := fn(&rec, found); err != nil {
		if errors.Is(err, errUnchanged) {
			return nil
		}
		return err
	}
	return s.write(r, &rec)
}

// view reads record r for a question; nil when there is none.
func view[T any](s *Services, r ref) (*T, error) {
	if err := s.prepare(); err != nil {
		return nil, err
	}
	var rec T
	found, err := s.look(r, &rec)
	if err != nil || !found {
		return nil, err
	}
	return &rec, nil
}

// idKey returns the key of the records an id of this version points into: the keyLen
// characters after its two-letter prefix, upper-cased, followed by digits only (tail
// says whether there must be any). false means an id this version did not make.
func idKey(id, prefix string, tail bool) (string, bool) {
	rest, ok := strings.CutPrefix(id, prefix)
	if !ok || len(rest) < keyLen || tail != (len(rest) > keyLen) {
		return "", false
	}
	for _, c := range rest[:keyLen] {
		if !('A' <= c && c <= 'Z' || '2' <= c && c <= '7') {
			return "", false
		}
	}
	for _, c := range rest[keyLen:] {
		if c < '0' || '9' < c {
			return "", false
		}
	}
	return strings.ToLower(rest[:keyLen]), true
}

// idAliases say, for ids given by older versions, the key of the records each now
// lives in.
type idAliases map[string]string

// locate returns the key of the records id is in: read from the id itself, or for an
// id of an older version from ids/. It wraps provider.ErrNotFound when there is none.
func (s *Services) locate(id, prefix string, tail bool) (string, error) {
	if k, ok := idKey(id, prefix, tail); ok {
		return k, nil
	}
	a, err := view[idAliases](s, idRef(id))
	if err != nil {
		return "", err
	}
	if a == nil || (*a)[id] == "" {
		return "", notFound(prefix, id)
	}
	return (*a)[id], nil
}

// notFound is provider.ErrNotFound for the id, named for what its prefix says it is.
func notFound(prefix, id string) error {
	switch prefix {
	case phonePrefix:
		return catalog.Wrap(provider.ErrNotFound, "fake.not-found.phone", "ID", id)
	case pushPrefix:
		return catalog.Wrap(provider.ErrNotFound, "fake.not-found.push", "ID", id)
	}
	return catalog.Wrap(provider.ErrNotFound, "fake.not-found.duo-user", "ID", id)
}
