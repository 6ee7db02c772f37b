//go:build windows

package outbox

import "os"

// writeOnce writes b with the file's own Write: one WriteFile call for a line of this
// size on a handle opened for appending, which Windows appends whole. A call that fails
// part-way (a full disk) leaves the line cut short at the end of the file, and the next
// append starts a fresh line as on other systems.
func writeOnce(f *os.File, b []byte) (int, error) {
	return f.Write(b)
}

// lockAppend takes no lock on Windows, where file locks are mandatory and would make a
// reader (a script playing the phone) fail while a line goes in. Two runs appending at
// the very same moment can then, rarely, leave an empty line, which Load skips.
func lockAppend(*os.File) error { return nil }
