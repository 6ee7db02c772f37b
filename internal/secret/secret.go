// Package secret reads provider secrets from where config says they are: an
// environment variable or a file readable by its owner only. Secrets are never in
// the config file itself, the state, the audit log or any output.
package secret

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strings"
)

// Source says where one secret is: Env names a variable, File a path. Key is the
// config key that names them, for messages (e.g. "duo.admin_skey").
type Source struct {
	Key  string
	Env  string
	File string
}

// Read returns the secret. It refuses a file that others can read, because a secret
// there is no longer only the technician's.
func Read(s Source, getenv func(string) string) (string, error) {
	switch {
	case s.Env != "" && s.File != "":
		return "", fmt.Errorf("%s: give %s_env or %s_file, not both", s.Key, s.Key, s.Key)
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
	return "", errors.New(s.Key + ": missing; set " + s.Key + "_env to an environment variable holding the secret, or " + s.Key + "_file to a file (mode 0600)")
}
