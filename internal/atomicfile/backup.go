package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// replaceWithBackup is the save for systems where renameio has no atomic
// replace: the old file survives as <path>.bak in case the rename is not atomic.
func replaceWithBackup(path string, data []byte) (err error) {
	defer func() {
		if err != nil {
			err = catalog.Wrap(err, "files.write", "Path", path)
		}
	}()
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	old, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err = os.WriteFile(path+".bak", old, 0o600); err != nil {
			return err
		}
	case !errors.Is(err, fs.ErrNotExist):
		return err
	}
	return os.Rename(tmp.Name(), path)
}
