package cli

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/audit"
	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/config"
	"github.com/mfa-onboard/mfa-onboard/internal/keyboard"
	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
	"github.com/mfa-onboard/mfa-onboard/internal/pgstore"
	"github.com/mfa-onboard/mfa-onboard/internal/phone"
	"github.com/mfa-onboard/mfa-onboard/internal/profile"
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

	// Whoami is the account signed in and this computer's name, for the audit; nil
	// means the operating system's (tests give fixed ones).
	Whoami func() (osUser, machine string)

	// keys is the terminal's keyboard, made on first use by an interactive run.
	keys *keyboard.Keyboard
	// vendors, when set, are the vendor clients (and their rate limiters) every
	// provider set of this factory uses: a batch's runs share one set, so vendors see
	// the batch's total rate and one client.
	vendors *vendorClients
	// stores are the state stores made so far, by folder (see Store).
	stores *storeCache

	// Global flags.
	HomeFlag       string
	ConfigFlag     string
	ProfileFlag    string
	TechnicianFlag string
	NonInteractive bool
	Accessible     bool
	LangFlag       string

	// SpeakLanguage, when set, is told the language once Run has chosen it, for what
	// keeps its words process-wide (survey's menus); tests leave it nil.
	SpeakLanguage func(*catalog.Printer)

	// Text is the message catalogue in the language of this run (see Run, which
	// chooses it before the command tree is built: the help is in it too).
	Text *catalog.Printer
}

// BuildInfo says which build this is.
type BuildInfo struct {
	Version string
	Commit  string
	// Date is when the build's commit was made or the release built (RFC 3339), ""
	// when nothing recorded it.
	Date string
}

// Home is the home folder: --home, then MFA_ONBOARD_HOME, then the OS's user config
// folder. It holds the default customer's files and the profiles folder; what a run
// reads and writes is in Dir.
func (f *Factory) Home() (string, error) {
	if f.HomeFlag != "" {
		return filepath.Abs(f.HomeFlag)
	}
	if h := f.Getenv("MFA_ONBOARD_HOME"); h != "" {
		return filepath.Abs(h)
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", usage(catalog.Wrap(err, "cli.home.none"))
	}
	return filepath.Join(dir, "mfa-onboard"), nil
}

// Profile is the customer this run works for: --profile, then MFA_ONBOARD_PROFILE,
// else the home folder's own. A name that was never added is a usage error saying
// how to add it; nothing is created for it.
func (f *Factory) Profile() (profile.Profile, error) {
	home, err := f.Home()
	if err != nil {
		return profile.Profile{}, err
	}
	name, from := f.ProfileFlag, "--profile"
	if name == "" {
		name, from = f.Getenv("MFA_ONBOARD_PROFILE"), "MFA_ONBOARD_PROFILE"
	}
	p, err := profile.Open(home, name)
	var bad *profile.NameError
	var missing *profile.NotFoundError
	if errors.As(err, &bad) || errors.As(err, &missing) {
		return p, usage(catalog.Wrap(err, "cli.error.labelled", "Label", from))
	}
	return p, err
}

// Dir is the folder of the customer's files (config, state, outbox, demo records,
// audit): the profile's folder, which is the home folder itself for the default.
func (f *Factory) Dir() (string, error) {
	p, err := f.Profile()
	return p.Dir, err
}

// DirAndConfig is the customer's folder and the configuration in force there.
func (f *Factory) DirAndConfig() (string, *config.Config, error) {
	dir, err := f.Dir()
	if err != nil {
		return "", nil, err
	}
	cfg, err := f.Config(dir)
	return dir, cfg, err
}

// Config loads --config, or config.yaml in the customer's folder dir, over the
// embedded default.
//
// A file is read once a process: the command and the store it opens (which reads
// store:) both need it. Each caller gets a copy of its own of the top level (a
// command may set a field; none changes what is nested).
func (f *Factory) Config(dir string) (*config.Config, error) {
	path, required := filepath.Join(dir, profile.ConfigFile), false
	if f.ConfigFlag != "" {
		path, required = f.ConfigFlag, true
	}
	c := f.cache()
	c.mu.Lock()
	cfg := c.configs[path]
	c.mu.Unlock()
	if cfg == nil {
		loaded, err := config.Load(path, required)
		if err != nil {
			return nil, err
		}
		c.mu.Lock()
		c.configs[path], cfg = loaded, loaded
		c.mu.Unlock()
	}
	own := *cfg
	return &own, nil
}

