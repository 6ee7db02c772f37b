package state

import (
	"cmp"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// Sole is what a command that chooses the person by itself learns from the state
// folder: the one person who has started here, nobody, or several people.
type Sole struct {
	// State is the progress of the one person who has started; nil otherwise.
	State *State
	// Several names, sorted, the two people found first when more than one has started.
	Several []string
	// Files is how many state files the folder holds, read or not.
	Files int
}

// Sole finds the one person who has started here. It lists the folder's names and
// reads files, in name order, only until a second person shows that there is no one
// person, so what it costs does not grow with the number of people. Its error names
// each file it read and could not use, as List's does: any such file may be the one
// person's, so a caller must not take State for the only one when there is an error.
func (s *Files) Sole() (Sole, error) {
	names, err := s.stateNames()
	if err != nil || len(names) == 0 {
		return Sole{}, err
	}
	found := Sole{Files: len(names)}
	type seen struct {
		st   *State
		path string
		rank int
	}
	var people []seen
	var errs []error
	for _, name := range names {
		st, path, rank, err := s.read(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		i := slices.IndexFunc(people, func(p seen) bool { return sameUser(p.st.User, st.User) })
		if i < 0 {
			people = append(people, seen{st, path, rank})
			if len(people) == 2 {
				found.Several = []string{people[0].st.User, people[1].st.User}
				slices.SortFunc(found.Several, compareUsers)
				return found, errors.Join(errs...)
			}
			continue
		}
		kept, other := people[i], seen{st, path, rank}
		if other.rank < kept.rank {
			kept, other = other, kept
			people[i] = kept
		}
		errs = append(errs, duplicate(other.path, other.st.User, kept.path, other.rank == 2))
	}
	if len(people) == 1 {
		found.State = people[0].st
	}
	return found, errors.Join(errs...)
}

// Collect is List for a caller that needs only part of each person's progress: it
// reads one file at a time on each of GOMAXPROCS goroutines and keeps only what keep
// makes of it, so that listing many people never holds their files, only what keep
// returns. keep may be called from several goroutines at once. The people, their
// order and the error are List's.
func Collect[T any](st Store, keep func(*State) T) ([]T, error) {
	s, ok := st.(*Files)
	if !ok {
		return collectVisited(st, keep)
	}
	entries, err := s.stateEntries()
	if err != nil || len(entries) == 0 {
		return nil, err
	}
	// vals[i] is what keep made of entries[i], found[i] what else is known of it;
	// apart, so that what is returned is vals itself, not a copy.
	vals := make([]T, len(entries))
	found := make([]collected, len(entries))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(entries)) {
		wg.Go(func() {
			// One buffer, read into again and again: parsing copies what it keeps.
			buf := make([]byte, plainBuffer)
			for {
				i := int(next.Add(1) - 1)
				if i >= len(entries) {
					return
				}
				st, _, rank, err := s.readEntry(entries[i], buf)
				found[i] = collected{rank: rank, err: err, drop: err != nil}
				if err == nil {
					vals[i], found[i].user = keep(st), st.User
				}
			}
		})
	}
	wg.Wait()

	// As List: each unreadable file's error in name order, then for each person
	// found in more than one file, in the order first found, the files not kept.
	path := func(i int) string { return filepath.Join(s.dir, entries[i].Name()) }
	var errs []error
	first := map[string]int{}
	var order []string
	more := map[string][]int{} // people found in more than one file: the other files
	for i, f := range found {
		if f.err != nil {
			errs = append(errs, f.err)
			continue
		}
		key := strings.ToLower(f.user)
		if _, ok := first[key]; !ok {
			first[key] = i
			continue
		}
		if more[key] == nil {
			order = append(order, key)
		}
		more[key] = append(more[key], i)
	}
	slices.SortFunc(order, func(a, b string) int { return cmp.Compare(first[a], first[b]) })
	for _, key := range order {
		files := append([]int{first[key]}, more[key]...)
		slices.SortStableFunc(files, func(a, b int) int { return cmp.Compare(found[a].rank, found[b].rank) })
		for _, other := range files[1:] {
			found[other].drop = true
			errs = append(errs, duplicate(path(other), found[other].user, path(files[0]), found[other].rank == 2))
		}
	}
	n := 0
	for i := range vals {
		if !found[i].drop {
			vals[n], found[n] = vals[i], found[i]
			n++
		}
	}
	clear(vals[n:])
	vals, found = vals[:n], found[:n]
	sort.Sort(byUser[T]{vals, found})
	return vals, errors.Join(errs...)
}

// Visit calls keep for each readable state file, on several goroutines.
func (s *Files) Visit(keep func(*State)) error {
	_, err := Collect(s, func(st *State) struct{} { keep(st); return struct{}{} })
	return err
}

// Where is the file that keeps user's progress.
func (s *Files) Where(user string) string { return s.Path(user) }

// collected is what Collect knows of a file besides what keep made of it.
type collected struct {
	user string
	rank int
	err  error
	drop bool
}

// byUser sorts what Collect keeps, and what it knows of each, by address.
type byUser[T any] struct {
	vals  []T
	found []collected
}

func (b byUser[T]) Len() int { return len(b.vals) }
func (b byUser[T]) Less(i, j int) bool {
	return compareUsers(b.found[i].user, b.found[j].user) < 0
}
func (b byUser[T]) Swap(i, j int) {
	b.vals[i], b.vals[j] = b.vals[j], b.vals[i]
	b.found[i], b.found[j] = b.found[j], b.found[i]
}

// compareUsers is the order List sorts people in.
func compareUsers(a, b string) int {
	return cmp.Or(strings.Compare(strings.ToLower(a), strings.ToLower(b)), strings.Compare(a, b))
}

// stateNames lists the names of the folder's state files, sorted, without opening
// any: locks, backups and temporary files are left out.
func (s *Files) stateNames() ([]string, error) {
	entries, err := s.stateEntries()
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	return names, err
}

// stateEntries is stateNames with what the folder says of each file.
func (s *Files) stateEntries() ([]fs.DirEntry, error) {
	entries, err := os.ReadDir(s.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, newFileError(catalog.NewError("state.folder.read", "Dir", s.dir, "Cause", cause(err)), err)
	}
	return slices.DeleteFunc(entries, func(e fs.DirEntry) bool { return !strings.HasSuffix(e.Name(), ".json") }), nil
}

// read loads the state file name as List does: rank says how its name stands to its
// owner's (0: the name Load uses, 1: it in another case, 2: the legacy name), and a
// file under nobody's name is an error.
func (s *Files) read(name string) (st *State, path string, rank int, err error) {
	path = filepath.Join(s.dir, name)
	st, err = load(path, "")
	if err != nil {
		return nil, path, 0, err
	}
	return s.ranked(st, name, path)
}

// readEntry is read for a file the folder listed as e, using buf: a plain file that
// fits in buf is read with no more than it takes; anything else (a link, a folder, a
// bigger file, one that cannot be opened) goes through read, whose checks and errors
// are Load's.
func (s *Files) readEntry(e fs.DirEntry, buf []byte) (st *State, path string, rank int, err error) {
	path = filepath.Join(s.dir, e.Name())
	if !e.Type().IsRegular() {
		return s.read(e.Name())
	}
	data, ok := readPlain(path, buf)
	if !ok {
		return s.read(e.Name())
	}
	st, p := parse(data)
	if p != nil {
		return nil, path, 0, p.at(path)
	}
	return s.ranked(st, e.Name(), path)
}

// plainBuffer is the most readPlain reads of one file: a person's progress is a few
// kilobytes, and a bigger file goes to readFile.
const plainBuffer = 64 << 10

// ranked is how the name a file was found under stands to its owner's: rank 0 is
// the name Load uses, 1 it in another case, 2 the legacy name; any other name is an
// error.
func (s *Files) ranked(st *State, name, path string) (*State, string, int, error) {
	rank := 0
	base := strings.TrimSuffix(name, ".json")
	switch want := fileName(st.User); {
	case base == want:
	case strings.EqualFold(base, want):
		rank = 1
	case strings.EqualFold(base, legacyName(st.User)):
		rank = 2
	default:
		return nil, path, 0, misplaced(path, st.User, s.Path(st.User))
	}
	return st, path, rank, nil
}
