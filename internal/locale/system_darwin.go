//go:build darwin

package locale

import "os/exec"

// System is the macOS user's preferred languages, best first, from the AppleLanguages
// setting ("es-ES", "en-US"). Terminal.app and iTerm2 usually set LANG as well, so
// this runs only when they do not.
func System() []string {
	out, err := exec.Command("defaults", "read", "-g", "AppleLanguages").Output()
	if err != nil {
		return nil
	}
	return parseAppleLanguages(string(out))
}
