// Package secret reads provider secrets from where config says they are: an
// environment variable, a file readable by its owner only, or the OS keychain (a
// technician's laptop). Secrets are never in the config file itself, the state, the
// audit log or any output.
package secret

import (
	"errors"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// Source says where one secret is: Env names a variable, File a path, Keychain the
// name of an entry in the OS keychain. Key is the config key that names them, for
// messages (e.g. "duo.admin_skey").
type Source struct {
	Key      string
	Env      string
	File     string
	Keychain string
}

// Reader reads secrets: Getenv is the environment, Keychain the OS keychain (nil where
// none may be used).
type Reader struct {
	Getenv   func(string) string
	Keychain Keychain
}

// Read returns the secret. It refuses a file that others can read, because a secret
// there is no longer only the technician's.
func (r Reader) Read(s Source) (string, error) {
	getenv := r.Getenv
	given := 0
	for _, v := range []string{s.Env, s.File, s.Keychain} {
		if v != "" {
			given++
		}
	}
	switch {
	case given > 1:
		return "", catalog.NewError("secret.several", "Key", s.Key)
	case s.Keychain != "":
		return r.fromKeychain(s)
	case s.Env != "":
		v := strings.TrimSpace(getenv(s.Env))
		if v == "" {
			return "", catalog.NewError("secret.env.empty", "Key", s.Key, "Env", s.Env)
		}
		return v, nil
	case s.File != "":
		fi, err := os.Stat(s.File)
		if err != nil {
			return "", catalog.Wrap(err, "secret.file.missing", "Key", s.Key, "File", s.File)
		}
		if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
			return "", catalog.NewError("secret.file.open", "Key", s.Key, "File", s.File, "Mode", fi.Mode().Perm().String())
		}
		data, err := os.ReadFile(s.File)
		if err != nil {
			return "", catalog.Wrap(err, "secret.file.read", "Key", s.Key, "File", s.File)
		}
		v := strings.TrimSpace(string(data))
		if v == "" {
			return "", catalog.NewError("secret.file.empty", "Key", s.Key, "File", s.File)
		}
		return v, nil
	}
	return "", catalog.NewError("secret.missing", "Key", s.Key)
}

func (r Reader) fromKeychain(s Source) (string, error) {
	if r.Keychain == nil {
		return "", catalog.Wrap(ErrNoKeychain, "secret.keychain.none", "Key", s.Key)
	}
	v, err := r.Keychain.Get(s.Keychain)
	switch {
	case errors.Is(err, ErrNotInKeychain):
		return "", catalog.NewError("secret.keychain.no-entry", "Key", s.Key, "Entry", strconv.Quote(s.Keychain), "Name", s.Keychain)
	case errors.Is(err, ErrNoKeychain):
		return "", catalog.Wrap(err, "secret.keychain.unavailable", "Key", s.Key)
	case err != nil:
		return "", catalog.Wrap(err, "secret.keychain.read", "Key", s.Key, "Entry", strconv.Quote(s.Keychain))
	}
	if v = strings.TrimSpace(v); v == "" {
		return "", catalog.NewError("secret.keychain.empty", "Key", s.Key, "Entry", strconv.Quote(s.Keychain), "Name", s.Keychain)
	}
	return v, nil
}