// cache is the process's stores and configuration files, made on first use.
func (f *Factory) cache() *storeCache {
	if f.stores == nil {
		f.stores = &storeCache{m: map[string]state.Store{}, configs: map[string]*config.Config{}}
	}
	return f.stores
}

// Store returns the state store of the customer whose folder is dir: the state
// files there, or the PostgreSQL database the folder's config.yaml names under
// store. What it saves says who ran the run as the audit does (Actor).
func (f *Factory) Store(dir string) (state.Store, error) {
	cfg, err := f.Config(dir)
	if err != nil {
		return nil, err
	}
	f.stores.mu.Lock()
	defer f.stores.mu.Unlock()
	if s := f.stores.m[dir]; s != nil {
		return s, nil
	}
	var s state.Store
	if cfg.Store.Shared() {
		pg, err := f.openShared(dir, cfg.Store)
		if err != nil {
			return nil, err
		}
		f.stores.closers = append(f.stores.closers, pg.Close)
		s = pg
	} else {
		s = state.NewFiles(filepath.Join(dir, profile.StateDir))
	}
	a := f.Actor()
	s.SetRunner(state.Runner{OSUser: a.Technician.OSUser, Machine: a.Machine, Technician: a.Technician.Name})
	f.stores.m[dir] = s
	return s, nil
}

// openShared opens the team's database for the customer whose folder is dir; its
// people are kept under the profile's name, so that the database can hold many
// customers.
func (f *Factory) openShared(dir string, c config.Store) (*pgstore.Store, error) {
	dsn, err := f.storeDSN(c)
	if err != nil {
		return nil, err
	}
	name := filepath.Base(dir)
	if p, err := f.Profile(); err == nil && p.Dir == dir {
		name = p.Name
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return pgstore.Open(ctx, dsn, name)
}

// storeDSN is the team database's connection string, from where config.yaml says.
func (f *Factory) storeDSN(c config.Store) (string, error) {
	dsn, err := f.Secrets().Read(secret.Source{Key: "store.dsn_env", Env: c.DSNEnv, File: c.DSNFile, Keychain: c.DSNKeychain})
	if err != nil {
		return "", &config.Error{File: "config", Err: err}
	}
	return dsn, nil
}

// storeCache keeps one Store per folder for a process, shared by a batch's runs
// (each a copy of the Factory), so that what a Store does once — looking through the
// folder for a killed run's leftovers — is done once, not once per person.
type storeCache struct {
	mu sync.Mutex
	m  map[string]state.Store
	// closers end the database stores' connections when the process's run ends.
	closers []func()
	// configs are the configuration files read so far, by path (see Config).
	configs map[string]*config.Config
}

// Actor is who this run acts as, for the audit: the OS account, the name given with
// --technician (or MFA_ONBOARD_TECHNICIAN), and this computer.
func (f *Factory) Actor() audit.Actor {
	who := f.Whoami
	if who == nil {
		who = systemWhoami(f.Getenv)
	}
	osUser, machine := who()
	name := strings.TrimSpace(f.TechnicianFlag)
	if name == "" {
		name = strings.TrimSpace(f.Getenv("MFA_ONBOARD_TECHNICIAN"))
	}
	return audit.Actor{Technician: audit.Technician{Name: name, OSUser: osUser}, Machine: machine}
}

// systemWhoami asks the OS who is signed in (DOMAIN\user on Windows) and the host
// name, falling back on the environment where there is no account database (a
// container).
func systemWhoami(getenv func(string) string) func() (string, string) {
	return func() (string, string) {
		name := ""
		if u, err := user.Current(); err == nil {
			name = u.Username
		}
		for _, k := range []string{"USER", "USERNAME"} {
			if name == "" {
				name = getenv(k)
			}
		}
		if name == "" {
			name = "unknown"
		}
		return name, hostname()
	}
}

// Audit is the audit log of the customer whose folder is dir, written as this run's
// actor: the folder's audit.jsonl, or the team's database where the progress is
// kept there too.
func (f *Factory) Audit(dir string) (*audit.Log, error) {
	store, err := f.Store(dir)
	if err != nil {
		return nil, err
	}
	if shared, ok := store.(audit.Shared); ok {
		return audit.NewShared(shared, f.Actor(), f.Clock), nil
	}
	return audit.New(filepath.Join(dir, profile.AuditFile), f.Actor(), f.Clock), nil
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
	var person prompt.Prompter = prompt.NewSurvey(f.Keyboard(), f.IO.ErrFile).WithText(f.Text)
	if f.Plain() {
		person = prompt.NewLine(f.Keyboard(), f.IO.ErrOut).WithText(f.Text).WithWidth(func() int {
			size, _ := f.IO.Size()
			return size.Cols
		})
	}
	return prompt.Layered{Given: given, Person: person}
}

// Plain is true for plain line-by-line output and prompts: --accessible,
// MFA_ONBOARD_ACCESSIBLE=1, TERM=dumb, or Git Bash's mintty (screen readers, simple
// terminals, and a terminal whose console the arrow-key menus cannot drive).
func (f *Factory) Plain() bool {
	if v, set := accessibleEnv(f.Getenv("MFA_ONBOARD_ACCESSIBLE")); set {
		return f.Accessible || v
	}
	return f.Accessible || f.Getenv("TERM") == "dumb" || mintty(f.Getenv)
}

// accessibleEnv reads MFA_ONBOARD_ACCESSIBLE: set is false when it is empty, and a
// value that is not a clear no (0, false, no, off) means yes, as the variable's
// presence always did.
func accessibleEnv(v string) (on, set bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "":
		return false, false
	case "0", "false", "no", "off":
		return false, true
	}
	return true, true
}

