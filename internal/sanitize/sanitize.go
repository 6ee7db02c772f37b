// Package sanitize makes text from a service safe to show on one terminal line.
package sanitize

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxRunes is the most runes Line keeps before it cuts the text and adds "…".
const MaxRunes = 200

// Line drops control and format (Cf, e.g. bidi override) characters and U+FFFD,
// collapses whitespace runs into one space, trims, and caps the text at MaxRunes.
func Line(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = b.Len() > 0
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError:
			// Dropped: escapes, bidi overrides and broken bytes could rewrite the screen.
		default:
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteRune(r)
		}
	}
	out := b.String()
	if r := []rune(out); len(r) > MaxRunes {
		out = strings.TrimRight(string(r[:MaxRunes]), " ") + "…"
	}
	return out
}
