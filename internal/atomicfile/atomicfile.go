// Package atomicfile replaces a file's contents so that a crash leaves either the old
// or the new contents, never a mix: state and demo-service files depend on it.
package atomicfile

// WriteFile replaces path with data, readable and writable by the owner only (0600
// on Unix). The folder must exist.
func WriteFile(path string, data []byte) error {
	return writeFile(path, data)
}
