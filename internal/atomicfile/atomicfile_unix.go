//go:build !windows

package atomicfile

import (
	"path/filepath"

	"github.com/google/renameio/v2"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/faultpoint"
)

// writeFile forces 0600 even over an existing looser file, which renameio.WriteFile
// would keep (it copies the old permissions).
func writeFile(path string, data []byte) error {
	f, err := renameio.NewPendingFile(path, renameio.WithTempDir(filepath.Dir(path)), renameio.WithStaticPermissions(0o600))
	if err != nil {
		return catalog.Wrap(err, "files.write", "Path", path)
	}
	defer f.Cleanup()
	if _, err := f.Write(data); err != nil {
		return catalog.Wrap(err, "files.write", "Path", path)
	}
	if err := f.CloseAtomicallyReplace(); err != nil {
		return catalog.Wrap(err, "files.write", "Path", path)
	}
	faultpoint.Hit(faultpoint.Rename, path) // make test-faults kills here; nothing in other builds
	return nil
}
