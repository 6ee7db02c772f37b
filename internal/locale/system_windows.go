//go:build windows

package locale

import "golang.org/x/sys/windows"

// System is the Windows user's display languages, best first ("es-ES", "en-US").
func System() []string {
	langs, err := windows.GetUserPreferredUILanguages(windows.MUI_LANGUAGE_NAME)
	if err != nil {
		return nil
	}
	return langs
}
