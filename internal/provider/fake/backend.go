// Package fake serves every provider role offline, behaving like the real services
// (limits, expiry, cool-downs, one-time codes) so the whole procedure can be tried
// and tested with nothing sent. What a real phone would receive goes to the outbox.
//
// The fakes keep their own "service side" records in a file apart from the user's
// state, as a real service keeps its own: that is why a code sent in one run can be
// checked in the next.
package fake

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"

	"github.com/mfa-onboard/mfa-onboard/internal/atomicfile"
	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/config"
	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
)

// Options are the limits the fakes enforce, taken from config.
type Options struct {
	Organisation    string
	CodeAttempts    int
	CodeValid       time.Duration
	ResendCoolDown  time.Duration
	ActivationValid time.Duration
	PushValid       time.Duration
}

// Services is the shared back end of all fake providers: one records file, the outbox
// and a clock.
type Services struct {
	path   string
	opts   Options
	outbox *outbox.Outbox
	clock  clock.Clock
}

// NewServices returns fake services keeping their records at path.
func NewServices(path string, opts Options, box *outbox.Outbox, c clock.Clock) *Services {
	return &Services{path: path, opts: opts, outbox: box, clock: c}
}

// records is everything the fake services remember, as the vendors would.
type records struct {
	Seq     int                  `json:"seq"`
	Codes   map[string]*textCode `json:"codes,omitempty"`
	Mobiles map[string]string    `json:"mobiles,omitempty"`
	// Notices is the demo mail server's log, notice id to receipt, written once the
	// message is in the outbox; whether a notice went out is read from the outbox.
	Notices   map[string]string      `json:"notices,omitempty"`
	DuoUsers  map[string]*duoUser    `json:"duo_users,omitempty"`
	DuoPhones map[string]*duoPhone   `json:"duo_phones,omitempty"`
	Pushes    map[string]*pushRecord `json:"pushes,omitempty"`
	PushTimes map[string][]time.Time `json:"push_times,omitempty"`
}

// prune drops the null entries a hand-edited or damaged file can hold, so that every
// record a service looks at is one it can read.
func (r *records) prune() {
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

func (r *records) nextID(prefix string) string {
	r.Seq++
	return fmt.Sprintf("%s%08d", prefix, r.Seq)
}

// update runs fn on the records under a file lock and writes them back if fn succeeds,
// so two runs for different users never lose each other's changes.
func (s *Services) update(fn func(r *records) error) error {
	return s.locked(fn, true)
}

// view runs fn on the records under the lock and writes nothing: questions (is it
// activated? was it sent?) are asked in polling loops and must not rewrite the file.
func (s *Services) view(fn func(r *records) error) error {
	return s.locked(fn, false)
}

func (s *Services) locked(fn func(r *records) error, write bool) error {
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return fmt.Errorf("create the folder for the demo services: %w", err)
	}
	lock := flock.New(s.path + ".lock")
	if err := lock.Lock(); err != nil {
		return fmt.Errorf("lock the demo services file %s: %w", s.path, err)
	}
	defer lock.Unlock()

	r := &records{}
	data, err := os.ReadFile(s.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return fmt.Errorf("read the demo services file %s: %w", s.path, err)
	default:
		if err := json.Unmarshal(data, r); err != nil {
			return fmt.Errorf("the demo services file %s is damaged (%v); delete it to start the demo services afresh", s.path, err)
		}
		r.prune()
	}
	if err := fn(r); err != nil || !write {
		return err
	}
	out, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encode the demo services records: %w", err)
	}
	return atomicfile.WriteFile(s.path, append(out, '\n'))
}

func (s *Services) deliver(channel, to, text, link string) error {
	return s.outbox.Deliver(outbox.Message{Time: s.clock.Now().UTC(), Channel: channel, To: to, Text: text, Link: link})
}

// OptionsFrom takes the fakes' limits from the configuration.
func OptionsFrom(cfg *config.Config) Options {
	return Options{
		Organisation:    cfg.Organisation,
		CodeAttempts:    cfg.Limits.CodeAttempts,
		CodeValid:       cfg.Limits.CodeValid.D(),
		ResendCoolDown:  cfg.Limits.ResendCoolDown.D(),
		ActivationValid: cfg.Limits.ActivationValid.D(),
		PushValid:       cfg.Limits.PushValid.D(),
	}
}
