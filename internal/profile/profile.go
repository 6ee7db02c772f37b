// Package profile says where one customer's files are. A managed-service provider
// onboards several customers from one computer, and nothing may ever mix two
// customers' users, so each customer (a profile) has a folder of its own under the
// home folder, <home>/profiles/<name>/, holding everything that customer's runs
// read and write: config.yaml, state/, outbox.jsonl, the demo services' records and
// audit.jsonl.
//
// The unnamed default customer is the home folder itself, laid out as it always
// was, so that existing installations keep working with nothing moved. The default
// never reads the profiles folder and a named profile never reads the home folder's
// files.
package profile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/config"
)

// DefaultName is how the home folder's own customer is named in lists and chosen
// explicitly (--profile default), for instance to override MFA_ONBOARD_PROFILE.
const DefaultName = "default"

// MaxNameLen is the longest profile name: a customer's short name, not a sentence.
const MaxNameLen = 40

// Folder is the folder under the home folder that holds the named profiles.
const Folder = "profiles"

// The files of a profile, the same names in every profile's folder.
const (
	ConfigFile = "config.yaml"
	StateDir   = "state"
	OutboxFile = "outbox.jsonl"
	DemoFile   = "demo-services.json"
	AuditFile  = "audit.jsonl"
)

// Profile is one customer: its name and the folder its files are in.
type Profile struct {
	// Name is the profile's name, DefaultName for the home folder's own customer.
	Name string
	// Dir is the folder holding the customer's files: the home folder itself for the
	// default, <home>/profiles/<name> for the others.
	Dir string
}

// IsDefault is true for the home folder's own customer.
func (p Profile) IsDefault() bool { return p.Name == DefaultName }

// ConfigPath is the customer's config.yaml.
func (p Profile) ConfigPath() string { return filepath.Join(p.Dir, ConfigFile) }

// StateDir is the folder of the customer's per-user state files.
func (p Profile) StateDir() string { return filepath.Join(p.Dir, StateDir) }

// OutboxPath is the demo phone of the customer's runs.
func (p Profile) OutboxPath() string { return filepath.Join(p.Dir, OutboxFile) }

// DemoPath is the demo services' own records for the customer.
func (p Profile) DemoPath() string { return filepath.Join(p.Dir, DemoFile) }

// AuditPath is the customer's audit log.
func (p Profile) AuditPath() string { return filepath.Join(p.Dir, AuditFile) }

// NameError is a profile name that breaks the naming rule.
type NameError struct {
	Name string
	// Reason is the sentence saying which rule Name breaks, in English.
	Reason string
	// reason is that sentence as a catalogue message, to be said in any language.
	reason *catalog.Error
}

func (e *NameError) Error() string { return e.Reason }

// Localize is the sentence in p's language.
func (e *NameError) Localize(p *catalog.Printer) string {
	if e.reason == nil {
		return e.Reason
	}
	return e.reason.Localize(p)
}

// NotFoundError is a named profile that has not been added.
type NotFoundError struct {
	Name string
	// Existing are the profiles that have been added, sorted.
	Existing []string
}

func (e *NotFoundError) Error() string { return e.Localize(nil) }

// Localize is the error in p's language.
func (e *NotFoundError) Localize(p *catalog.Printer) string {
	if len(e.Existing) > 0 {
		return p.T("profile.not-found.others", "Quoted", strconv.Quote(e.Name), "Name", e.Name, "Existing", strings.Join(e.Existing, ", "))
	}
	return p.T("profile.not-found.none", "Quoted", strconv.Quote(e.Name), "Name", e.Name)
}

// ExistsError is a profile Add was asked for that was added before.
type ExistsError struct{ Profile Profile }

func (e *ExistsError) Error() string { return e.Localize(nil) }

// Localize is the error in p's language.
func (e *ExistsError) Localize(p *catalog.Printer) string {
	return p.T("profile.exists", "Quoted", strconv.Quote(e.Profile.Name), "Dir", e.Profile.Dir, "Name", e.Profile.Name)
}

// windowsDevices are names Windows keeps for devices in every folder: a folder called
// "con" cannot be made there, so such a name would work on one computer only.
// https://learn.microsoft.com/windows/win32/fileio/naming-a-file#naming-conventions
var windowsDevices = []string{"con", "prn", "aux", "nul",
	"com0", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8", "com9",
	"lpt0", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9"}

// CheckName says whether name may name a profile: 1 to 40 lower-case ASCII letters,
// digits and '-', beginning and ending with a letter or digit, not "default" and not
// a name Windows keeps for a device. Lower case only, because macOS and Windows fold
// case in file names: "Contoso" and "contoso" would be two customers in one folder.
// Nothing else, so that a name is a plain folder name everywhere and never a path.
func CheckName(name string) error {
	bad := func(reason *catalog.Error) error {
		return &NameError{Name: name, Reason: reason.Error(), reason: reason}
	}
	quoted := strconv.Quote(name)
	switch {
	case name == "":
		return bad(catalog.NewError("profile.name.empty", "Name", quoted))
	case len(name) > MaxNameLen:
		return bad(catalog.NewError("profile.name.too-long", "Name", quoted, "Max", MaxNameLen))
	case name == DefaultName:
		return bad(catalog.NewError("profile.name.default", "Name", quoted))
	case slices.Contains(windowsDevices, name):
		return bad(catalog.NewError("profile.name.device", "Name", quoted))
	}
	for _, r := range name {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			if lower := strings.ToLower(name); lower != name && CheckName(lower) == nil {
				return bad(catalog.NewError("profile.name.upper-case", "Name", quoted, "Lower", strconv.Quote(lower)))
			}
			return bad(catalog.NewError("profile.name.characters", "Name", quoted))
		}
	}
	switch {
	case name[0] == '-':
		return bad(catalog.NewError("profile.name.begin", "Name", quoted))
	case name[len(name)-1] == '-':
		return bad(catalog.NewError("profile.name.end", "Name", quoted))
	}
	return nil
}