// mintty reports whether the program runs in mintty, Git Bash's and MSYS2's terminal:
// it says so in TERM_PROGRAM, and MSYSTEM (MINGW64, UCRT64…) is set in its shells.
// Its console is emulated, and full-screen menus draw badly there or not at all.
func mintty(getenv func(string) string) bool {
	return getenv("TERM_PROGRAM") == "mintty" || getenv("MSYSTEM") != ""
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
// under make run), so that "run … start to carry on" works when copied. For a named
// profile it carries --profile: without it, the command would work for the default
// customer instead.
func (f *Factory) ProgramName() string {
	name := f.programPath()
	if p, err := f.Profile(); err == nil && !p.IsDefault() {
		name += " --profile " + p.Name
	}
	return name
}

func (f *Factory) programPath() string {
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
	if f.stores != nil {
		f.stores.mu.Lock()
		closers := f.stores.closers
		f.stores.closers = nil
		f.stores.mu.Unlock()
		for _, c := range closers {
			c()
		}
	}
}

// Screen returns the human output for this run.
func (f *Factory) Screen() *screen.Screen {
	o := screen.Options{
		Size:     f.IO.Size,
		TTY:      f.IO.ErrTTY && f.IO.Colour,
		Plain:    f.Plain(),
		NoColour: f.Getenv("NO_COLOR") != "" || !f.IO.Colour,
		Text:     f.Text,
	}
	if f.Interactive() {
		o.Enter = f.Keyboard().Enter
	}
	return screen.New(f.IO.ErrOut, o)
}

// Providers returns the providers named in cfg. Real ones are built when a step
// first needs them, so a run that never reaches Duo never needs Duo's keys.
func (f *Factory) Providers(dir string, cfg *config.Config, scr *screen.Screen) (provider.Set, error) {
	box := outbox.New(filepath.Join(dir, profile.OutboxFile), func(m outbox.Message) {
		to := m.To
		if strings.HasPrefix(to, "+") {
			to = phone.Mask(to)
		}
		scr.PhoneMessage(m.Channel, to, m.Text)
	})
	demo := fake.NewServices(filepath.Join(dir, profile.DemoFile), fake.OptionsFrom(cfg).WithText(f.Text), box, f.Clock)
	vendors := f.vendors
	if vendors == nil {
		vendors = newVendorClients(cfg.Limits.Rate, f.Clock)
	}
	return &roles{cfg: cfg, demo: demo, demoSet: demo.Set(cfg.Support.Email), f: f, vendors: vendors}, nil
}
