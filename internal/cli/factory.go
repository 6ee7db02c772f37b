package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/config"
	"github.com/mfa-onboard/mfa-onboard/internal/keyboard"
	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
	"github.com/mfa-onboard/mfa-onboard/internal/phone"
	"github.com/mfa-onboard/mfa-onboard/internal/prompt"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/fake"
	"github.com/mfa-onboard/mfa-onboard/internal/screen"
	"github.com/mfa-onboard/mfa-onboard/internal/secret"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// Factory is the one wiring point: everything a command needs is built here, and
// this is the only place that chooses between the demo providers and real ones.
type Factory struct {
	IO      *IOStreams
	Getenv  func(string) string
	Clock   clock.Clock
	Version BuildInfo
	// Program is how the person started this program (os.Args[0]).
	Program string
	// Keychain is the OS keychain for secrets; nil where none may be used (tests).
	Keychain secret.Keychain

	// keys is the terminal's keyboard, made on first use by an interactive run.
	keys *keyboard.Keyboard

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
	var person prompt.Prompter = prompt.NewSurvey(f.Keyboard(), f.IO.ErrFile)
	if f.Plain() {
		person = prompt.NewLine(f.Keyboard(), f.IO.ErrOut).WithWidth(func() int {
			size, _ := f.IO.Size()
			return size.Cols
		})
	}
	return prompt.Layered{Given: given, Person: person}
}

// Plain is true for plain line-by-line output and prompts: --accessible, TERM=dumb or
// MFA_ONBOARD_ACCESSIBLE (screen readers, Git Bash/mintty, simple terminals).
func (f *Factory) Plain() bool {
	return f.Accessible || f.Getenv("TERM") == "dumb" || f.Getenv("MFA_ONBOARD_ACCESSIBLE") != ""
}

// Keyboard is the terminal's input for an interactive run, made once: it keeps keys
// typed while nothing is asked from becoming the next answer.
func (f *Factory) Keyboard() *keyboard.Keyboard {
	if f.keys == nil {
		f.keys = keyboard.New(f.IO.InFile)
	}
	return f.keys
}

// ProgramName is the command a person can type to run this program again: the plain
// name when that is what their PATH finds, else the path they used (./bin/mfa-onboard
// under make run), so that "run … start to carry on" works when copied.
func (f *Factory) ProgramName() string {
	const name = "mfa-onboard"
	if f.Program == "" || !strings.ContainsAny(f.Program, `/\`) {
		return name
	}
	if found, err := exec.LookPath(name); err == nil {
		a, errA := os.Stat(found)
		b, errB := os.Stat(f.Program)
		if errA == nil && errB == nil && os.SameFile(a, b) {
			return name
		}
	}
	return f.Program
}

// Secrets reads the providers' secrets from the environment, files and the keychain.
func (f *Factory) Secrets() secret.Reader {
	return secret.Reader{Getenv: f.Getenv, Keychain: f.Keychain}
}

// Close gives the terminal back as the run found it.
func (f *Factory) Close() {
	if f.keys != nil {
		_ = f.keys.Close()
	}
}

// Screen returns the human output for this run.
func (f *Factory) Screen() *screen.Screen {
	o := screen.Options{
		Size:     f.IO.Size,
		TTY:      f.IO.ErrTTY && f.IO.Colour,
		Plain:    f.Plain(),
		NoColour: f.Getenv("NO_COLOR") != "" || !f.IO.Colour,
	}
	if f.Interactive() {
		o.Enter = f.Keyboard().Enter
	}
	return screen.New(f.IO.ErrOut, o)
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
