package locale

import "strings"

// parseAppleLanguages reads the property-list array "defaults read -g
// AppleLanguages" prints, ("es-ES", "en-US"), into its languages, in order. It is
// portable so that the Linux tests cover the macOS parsing.
func parseAppleLanguages(out string) []string {
	var langs []string
	for _, f := range strings.FieldsFunc(out, func(r rune) bool {
		return r == '(' || r == ')' || r == ',' || r == '\n'
	}) {
		if f = strings.Trim(strings.TrimSpace(f), `"`); f != "" {
			langs = append(langs, f)
		}
	}
	return langs
}
