package state

import (
	"encoding/json"
	"io"
	"os"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

// Holder is who holds a person's lock, so that a second technician is told who is
// working on the person instead of only that someone is.
type Holder struct {
	Runner
	Since time.Time `json:"since"`
}

// String says who and since when, for a sentence.
func (h Holder) String() string { return h.Say(nil) }

// Say says who and since when in p's language, for a sentence.
func (h Holder) Say(p *catalog.Printer) string {
	var who string
	switch {
	case h.Technician != "" && h.OSUser != "":
		who = p.T("state.holder.technician-account", "Technician", h.Technician, "Account", h.OSUser)
	case h.Technician != "":
		who = h.Technician
	case h.OSUser != "":
		who = h.OSUser
	default:
		who = p.T("state.holder.someone")
	}
	who = sanitize.Inline(who)
	machine := sanitize.Inline(h.Machine)
	if h.Since.IsZero() {
		if h.Machine == "" {
			return who
		}
		return p.T("state.holder.on", "Who", who, "Machine", machine)
	}
	// The layout is the language's own way of writing a day and a time.
	since := h.Since.Local().Format(p.T("state.holder.time-layout"))
	if h.Machine == "" {
		return p.T("state.holder.since", "Who", who, "Since", since)
	}
	return p.T("state.holder.on-since", "Who", who, "Machine", machine, "Since", since)
}

// LockedError is the lock of a person another run holds; it wraps ErrLocked.
type LockedError struct {
	User string
	// Holder is who holds it; ok is false when the holder has not said (yet).
	Holder Holder
	Known  bool
	// Lock is the lock file the holder has open, or Database the database (name@host)
	// whose lock it holds.
	Lock, Database string
}

func (e *LockedError) Error() string { return e.Localize(nil) }

// Localize is the refusal in p's language.
func (e *LockedError) Localize(p *catalog.Printer) string {
	switch {
	case e.Database != "" && e.Known:
		return p.T("state.locked.by.db", "User", e.User, "Holder", e.Holder.Say(p), "Database", e.Database)
	case e.Database != "":
		return p.T("state.locked.by-someone.db", "User", e.User, "Database", e.Database)
	case e.Known:
		return p.T("state.locked.by", "User", e.User, "Holder", e.Holder.Say(p), "Lock", e.Lock)
	}
	return p.T("state.locked.by-someone", "User", e.User, "Lock", e.Lock)
}

// Unwrap makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Unwrap() error { return ErrLocked }

// holderPath is beside the lock file, never the lock file itself: on Windows a
// locked file cannot be read by another process.
func (s *Files) holderPath(user string) string { return s.lockPath(user) + ".holder" }

// writeHolder says who holds the lock. Failing to say it changes nothing for the
// run, so the error is left unsaid: a second run then gets the plain message.
func (s *Files) writeHolder(user string, now time.Time) {
	data, err := json.Marshal(Holder{Runner: *s.currentRunner(), Since: now.UTC()})
	if err != nil {
		return
	}
	// Not synced, not atomic: a torn file only costs the second run the plain message.
	_ = os.WriteFile(s.holderPath(user), data, 0o600)
}

// readHolder is who holds user's lock, as the holder wrote it.
func (s *Files) readHolder(user string) (Holder, bool) {
	f, err := os.Open(s.holderPath(user))
	if err != nil {
		return Holder{}, false
	}
	defer f.Close()
	var h Holder
	if err := json.NewDecoder(io.LimitReader(f, 4<<10)).Decode(&h); err != nil {
		return Holder{}, false
	}
	return h, true
}

// lockedError is the refusal for a lock another run holds.
func (s *Files) lockedError(user, path string) error {
	h, ok := s.readHolder(user)
	return &LockedError{User: user, Holder: h, Known: ok, Lock: path}
}
