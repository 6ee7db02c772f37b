package batch

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gofrs/flock"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// maxJournalLine bounds one journal line as it is read back: a line is a few hundred
// bytes, and a longer one is not this program's.
const maxJournalLine = 64 << 10

// maxReason bounds a reason as the journal keeps it: enough for the sentence a person
// reads, and a journal of thousands of people stays small.
const maxReason = 1000

// Entry is one person's outcome in one run of a batch.
type Entry struct {
	Time   time.Time `json:"time"`
	Line   int       `json:"line"`
	User   string    `json:"user"`
	Status Status    `json:"status"`
	Step   string    `json:"step,omitempty"`
	Reason string    `json:"reason,omitempty"`
	// Row is the row's Fingerprint: a row corrected since is a new request.
	Row string `json:"row,omitempty"`
}

// Journal is what earlier runs of one batch file ended as for each person: JSON
// Lines, only ever appended to, the last line of a person being what counts. It is a
// record for the batch (which failed ones to leave alone, which were completed by
// it); whether a person is done is always read from their own state.
type Journal struct {
	path string
	f    *os.File
	lock *flock.Flock

	mu   sync.Mutex
	last map[string]memo
}

// memo is what the journal keeps in memory of a person's last entry: what Last's
// callers decide by. A batch of ten thousand keeps one a person, so it is small: the
// reason a person waits is a few hundred bytes nobody reads back, while a failure
// keeps its step, reason and row, which say whether to leave it alone and why.
type memo struct {
	status Status
	failed *Entry
}

func remembered(e Entry) memo {
	if e.Status == Failed {
		return memo{status: e.Status, failed: &Entry{User: e.User, Status: e.Status, Step: e.Step, Reason: e.Reason, Row: e.Row}}
	}
	return memo{status: e.Status}
}

// JournalPath is where the journal of the batch file file lives in dir: named after
// the file and a hash of its absolute path. The path is the batch's identity, not the
// file's size, time or contents: correcting a bad row or adding people and running
// the same command again carries on with the same batch, and a row that changed is
// told apart by its fingerprint.
func JournalPath(dir, file string) (string, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return "", catalog.Wrap(err, "batch.journal.find-file", "File", file)
	}
	sum := sha256.Sum256([]byte(filepath.Clean(abs)))
	name := strings.Map(func(r rune) rune {
		if r == '.' || r == '-' || r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9') {
			return r
		}
		return '_'
	}, filepath.Base(abs))
	if len(name) > 40 {
		name = name[:40]
	}
	return filepath.Join(dir, name+"-"+hex.EncodeToString(sum[:8])+".jsonl"), nil
}

// ErrBusy is returned by OpenJournal while another process runs the same batch.
var ErrBusy error = catalog.NewError("batch.journal.busy")

// OpenJournal reads the journal at path (none yet is an empty one) and holds it for
// appending; the lock beside it keeps a second batch of the same file from running
// at the same time.
func OpenJournal(path string) (*Journal, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, catalog.Wrap(err, "batch.journal.create-folder", "Folder", filepath.Dir(path))
	}
	lock, err := hold(path + ".lock")
	if err != nil {
		return nil, err
	}
	j, err := readJournal(path)
	if err != nil {
		_ = lock.Unlock()
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		_ = lock.Unlock()
		return nil, catalog.Wrap(err, "batch.journal.open", "Path", path)
	}
	j.f, j.lock = f, lock
	if err := j.endLine(); err != nil {
		_ = j.Close()
		return nil, err
	}
	return j, nil
}

// hold takes the lock at path that keeps a second run of one batch from running on
// this computer at the same time, or says who has it.
func hold(path string) (*flock.Flock, error) {
	lock := flock.New(path)
	ok, err := lock.TryLock()
	if err != nil {
		return nil, catalog.Wrap(err, "batch.journal.lock", "Path", strings.TrimSuffix(path, ".lock"))
	}
	if !ok {
		return nil, catalog.Wrap(ErrBusy, "batch.journal.locked", "Path", strings.TrimSuffix(path, ".lock"))
	}
	return lock, nil
}

