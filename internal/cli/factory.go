package cli

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/config"
	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
	"github.com/mfa-onboard/mfa-onboard/internal/phone"
	"github.com/mfa-onboard/mfa-onboard/internal/prompt"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/fake"
	"github.com/mfa-onboard/mfa-onboard/internal/screen"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// Factory is the one wiring point: everything a command needs is built here, and
// this is the only place that chooses between the demo providers and real ones.
type Factory struct {
	IO      *IOStreams
	Getenv  func(string) string
	Clock   clock.Clock
	Version BuildInfo

	// Global flags.
	HomeFlag       string
	ConfigFlag     string
	NonInteractive bool
	Accessible     bool
}

// BuildInfo says which build this is.
type BuildInfo struct {
	Version string
	Commit  string
}

// Home is the folder for config, state and the outbox: --home, then
// MFA_ONBOARD_HOME, then the OS's user config folder.
func (f *Factory) Home() (string, error) {
	if f.HomeFlag != "" {
		return filepath.Abs(f.HomeFlag)
	}
	if h := f.Getenv("MFA_ONBOARD_HOME"); h != "" {
		return filepath.Abs(h)
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", usagef("cannot find a folder for mfa-onboard's files (%v); set MFA_ONBOARD_HOME or use --home", err)
	}
	return filepath.Join(dir, "mfa-onboard"), nil
}

// HomeAndConfig is the home folder and the configuration in force there.
func (f *Factory) HomeAndConfig() (string, *config.Config, error) {
	home, err := f.Home()
	if err != nil {
		return "", nil, err
	}
	cfg, err := f.Config(home)
	return home, cfg, err
}

// Config loads --config, or config.yaml in the home folder, over the embedded default.
func (f *Factory) Config(home string) (*config.Config, error) {
	if f.ConfigFlag != "" {
		return config.Load(f.ConfigFlag, true)
	}
	return config.Load(filepath.Join(home, "config.yaml"), false)
}

// Store returns the state store in the home folder.
func (f *Factory) Store(home string) *state.Store {
	return state.NewStore(filepath.Join(home, "state"))
}

// Interactive decides once, at the edge, whether a person can be asked: only when
// stdin and stderr are terminals, CI is unset and --non-interactive was not given.
func (f *Factory) Interactive() bool {
	return !f.NonInteractive && f.Getenv("CI") == "" && f.IO.InTTY && f.IO.ErrTTY && f.IO.InFile != nil && f.IO.ErrFile != nil
}

// Prompter returns the prompter for this run: arrow-key menus in a terminal, plain
// lines for screen readers and dumb terminals, and answers given in advance otherwise.
// Answers given in advance come first in both cases.
func (f *Factory) Prompter(given *prompt.Answers) prompt.Prompter {
	if given == nil {
		given = prompt.NewAnswers(nil)
	}
	if !f.Interactive() {
		return given
	}
	var person prompt.Prompter = prompt.NewSurvey(f.IO.InFile, f.IO.ErrFile)
	if f.Accessible || f.Getenv("TERM") == "dumb" || f.Getenv("MFA_ONBOARD_ACCESSIBLE") != "" {
		person = prompt.NewLine(f.IO.In, f.IO.ErrOut)
	}
	return prompt.Layered{Given: given, Person: person}
}

// Screen returns the human output for this run.
func (f *Factory) Screen() *screen.Screen {
	return screen.New(f.IO.ErrOut, screen.Options{Size: f.IO.Size, TTY: f.IO.ErrTTY})
}

// Providers returns the providers named in cfg. Real ones are built when a step
// first needs them, so a run that never reaches Duo never needs Duo's keys.
func (f *Factory) Providers(home string, cfg *config.Config, scr *screen.Screen) (provider.Set, error) {
	box := outbox.New(filepath.Join(home, "outbox.jsonl"), func(m outbox.Message) {
		to := m.To
		if strings.HasPrefix(to, "+") {
			to = phone.Mask(to)
		}
		scr.PhoneMessage(m.Channel, to, m.Text)
	})
	demo := fake.NewServices(filepath.Join(home, "demo-services.json"), fake.OptionsFrom(cfg), box, f.Clock)
	return &roles{cfg: cfg, demo: demo, demoSet: demo.Set(cfg.Support.Email), f: f}, nil
}
