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
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

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
	Name   string
	Reason string
}

func (e *NameError) Error() string {
	return fmt.Sprintf("profile name %q %s", e.Name, e.Reason)
}

// NotFoundError is a named profile that has not been added.
type NotFoundError struct {
	Name string
	// Existing are the profiles that have been added, sorted.
	Existing []string
}

func (e *NotFoundError) Error() string {
	list := "there are no profiles yet"
	if len(e.Existing) > 0 {
		list = "the profiles are: " + strings.Join(e.Existing, ", ")
	}
	return fmt.Sprintf("there is no profile %q (%s); add it with \"mfa-onboard profiles add %s\", or choose another with --profile", e.Name, list, e.Name)
}

// ExistsError is a profile Add was asked for that was added before.
type ExistsError struct{ Profile Profile }

func (e *ExistsError) Error() string {
	return fmt.Sprintf("the profile %q already exists, in %s; choose it with --profile %s", e.Profile.Name, e.Profile.Dir, e.Profile.Name)
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
	bad := func(reason string) error { return &NameError{Name: name, Reason: reason} }
	switch {
	case name == "":
		return bad("is empty; give a short name such as contoso")
	case len(name) > MaxNameLen:
		return bad(fmt.Sprintf("is longer than %d characters", MaxNameLen))
	case name == DefaultName:
		return bad("is the home folder's own customer, which needs no adding; choose another name")
	case slices.Contains(windowsDevices, name):
		return bad("is a device name on Windows, which no folder may have; choose another")
	}
	for _, r := range name {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '-' {
			if lower := strings.ToLower(name); lower != name && CheckName(lower) == nil {
				return bad(fmt.Sprintf("may hold only lower-case letters, digits and '-'; use %q", lower))
			}
			return bad("may hold only lower-case letters a-z, digits and '-'")
		}
	}
	switch {
	case name[0] == '-':
		return bad("must begin with a letter or a digit")
	case name[len(name)-1] == '-':
		return bad("must end with a letter or a digit")
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
		return Profile{}, fmt.Errorf("look at the folder of profile %q, %s (%w); check that you may read it", name, p.Dir, err)
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
		return fmt.Errorf("the profile folder %s is a symbolic link, and a customer's files are kept only in a folder of the tool's own; replace the link with the folder itself", path)
	case !fi.IsDir():
		return fmt.Errorf("the profile folder %s is not a folder; move it away, then add the profile again", path)
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
		return out, fmt.Errorf("read the profiles folder %s (%w); check that you may read it", filepath.Join(home, Folder), err)
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
		return Profile{}, fmt.Errorf("look at the folder of profile %q, %s (%w); check that you may read it", name, p.Dir, err)
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
		return Profile{}, fmt.Errorf("create the profiles folder %s (%w); check that you may write to %s", parent, err, home)
	}
	tmp, err := os.MkdirTemp(parent, ".new-"+name+"-")
	if err != nil {
		return Profile{}, fmt.Errorf("create the folder of profile %q in %s (%w); check that you may write there", name, parent, err)
	}
	done := false
	defer func() {
		if !done {
			_ = os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o700); err != nil {
		return Profile{}, fmt.Errorf("make the folder of profile %q private (%w); check that you own %s", name, err, parent)
	}
	if data != nil {
		if err := os.WriteFile(filepath.Join(tmp, ConfigFile), data, 0o600); err != nil {
			return Profile{}, fmt.Errorf("write the config of profile %q (%w); free some disk space and add it again", name, err)
		}
	}
	if err := os.Rename(tmp, p.Dir); err != nil {
		return Profile{}, fmt.Errorf("create the folder of profile %q, %s (%w); check that nothing else made it meanwhile, then add it again", name, p.Dir, err)
	}
	done = true
	return p, nil
}

// readConfig reads the file a new profile's config is copied from, at most as much
// as a config may hold.
func readConfig(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read the config file %s to copy (%w); check the --config path", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, config.MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read the config file %s to copy (%w); check the --config path", path, err)
	}
	if len(data) > config.MaxFileSize {
		return nil, fmt.Errorf("the config file %s is larger than 256 KiB, and a configuration is a few kilobytes; check that it is the file meant", path)
	}
	return data, nil
}