// HoldTeamBatch is this home folder's hold on its part in the team's batch called
// name, kept in dir: only one part runs from one home folder at a time, so a part
// the team's database still lists from here is one that was killed. It returns
// what lets go, and the instance that names the part (a hash of this computer,
// the folder and the batch: the database is told no path).
func HoldTeamBatch(dir, name string) (release func() error, instance string, err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, "", catalog.Wrap(err, "batch.journal.find-file", "File", dir)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, "", catalog.Wrap(err, "batch.journal.create-folder", "Folder", abs)
	}
	host, _ := os.Hostname()
	sum := sha256.Sum256([]byte(host + "\x00" + abs + "\x00" + name))
	id := hex.EncodeToString(sum[:8])
	lock, err := hold(filepath.Join(abs, "team-"+id+".lock"))
	if err != nil {
		return nil, "", err
	}
	return lock.Unlock, id, nil
}

// ReadJournal reads the journal at path without holding it (a dry run changes nothing).
func ReadJournal(path string) (*Journal, error) { return readJournal(path) }

func readJournal(path string) (*Journal, error) {
	j := &Journal{path: path, last: map[string]memo{}}
	if fi, err := os.Lstat(path); err == nil && !fi.Mode().IsRegular() {
		return nil, catalog.NewError("batch.journal.not-a-file", "Path", path)
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return j, nil
	}
	if err != nil {
		return nil, catalog.Wrap(err, "batch.journal.read", "Path", path)
	}
	defer f.Close()
	r := bufio.NewReader(f)
	for {
		line, err := readLine(r)
		if len(line) > 0 {
			var e Entry
			// A line that does not decode is the torn end of a run that was killed while
			// writing it, and says nothing: the person's state says where they are.
			if json.Unmarshal(line, &e) == nil && e.User != "" {
				j.last[e.User] = remembered(e)
			}
		}
		if errors.Is(err, io.EOF) {
			return j, nil
		}
		if err != nil {
			return nil, catalog.Wrap(err, "batch.journal.read", "Path", path)
		}
	}
}

// readLine reads one line, dropping one longer than maxJournalLine.
func readLine(r *bufio.Reader) ([]byte, error) {
	var line []byte
	long := false
	for {
		part, err := r.ReadSlice('\n')
		if long = long || len(line)+len(part) > maxJournalLine; !long {
			line = append(line, part...)
		}
		if !errors.Is(err, bufio.ErrBufferFull) {
			if long {
				return nil, err
			}
			return bytes.TrimSpace(line), err
		}
	}
}

// endLine ends a torn last line, so the next entry starts on a line of its own.
func (j *Journal) endLine() error {
	fi, err := j.f.Stat()
	if err != nil || fi.Size() == 0 {
		return err
	}
	r, err := os.Open(j.path)
	if err != nil {
		return catalog.Wrap(err, "batch.journal.read", "Path", j.path)
	}
	defer r.Close()
	b := make([]byte, 1)
	if _, err := r.ReadAt(b, fi.Size()-1); err != nil {
		return catalog.Wrap(err, "batch.journal.read", "Path", j.path)
	}
	if b[0] == '\n' {
		return nil
	}
	_, err = j.f.Write([]byte("\n"))
	return err
}

// Last is the last entry for user, if any: its user and status, and for a failure
// its step, reason and row (see remembered).
func (j *Journal) Last(user string) (Entry, bool) {
	if j == nil {
		return Entry{}, false
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	m, ok := j.last[user]
	switch {
	case !ok:
		return Entry{}, false
	case m.failed != nil:
		return *m.failed, true
	}
	return Entry{User: user, Status: m.status}, true
}

// Append records e. Each entry is one write of one line, so a run killed at any point
// leaves at most a torn last line, which the next run passes over.
func (j *Journal) Append(e Entry) error {
	if len(e.Reason) > maxReason {
		e.Reason = strings.ToValidUTF8(e.Reason[:maxReason], "") + "…"
	}
	line, err := json.Marshal(e)
	if err != nil {
		return catalog.Wrap(err, "batch.journal.encode")
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return catalog.NewError("batch.journal.read-only")
	}
	if _, err := j.f.Write(append(line, '\n')); err != nil {
		return catalog.Wrap(err, "batch.journal.write", "Path", j.path)
	}
	j.last[e.User] = remembered(e)
	return nil
}

// Path is where the journal is.
func (j *Journal) Path() string { return j.path }

// Close syncs the journal to disk and lets another batch of the file run.
func (j *Journal) Close() error {
	if j == nil || j.f == nil {
		return nil
	}
	err := errors.Join(j.f.Sync(), j.f.Close())
	j.f = nil
	if j.lock != nil {
		err = errors.Join(err, j.lock.Unlock())
	}
	if err != nil {
		return catalog.Wrap(err, "batch.journal.close", "Path", j.path)
	}
	return nil
}
