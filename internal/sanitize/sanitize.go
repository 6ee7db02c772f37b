// Package sanitize makes text that came from outside the program (config, saved
// state, answers, CSV, a service's reply) safe to show on a terminal. It is the one
// place that decides which characters a terminal could act on: every other package
// asks it, through Text, Inline, Line or Unsafe, instead of keeping its own list.
//
// The rules: C0 and C1 control characters (ESC, BEL, CSI U+009B, NEL U+0085, …) and
// DEL start or end escape sequences or move the cursor; Unicode format characters
// (category Cf: bidi overrides and isolates, zero-width spaces and joiners, soft
// hyphens, tag characters) reorder or hide what is shown; U+FFFD is what broken
// bytes decode to. All of them are dropped. Everything else, any script, emoji and
// combining marks included, is kept.
package sanitize

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxRunes is the most runes Line keeps before it cuts the text and adds "…".
const MaxRunes = 200

// Unsafe reports whether r is a character a terminal could act on or that hides what
// is shown: a C0 or C1 control (line feed and tab included), DEL, a format character
// (Cf) or U+FFFD, the rune invalid UTF-8 decodes to. Text keeps line feeds and tabs;
// everything else Unsafe reports, every function here drops.
func Unsafe(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError
}

// Text makes multi-line text safe to print: it drops every character Unsafe reports
// except line feeds and tabs, and turns U+2028 and U+2029 (the line and paragraph
// separators, which terminals do not break on) into line feeds. Carriage returns are
// dropped, so "\r\n" becomes "\n" and a lone "\r" cannot send the cursor back over
// what was written. Text(Text(s)) == Text(s).
func Text(s string) string {
	if clean(s) {
		// Nearly everything printed is already clean: no copy.
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r == '\u2028' || r == '\u2029':
			b.WriteByte('\n')
		case Unsafe(r):
			// Dropped: escapes, bidi overrides and broken bytes could rewrite the screen.
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// clean reports whether Text would return s unchanged.
func clean(s string) bool {
	for _, r := range s {
		if (Unsafe(r) && r != '\n' && r != '\t') || r == '\u2028' || r == '\u2029' {
			return false
		}
	}
	return true
}

// Inline makes text safe to put inside one line (a table cell, a heading, a link):
// what Text drops is dropped, then every run of whitespace (line breaks, tabs, U+2028
// included) becomes one space, and the ends are trimmed. It never cuts the text.
func Inline(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case Unsafe(r) && r != '\n' && r != '\t':
			// Dropped, as in Text, before the whitespace test: NEL (U+0085) and "\r"
			// are whitespace to Go but controls to a terminal, and Inline(Text(s))
			// must be Inline(s).
		case unicode.IsSpace(r):
			space = b.Len() > 0
		default:
			if space {
				b.WriteByte(' ')
				space = false
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Line is Inline capped at MaxRunes runes (then "…"), for a service's text quoted in
// a sentence, where a page of it would bury the sentence.
func Line(s string) string {
	out := Inline(s)
	if r := []rune(out); len(r) > MaxRunes {
		out = strings.TrimRight(string(r[:MaxRunes]), " ") + "…"
	}
	return out
}
