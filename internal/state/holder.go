package state

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

// Holder is who holds a person's lock, so that a second technician is told who is
// working on the person instead of only that someone is.
type Holder struct {
	Runner
	Since time.Time `json:"since"`
}

// String says who and since when, for a sentence.
func (h Holder) String() string {
	who := h.Technician
	switch {
	case who != "" && h.OSUser != "":
		who += " (" + h.OSUser + ")"
	case who == "":
		who = h.OSUser
	}
	if who == "" {
		who = "someone"
	}
	out := sanitize.Inline(who)
	if h.Machine != "" {
		out += " on " + sanitize.Inline(h.Machine)
	}
	if !h.Since.IsZero() {
		out += ", since " + h.Since.Local().Format("Jan 2 15:04 MST")
	}
	return out
}

// LockedError is the lock of a person another run holds; it wraps ErrLocked.
type LockedError struct {
	User string
	// Holder is who holds it; ok is false when the holder has not said (yet).
	Holder Holder
	Known  bool
	msg    string
}

func (e *LockedError) Error() string { return e.msg }

// Unwrap makes errors.Is(err, ErrLocked) true.
func (e *LockedError) Unwrap() error { return ErrLocked }

// holderPath is beside the lock file, never the lock file itself: on Windows a
// locked file cannot be read by another process.
func (s *Store) holderPath(user string) string { return s.lockPath(user) + ".holder" }

// writeHolder says who holds the lock. Failing to say it changes nothing for the
// run, so the error is left unsaid: a second run then gets the plain message.
func (s *Store) writeHolder(user string, now time.Time) {
	data, err := json.Marshal(Holder{Runner: *s.currentRunner(), Since: now.UTC()})
	if err != nil {
		return
	}
	// Not synced, not atomic: a torn file only costs the second run the plain message.
	_ = os.WriteFile(s.holderPath(user), data, 0o600)
}

// readHolder is who holds user's lock, as the holder wrote it.
func (s *Store) readHolder(user string) (Holder, bool) {
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
func (s *Store) lockedError(user, path string) error {
	h, ok := s.readHolder(user)
	msg := fmt.Sprintf("another mfa-onboard is already working on %s (it holds %s); let it finish, or stop it, and try again", user, path)
	if ok {
		msg = fmt.Sprintf("another mfa-onboard is already working on %s (%s; it holds %s); let it finish, or stop it, and try again", user, h, path)
	}
	return &LockedError{User: user, Holder: h, Known: ok, msg: msg}
}
