//go:build windows

package cli

import (
	"os"

	"golang.org/x/sys/windows"
)

// EnableColour turns on ANSI escape handling in a Windows 10+ console, which the QR
// codes' background colours need; older consoles keep showing the link as text.
func EnableColour(f *os.File) bool {
	h := windows.Handle(f.Fd())
	var mode uint32
	if err := windows.GetConsoleMode(h, &mode); err != nil {
		return false
	}
	return windows.SetConsoleMode(h, mode|windows.ENABLE_VIRTUAL_TERMINAL_PROCESSING) == nil
}
