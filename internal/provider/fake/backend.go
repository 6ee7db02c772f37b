// Package fake serves every provider role offline, behaving like the real services
// (limits, expiry, cool-downs, one-time codes) so the whole procedure can be tried
// and tested with nothing sent. What a real phone would receive goes to the outbox.
//
// The fakes keep their own "service side" records apart from the user's state, as a
// real service keeps its own: that is why a code sent in one run can be checked in the
// next. They are kept a record to a file, a folder per person, phone number and notice
// (store.go), so that one person's run costs the same however many came before.
package fake

import (
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/config"
	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
)

// Options are the limits the fakes enforce, taken from config, and the language
// they speak.
type Options struct {
	Organisation    string
	CodeAttempts    int
	CodeValid       time.Duration
	ResendCoolDown  time.Duration
	ActivationValid time.Duration
	PushValid       time.Duration
	// Text is the language of what the demo phone receives (the texted code, the
	// activation link's text, the push) and of the demo push's status: the run's.
	// Those words are the demo's own; a real phone gets Twilio's and Duo's. nil
	// speaks English. The demo notice to the support desk is not in it: it stands
	// for the desk's message, which is the MSP's (see package message).
	Text *catalog.Printer
}

// Services is the shared back end of all fake providers: the records, the outbox and
// a clock. It is safe for concurrent use, and several processes may share one folder.
type Services struct {
	store
	// path is the one records file of versions before this one, taken over on first use.
	path   string
	opts   Options
	outbox *outbox.Outbox
	clock  clock.Clock

	mu    sync.Mutex
	ready bool
	// step, when set (by tests), is told each step of taking over the older file
	// before it is taken, and an error stops the take-over there, as a kill would.
	step   func(step string) error
	stepMu sync.Mutex
}

// NewServices returns fake services keeping their records in the folder named as path
// without its extension (demo-services for demo-services.json). path is the file in
// which versions before this one kept every record: it is taken over, once, on first
// use, and then kept inside the folder (see takeOver).
func NewServices(path string, opts Options, box *outbox.Outbox, c clock.Clock) *Services {
	dir := strings.TrimSuffix(path, filepath.Ext(path))
	if dir == path {
		dir = path + ".d"
	}
	return &Services{store: store{dir: dir, files: osFiles{}}, path: path, opts: opts, outbox: box, clock: c}
}

// prepare makes sure the records folder is there, taking over the older file first;
// after the first success it costs nothing.
func (s *Services) prepare() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ready {
		return nil
	}
	if err := s.takeOver(); err != nil {
		return err
	}
	s.ready = true
	return nil
}

func (s *Services) deliver(channel, to, text, link string) error {
	return s.outbox.Deliver(outbox.Message{Time: s.clock.Now().UTC(), Channel: channel, To: to, Text: text, Link: link})
}

// WithText is o speaking p's language (see Options.Text).
func (o Options) WithText(p *catalog.Printer) Options {
	o.Text = p
	return o
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
