//go:build windows

package atomicfile

// writeFile cannot use renameio, which has no atomic replace on Windows.
func writeFile(path string, data []byte) error {
	return replaceWithBackup(path, data)
}