// Default is the home folder's own customer.
func Default(home string) Profile {
	return Profile{Name: DefaultName, Dir: home}
}

func namedDir(home, name string) string {
	return filepath.Join(home, Folder, name)
}

// Open returns the profile called name in home: the default for "" or "default",
// else a profile that was added, which must be a folder of its own. A name that was
// never added is a *NotFoundError listing the ones that were; nothing is created.
func Open(home, name string) (Profile, error) {
	if name == "" || name == DefaultName {
		return Default(home), nil
	}
	if err := CheckName(name); err != nil {
		return Profile{}, err
	}
	p := Profile{Name: name, Dir: namedDir(home, name)}
	fi, err := os.Lstat(p.Dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		nf := &NotFoundError{Name: name}
		all, lerr := List(home)
		if lerr != nil {
			return Profile{}, errors.Join(nf, lerr)
		}
		for _, q := range all {
			if !q.IsDefault() {
				nf.Existing = append(nf.Existing, q.Name)
			}
		}
		return Profile{}, nf
	case err != nil:
		return Profile{}, catalog.Wrap(err, "profile.folder.look", "Name", strconv.Quote(name), "Dir", p.Dir)
	}
	if err := ownFolder(p.Dir, fi); err != nil {
		return Profile{}, err
	}
	return p, nil
}

// ownFolder refuses anything but a real folder: a link could put a customer's state
// and audit where others can read them, as the state folder refuses one too.
func ownFolder(path string, fi fs.FileInfo) error {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return catalog.NewError("profile.folder.link", "Dir", path)
	case !fi.IsDir():
		return catalog.NewError("profile.folder.not-a-folder", "Dir", path)
	}
	return nil
}

// List returns the default first, then every profile added in home, by name.
// Anything else in the profiles folder (a file, a folder whose name is not a
// profile's, a link) is not listed. A home folder that does not exist yet holds the
// default alone.
func List(home string) ([]Profile, error) {
	out := []Profile{Default(home)}
	entries, err := os.ReadDir(filepath.Join(home, Folder))
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return out, catalog.Wrap(err, "profile.profiles.read", "Dir", filepath.Join(home, Folder))
	}
	for _, e := range entries {
		if e.IsDir() && e.Type()&fs.ModeSymlink == 0 && CheckName(e.Name()) == nil {
			out = append(out, Profile{Name: e.Name(), Dir: namedDir(home, e.Name())})
		}
	}
	// ReadDir sorts by name already; the default stays first.
	return out, nil
}

// Add creates the profile called name in home: its folder, readable by its owner
// only, and, when configFrom is not "", its config.yaml copied from that file (0600).
// The folder appears whole or not at all: it is made under a temporary name and
// renamed once complete, so a run stopped half-way leaves no profile without its
// config. The file's contents are copied as they are; checking them is the caller's.
func Add(home, name, configFrom string) (Profile, error) {
	if err := CheckName(name); err != nil {
		return Profile{}, err
	}
	p := Profile{Name: name, Dir: namedDir(home, name)}
	if _, err := os.Lstat(p.Dir); err == nil {
		return Profile{}, &ExistsError{Profile: p}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return Profile{}, catalog.Wrap(err, "profile.folder.look", "Name", strconv.Quote(name), "Dir", p.Dir)
	}
	var data []byte
	if configFrom != "" {
		var err error
		if data, err = readConfig(configFrom); err != nil {
			return Profile{}, err
		}
	}
	parent := filepath.Dir(p.Dir)
	if err := os.MkdirAll(parent, 0o700); err != nil {
		return Profile{}, catalog.Wrap(err, "profile.profiles.create", "Dir", parent, "Home", home)
	}
	tmp, err := os.MkdirTemp(parent, ".new-"+name+"-")
	if err != nil {
		return Profile{}, catalog.Wrap(err, "profile.folder.create-temp", "Name", strconv.Quote(name), "Dir", parent)
	}
	done := false
	defer func() {
		if !done {
			_ = os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o700); err != nil {
		return Profile{}, catalog.Wrap(err, "profile.folder.private", "Name", strconv.Quote(name), "Dir", parent)
	}
	if data != nil {
		if err := os.WriteFile(filepath.Join(tmp, ConfigFile), data, 0o600); err != nil {
			return Profile{}, catalog.Wrap(err, "profile.config.write", "Name", strconv.Quote(name))
		}
	}
	if err := os.Rename(tmp, p.Dir); err != nil {
		return Profile{}, catalog.Wrap(err, "profile.folder.create", "Name", strconv.Quote(name), "Dir", p.Dir)
	}
	done = true
	return p, nil
}

// readConfig reads the file a new profile's config is copied from, at most as much
// as a config may hold.
func readConfig(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, catalog.Wrap(err, "profile.config.read", "Path", path)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, config.MaxFileSize+1))
	if err != nil {
		return nil, catalog.Wrap(err, "profile.config.read", "Path", path)
	}
	if len(data) > config.MaxFileSize {
		return nil, catalog.NewError("profile.config.too-large", "Path", path)
	}
	return data, nil
}
