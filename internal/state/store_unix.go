//go:build !windows

package state

import (
	"os"
)

// tightenDir fixes a state folder someone created with looser permissions.
func tightenDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if fi.Mode().Perm() == 0o700 {
		return nil
	}
	return os.Chmod(dir, 0o700)
}
