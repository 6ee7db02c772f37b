// Package storetest is the contract every state.Store passes: the file store of one
// computer and the PostgreSQL store a team shares run the same tests, so that
// nothing a command relies on differs between them.
package storetest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// Open gives a new, empty store for one test. Two calls within one test with the
// same folder or database are two processes' views of the same people (second
// returns such a view of the store first returned).
type Open func(t *testing.T) (first state.Store, second func() state.Store)

var t0 = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

// Run runs the contract against the stores open makes.
func Run(t *testing.T, open Open) {
	t.Run("a person who has not started is not found", func(t *testing.T) {
		s, _ := open(t)
		if _, err := s.Load("alice@example.com"); !errors.Is(err, state.ErrNotFound) {
			t.Errorf("Load = %v; want ErrNotFound", err)
		}
	})
	t.Run("what is saved is loaded, whatever the address's case", func(t *testing.T) {
		s, other := open(t)
		st := state.New("Alice@Example.com", t0)
		st.Mark("phone", state.Done, "", t0)
		mustSave(t, s, st)
		got, err := other().Load("alice@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if got.User != "Alice@Example.com" || got.Step("phone").Status != state.Done {
			t.Errorf("loaded %s with phone %q; want Alice@Example.com with phone done", got.User, got.Step("phone").Status)
		}
	})
	t.Run("a save over a newer save is refused, and nothing is lost", func(t *testing.T) {
		s, other := open(t)
		mustSave(t, s, state.New("alice@example.com", t0))
		a, b := mustLoad(t, s, "alice@example.com"), mustLoad(t, other(), "alice@example.com")
		a.Mark("phone", state.Done, "", t0)
		mustSave(t, s, a)
		b.Mark("verify", state.Done, "", t0)
		err := other().Save(b)
		var stale *state.StaleError
		if !errors.As(err, &stale) || !errors.Is(err, state.ErrStale) || stale.User != "alice@example.com" {
			t.Fatalf("the second writer's Save = %v; want a *StaleError for alice@example.com", err)
		}
		got := mustLoad(t, other(), "alice@example.com")
		if got.Step("phone").Status != state.Done || got.Step("verify").Status == state.Done {
			t.Errorf("after the refused save: phone %q, verify %q; want the first writer's progress only", got.Step("phone").Status, got.Step("verify").Status)
		}
		// Loaded again, the second writer carries on from the first's progress.
		got.Mark("verify", state.Done, "", t0)
		mustSave(t, other(), got)
	})
	t.Run("a new person saved twice by two runs: the second is refused", func(t *testing.T) {
		s, other := open(t)
		mustSave(t, s, state.New("bob@example.com", t0))
		if err := other().Save(state.New("bob@example.com", t0)); !errors.Is(err, state.ErrStale) {
			t.Errorf("a second new state for the same person: Save = %v; want ErrStale", err)
		}
	})
	t.Run("the stale refusal says who saved", func(t *testing.T) {
		s, other := open(t)
		s.SetRunner(state.Runner{OSUser: "ana", Machine: "LAPTOP-1", Technician: "Ana Ruiz"})
		mustSave(t, s, state.New("carol@example.com", t0))
		b := mustLoad(t, other(), "carol@example.com")
		a := mustLoad(t, s, "carol@example.com")
		a.Mark("phone", state.Done, "", t0)
		mustSave(t, s, a)
		var stale *state.StaleError
		if err := other().Save(b); !errors.As(err, &stale) || !stale.Known || stale.By.Machine != "LAPTOP-1" {
			t.Errorf("Save = %v (%+v); want a refusal naming LAPTOP-1", err, stale)
		}
	})
	t.Run("a lock is held against every other run, and says by whom", func(t *testing.T) {
		s, other := open(t)
		s.SetRunner(state.Runner{OSUser: "ana", Machine: "LAPTOP-1", Technician: "Ana Ruiz"})
		unlock, err := s.Lock("dave@example.com")
		if err != nil {
			t.Fatal(err)
		}
		second := other()
		if busy, err := second.Busy("dave@example.com"); err != nil || !busy {
			t.Errorf("Busy while locked = %v, %v; want true", busy, err)
		}
		_, err = second.Lock("Dave@example.com")
		var locked *state.LockedError
		if !errors.As(err, &locked) || !errors.Is(err, state.ErrLocked) {
			t.Fatalf("a second Lock = %v; want a *LockedError", err)
		}
		if !locked.Known || locked.Holder.Machine != "LAPTOP-1" || locked.Holder.Technician != "Ana Ruiz" || !strings.Contains(err.Error(), "Ana Ruiz") {
			t.Errorf("the refusal %q (%+v) does not name Ana Ruiz on LAPTOP-1", err, locked.Holder)
		}
		if err := unlock(); err != nil {
			t.Fatal(err)
		}
		if busy, err := second.Busy("dave@example.com"); err != nil || busy {
			t.Errorf("Busy after unlock = %v, %v; want false", busy, err)
		}
		again, err := second.Lock("dave@example.com")
		if err != nil {
			t.Fatalf("Lock after the first run let go: %v", err)
		}
		if err := again(); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a lock of one person leaves the others free", func(t *testing.T) {
		s, other := open(t)
		unlock, err := s.Lock("erin@example.com")
		if err != nil {
			t.Fatal(err)
		}
		defer unlock()
		free, err := other().Lock("frank@example.com")
		if err != nil {
			t.Fatalf("Lock of another person: %v", err)
		}
		free()
	})
	t.Run("list, visit and collect give everyone, sorted by address", func(t *testing.T) {
		s, other := open(t)
		for _, u := range []string{"zoe@example.com", "Adam@example.com", "mia@example.com"} {
			mustSave(t, s, state.New(u, t0))
		}
		want := []string{"Adam@example.com", "mia@example.com", "zoe@example.com"}
		all, err := other().List()
		if err != nil {
			t.Fatal(err)
		}
		var listed []string
		for _, st := range all {
			listed = append(listed, st.User)
		}
		collected, err := state.Collect(other(), func(st *state.State) string { return st.User })
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(listed, want) || !slices.Equal(collected, want) {
			t.Errorf("List gave %q, Collect %q; want %q", listed, collected, want)
		}
	})
	t.Run("sole finds the one person, or says there are several", func(t *testing.T) {
		s, other := open(t)
		if found, err := s.Sole(); err != nil || found.State != nil || found.Several != nil {
			t.Errorf("Sole of nobody = %+v, %v; want nothing", found, err)
		}
		mustSave(t, s, state.New("gina@example.com", t0))
		if found, err := other().Sole(); err != nil || found.State == nil || found.State.User != "gina@example.com" {
			t.Errorf("Sole of one = %+v, %v; want gina@example.com", found, err)
		}
		mustSave(t, s, state.New("hal@example.com", t0))
		if found, err := other().Sole(); err != nil || found.State != nil || len(found.Several) != 2 {
			t.Errorf("Sole of two = %+v, %v; want several", found, err)
		}
	})
	t.Run("delete forgets a person, and forgetting nobody is no error", func(t *testing.T) {
		s, other := open(t)
		mustSave(t, s, state.New("ivy@example.com", t0))
		if err := other().Delete("ivy@example.com"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Load("ivy@example.com"); !errors.Is(err, state.ErrNotFound) {
			t.Errorf("Load after Delete = %v; want ErrNotFound", err)
		}
		if err := s.Delete("nobody@example.com"); err != nil {
			t.Errorf("Delete of nobody = %v", err)
		}
		// Started again after a reset: a new person, not a stale save.
		mustSave(t, s, state.New("ivy@example.com", t0))
	})
	t.Run("a save records who ran it, unless it keeps the last run's", func(t *testing.T) {
		s, other := open(t)
		s.SetRunner(state.Runner{OSUser: "ana", Machine: "LAPTOP-1"})
		mustSave(t, s, state.New("jo@example.com", t0))
		reminder := other()
		reminder.SetRunner(state.Runner{OSUser: "svc", Machine: "SERVER"})
		st := mustLoad(t, reminder, "jo@example.com")
		if err := reminder.SaveAsLastRun(st); err != nil {
			t.Fatal(err)
		}
		if got := mustLoad(t, s, "jo@example.com").LastRun; got == nil || got.Machine != "LAPTOP-1" {
			t.Errorf("after SaveAsLastRun, the last run is %+v; want LAPTOP-1's", got)
		}
		if reminder.Saves() != 1 {
			t.Errorf("Saves = %d; want 1", reminder.Saves())
		}
	})
	t.Run("where names the person's place", func(t *testing.T) {
		s, _ := open(t)
		if w := s.Where("kim@example.com"); w == "" {
			t.Error("Where is empty")
		}
	})
}

func mustSave(t *testing.T, s state.Store, st *state.State) {
	t.Helper()
	if err := s.Save(st); err != nil {
		t.Fatalf("Save %s: %v", st.User, err)
	}
}

func mustLoad(t *testing.T, s state.Store, user string) *state.State {
	t.Helper()
	st, err := s.Load(user)
	if err != nil {
		t.Fatalf("Load %s: %v", user, err)
	}
	return st
}
