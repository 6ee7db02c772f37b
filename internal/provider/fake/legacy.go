package fake

import (
	"cmp"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"

	"github.com/gofrs/flock"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
)

// legacyRecords is everything versions before this one kept, all in one file
// (demo-services.json) that every call read whole and every change rewrote.
type legacyRecords struct {
	Seq       int                    `json:"seq"`
	Codes     map[string]*textCode   `json:"codes,omitempty"`
	Mobiles   map[string]string      `json:"mobiles,omitempty"`
	Notices   map[string]string      `json:"notices,omitempty"`
	DuoUsers  map[string]*duoUser    `json:"duo_users,omitempty"`
	DuoPhones map[string]*duoPhone   `json:"duo_phones,omitempty"`
	Pushes    map[string]*pushRecord `json:"pushes,omitempty"`
	PushTimes map[string][]time.Time `json:"push_times,omitempty"`
}

// prune drops the null entries a hand-edited or damaged file can hold, so that every
// record taken over is one a service can read.
func (r *legacyRecords) prune() {
	dropNil(r.Codes)
	dropNil(r.DuoUsers)
	dropNil(r.DuoPhones)
	dropNil(r.Pushes)
}

func dropNil[K comparable, V any](m map[K]*V) {
	for k, v := range m {
		if v == nil {
			delete(m, k)
		}
	}
}

// The steps of a take-over, as Services.step is told them.
const (
	stepClean  = "clean"
	stepWrite  = "write "
	stepImport = "import"
	stepCommit = "commit"
)

// takeOver makes the records folder, once, from what versions before this one kept:
// their records file, and the notices in the outbox.
//
// The older file is migrated, not read as a fallback: a fallback would read the whole
// file again whenever a record is not in the folder (every new person's first
// question), which is the cost this layout is there to remove.
//
// It runs under the lock older versions took for every call (<path>.lock), so that
// neither another run nor a run of an older version changes the file meanwhile. The
// records are written into a folder of their own (<dir>.new), the older file is moved
// into it (as demo-services.json.imported, kept for reference), and that folder is
// renamed into place: that rename is the one step that makes the take-over happen.
// A run killed before it leaves no records folder, so the next run takes over again:
// if <dir>.new holds the older file, every record was written before it was moved
// there, and only the rename is left; if not, the older file is still in its place,
// and the next run starts again from it.
func (s *Services) takeOver() error {
	if fi, err := os.Stat(s.dir); err == nil && fi.IsDir() {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(s.dir), 0o700); err != nil {
		return catalog.Wrap(err, "fake.legacy.create-parent", "Dir", filepath.Dir(s.dir))
	}
	lockPath := s.path + ".lock"
	lock := flock.New(lockPath, flock.SetPermissions(0o600))
	if err := lock.Lock(); err != nil {
		return catalog.Wrap(err, "fake.legacy.lock", "Path", lockPath, "Dir", filepath.Dir(s.dir))
	}
	defer func() { _ = lock.Unlock() }()
	switch fi, err := os.Stat(s.dir); {
	case err == nil && fi.IsDir():
		return nil // another run took over meanwhile
	case err == nil:
		return catalog.NewError("fake.legacy.is-file", "Path", s.dir)
	}

	next := s.dir + ".new"
	imported := filepath.Join(next, filepath.Base(s.path)+".imported")
	if _, err := os.Lstat(imported); err == nil {
		return s.commit(next)
	}
	if err := s.at(stepClean); err != nil {
		return err
	}
	if err := os.RemoveAll(next); err != nil {
		return catalog.Wrap(err, "fake.legacy.remove-left", "Path", next)
	}
	old, err := readLegacy(s.path)
	if err != nil {
		return err
	}
	notices, err := deliveredNotices(s.outbox.Path())
	if err != nil {
		return err
	}
	if err := os.Mkdir(next, 0o700); err != nil {
		return catalog.Wrap(err, "fake.store.create-folder", "Path", next, "Dir", filepath.Dir(next))
	}
	if err := s.writeAll(&store{dir: next, files: s.files}, old.convert(notices)); err != nil {
		return err
	}
	if old != nil {
		if err := s.at(stepImport); err != nil {
			return err
		}
		if err := os.Rename(s.path, imported); err != nil {
			return catalog.Wrap(err, "fake.legacy.move", "From", s.path, "To", next, "Dir", filepath.Dir(next))
		}
	}
	return s.commit(next)
}

func (s *Services) commit(next string) error {
	if err := s.at(stepCommit); err != nil {
		return err
	}
	if err := os.Rename(next, s.dir); err != nil {
		return catalog.Wrap(err, "fake.legacy.rename", "From", next, "To", s.dir, "Dir", filepath.Dir(s.dir))
	}
	return nil
}

// at tells the test hook the step about to be taken, one step at a time.
func (s *Services) at(step string) error {
	if s.step == nil {
		return nil
	}
	s.stepMu.Lock()
	defer s.stepMu.Unlock()
	return s.step(step)
}

