// Package secret reads provider secrets from where config says they are: an
// environment variable, a file readable by its owner only, or the OS keychain (a
// technician's laptop). Secrets are never in the config file itself, the state, the
// audit log or any output.
package secret

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
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
		return "", fmt.Errorf("%s: give one of %s_env, %s_file and %s_keychain, not several", s.Key, s.Key, s.Key, s.Key)
	case s.Keychain != "":
		return r.fromKeychain(s)
	case s.Env != "":
		v := strings.TrimSpace(getenv(s.Env))
		if v == "" {
			return "", fmt.Errorf("%s: the environment variable %s named by %s_env is empty or not set; set it to the secret", s.Key, s.Env, s.Key)
		}
		return v, nil
	case s.File != "":
		fi, err := os.Stat(s.File)
		if err != nil {
			return "", fmt.Errorf("%s: cannot read the file %s named by %s_file: %w", s.Key, s.File, s.Key, err)
		}
		if runtime.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
			return "", fmt.Errorf("%s: the file %s can be read by others (mode %v); run chmod 600 on it", s.Key, s.File, fi.Mode().Perm())
		}
		data, err := os.ReadFile(s.File)
		if err != nil {
			return "", fmt.Errorf("%s: cannot read the file %s: %w", s.Key, s.File, err)
		}
		v := strings.TrimSpace(string(data))
		if v == "" {
			return "", fmt.Errorf("%s: the file %s is empty; put the secret in it", s.Key, s.File)
		}
		return v, nil
	}
	return "", errors.New(s.Key + ": missing; set " + s.Key + "_env to an environment variable holding the secret, " + s.Key + "_file to a file (mode 0600), or " + s.Key + "_keychain to an entry made with mfa-onboard secrets set")
}

func (r Reader) fromKeychain(s Source) (string, error) {
	if r.Keychain == nil {
		return "", fmt.Errorf("%s: %w; use %s_env or %s_file", s.Key, ErrNoKeychain, s.Key, s.Key)
	}
	v, err := r.Keychain.Get(s.Keychain)
	switch {
	case errors.Is(err, ErrNotInKeychain):
		return "", fmt.Errorf("%s: the keychain has no entry %q (named by %s_keychain); add it with: mfa-onboard secrets set %s", s.Key, s.Keychain, s.Key, s.Keychain)
	case errors.Is(err, ErrNoKeychain):
		return "", fmt.Errorf("%s: %w; use %s_env or %s_file on this computer", s.Key, err, s.Key, s.Key)
	case err != nil:
		return "", fmt.Errorf("%s: read the keychain entry %q: %w", s.Key, s.Keychain, err)
	}
	if v = strings.TrimSpace(v); v == "" {
		return "", fmt.Errorf("%s: the keychain entry %q is empty; set it again with mfa-onboard secrets set %s", s.Key, s.Keychain, s.Keychain)
	}
	return v, nil
}
