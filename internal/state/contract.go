package state

import (
	"slices"
	"sync"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// Store keeps each person's progress for one customer. Files, the default, keeps it
// in a folder on one computer; a team's technicians share one in PostgreSQL
// (internal/pgstore). Every store passes the same contract (internal/state/storetest).
type Store interface {
	// Load returns user's progress, or an error wrapping ErrNotFound if they have not
	// started. The State's Revision is the version read, which Save writes over.
	Load(user string) (*State, error)
	// Save writes st unless another run saved the person since st was loaded (its
	// Revision): then it returns a *StaleError and changes nothing.
	Save(st *State) error
	// SaveAsLastRun is Save that keeps st.LastRun as who ran the person's run last:
	// a reminder sent is recorded without making the reminding run the last run.
	SaveAsLastRun(st *State) error
	// Delete forgets user's progress; forgetting what is not there is no error.
	Delete(user string) error
	// Busy says whether a run holds user's lock right now, without waiting.
	Busy(user string) (bool, error)
	// List returns every readable person's progress, sorted by address, and one
	// error naming what it could not read.
	List() ([]*State, error)
	// Visit calls keep for each readable person's progress, perhaps from several
	// goroutines at once, and returns List's error; Collect builds on it.
	Visit(keep func(*State)) error
	// Lock takes user's lock, or returns a *LockedError at once when another run,
	// here or on another computer, holds it.
	Lock(user string) (unlock func() error, err error)
	// Sole finds the one person who has started, if only one has.
	Sole() (Sole, error)
	// Where says where user's progress is kept, for messages: a file, or a database.
	Where(user string) string
	// SetRunner says who runs this process, as Save records it.
	SetRunner(r Runner)
	// Saves is how many times this store has written a person's state.
	Saves() int64
}

// ErrStale means another run saved a person after this one read them.
var ErrStale error = catalog.NewError("state.stale.any")

// StaleError is a save refused because the person was saved by another run since
// this one loaded them; nothing was overwritten. It wraps ErrStale.
type StaleError struct {
	User string
	// By is who saved last, when the store knows (Known).
	By    Runner
	Known bool
}

func (e *StaleError) Error() string { return e.Localize(nil) }

// Localize is the refusal in p's language.
func (e *StaleError) Localize(p *catalog.Printer) string {
	if e.Known {
		return p.T("state.stale.by", "User", e.User, "Holder", Holder{Runner: e.By}.Say(p))
	}
	return p.T("state.stale", "User", e.User)
}

// Unwrap makes errors.Is(err, ErrStale) true.
func (e *StaleError) Unwrap() error { return ErrStale }

// collectVisited is Collect for any Store: what keep makes of each person, sorted
// by address.
func collectVisited[T any](s Store, keep func(*State) T) ([]T, error) {
	type kept struct {
		user string
		val  T
	}
	var mu sync.Mutex
	var all []kept
	err := s.Visit(func(st *State) {
		v := keep(st)
		mu.Lock()
		defer mu.Unlock()
		all = append(all, kept{st.User, v})
	})
	slices.SortFunc(all, func(a, b kept) int { return compareUsers(a.user, b.user) })
	vals := make([]T, len(all))
	for i, k := range all {
		vals[i] = k.val
	}
	return vals, err
}
