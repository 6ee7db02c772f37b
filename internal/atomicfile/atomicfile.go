// Package atomicfile replaces a file's contents so that a crash leaves either the old
// or the new contents, never a mix: state and demo-service files depend on it.
package atomicfile

import "strings"

// WriteFile replaces path with data, readable and writable by the owner only (0600
// on Unix). The folder must exist.
func WriteFile(path string, data []byte) error {
	return writeFile(path, data)
}

// TempTarget says whether name is the temporary file of a WriteFile that never
// finished (the process was killed between creating and renaming it) and, if so, the
// name of the file it was meant to replace. Both ways of writing leave a temporary
// file next to the target: renameio's is "." + target + a decimal number, and
// replaceWithBackup's is "." + target + ".tmp" + a decimal number. Only the caller
// knows which targets are its own, and whether the writer can still be running.
func TempTarget(name string) (target string, ok bool) {
	rest, ok := strings.CutPrefix(name, ".")
	if !ok {
		return "", false
	}
	end := len(rest)
	for end > 0 && '0' <= rest[end-1] && rest[end-1] <= '9' {
		end--
	}
	if end == len(rest) || end == 0 {
		return "", false
	}
	target = strings.TrimSuffix(rest[:end], ".tmp")
	return target, target != ""
}