// migrationWriters write a take-over's records side by side: each waits for the disk
// (atomicfile syncs every file), and a home of thousands of people has tens of
// thousands of them.
const migrationWriters = 8

// writeAll writes every record of recs into st, several at a time.
func (s *Services) writeAll(st *store, recs map[ref]any) error {
	refs := make([]ref, 0, len(recs))
	for r := range recs {
		refs = append(refs, r)
	}
	slices.SortFunc(refs, func(a, b ref) int {
		return cmp.Or(cmp.Compare(a.group, b.group), cmp.Compare(a.key, b.key), cmp.Compare(a.name, b.name))
	})
	work := make(chan ref)
	var (
		mu   sync.Mutex
		errs []error
		wg   sync.WaitGroup
	)
	for range min(migrationWriters, len(refs)) {
		wg.Go(func() {
			for r := range work {
				err := s.at(stepWrite + filepath.ToSlash(filepath.Join(r.group, r.key, r.name)))
				if err == nil {
					err = os.MkdirAll(st.folder(r), 0o700)
				}
				if err == nil {
					err = st.put(r, recs[r]) // a new folder: no run left anything in it
				}
				if err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		})
	}
	for _, r := range refs {
		mu.Lock()
		failed := len(errs) > 0
		mu.Unlock()
		if failed {
			break
		}
		work <- r
	}
	close(work)
	wg.Wait()
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// readLegacy reads an older version's records file; nil when there is none.
func readLegacy(path string) (*legacyRecords, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, catalog.Wrap(err, "fake.legacy.read", "Path", path)
	}
	r := &legacyRecords{}
	if err := json.Unmarshal(data, r); err != nil {
		return nil, catalog.NewError("fake.legacy.damaged", "Path", path, "Problem", err)
	}
	r.prune()
	return r, nil
}

// deliveredNotices are the notices the outbox holds. Older versions asked the outbox
// itself whether a notice had gone out, and kept no record that says so for sure
// (their record of a notice could be written before the message was), so the outbox
// is read, whole, this once.
func deliveredNotices(path string) ([]*noticeRecord, error) {
	msgs, err := outbox.Read(path)
	if err != nil {
		return nil, catalog.Wrap(err, "fake.legacy.take-over")
	}
	var out []*noticeRecord
	for _, m := range msgs {
		if m.Channel != outbox.Email {
			continue
		}
		if id, receipt, ok := parseNotice(m.Text); ok {
			out = append(out, &noticeRecord{Desk: m.To, ID: id, Receipt: receipt, Delivered: true})
		}
	}
	return out, nil
}

// convert lays out the older records (r may be nil) and the delivered notices a
// record to a file. The ids older versions gave keep working through ids/.
func (r *legacyRecords) convert(notices []*noticeRecord) map[ref]any {
	out := map[ref]any{}
	put := func(at ref, v any) {
		if _, taken := out[at]; !taken {
			out[at] = v
		}
	}
	alias := func(id, k string) {
		if id == "" {
			return
		}
		at := idRef(id)
		if out[at] == nil {
			out[at] = idAliases{}
		}
		if a := out[at].(idAliases); a[id] == "" {
			a[id] = k
		}
	}
	for _, n := range notices {
		put(noticeRef(n.Desk, n.ID), n)
	}
	if r == nil {
		return out
	}
	for _, number := range sortedKeys(r.Codes) {
		tc := *r.Codes[number]
		tc.To = number
		put(numberRef(codeRecord, number), &tc)
	}
	for _, user := range sortedKeys(r.Mobiles) {
		put(userRef(mobileRecord, user), &mobileMethod{User: user, Number: r.Mobiles[user]})
	}
	for _, name := range sortedKeys(r.DuoUsers) {
		u := *r.DuoUsers[name]
		u.PushTimes = r.PushTimes[name]
		at := userRef(duoUserRecord, name)
		put(at, &u)
		alias(u.ID, at.key)
	}
	byNumber := map[string]*numberPhones{}
	numberOf := map[string]string{}
	for _, id := range sortedKeys(r.DuoPhones) {
		p := *r.DuoPhones[id]
		p.ID = id // the id every call was given, even if a hand edit changed the field
		rec := byNumber[p.Number]
		if rec == nil {
			rec = &numberPhones{Number: p.Number}
			byNumber[p.Number] = rec
		}
		rec.Phones = append(rec.Phones, &p)
		numberOf[id] = p.Number
		alias(id, key(p.Number))
	}
	for _, id := range sortedKeys(r.Pushes) {
		push := *r.Pushes[id]
		number, ok := numberOf[push.PhoneID]
		if !ok {
			continue // a push to a phone the file no longer has cannot be approved, nor asked about
		}
		push.ID = id
		byNumber[number].Pushes = append(byNumber[number].Pushes, &push)
		alias(id, key(number))
	}
	for number, rec := range byNumber {
		put(numberRef(duoPhonesRecord, number), rec)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
