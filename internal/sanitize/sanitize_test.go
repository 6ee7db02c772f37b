package sanitize

import (
	"strings"
	"testing"
)

func TestLine(t *testing.T) {
	long := strings.Repeat("a", MaxRunes+10)
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"plain", "Invalid request", "Invalid request"},
		{"trimmed", "  padded \t", "padded"},
		{"whitespace runs collapse", "one\r\n\ttwo   three", "one two three"},
		{"terminal escape dropped", "Bad \x1b[2Jnumber", "Bad [2Jnumber"},
		{"bell dropped", "eve\x1b]0;x\x07@contoso.com", "eve]0;x@contoso.com"},
		{"bidi override dropped", "abc\u202edef\u2066", "abcdef"},
		{"zero-width space dropped", "a\u200bb", "ab"},
		{"replacement character dropped", "a\ufffdb", "ab"},
		{"invalid UTF-8 dropped", "a\xffb", "ab"},
		{"C1 control dropped", "a\u009bb", "ab"},
		{"only controls", "\x00\x1b\u202e", ""},
		{"non-ASCII kept", "Zürich → Genève", "Zürich → Genève"},
		{"at the cap", long[:MaxRunes], long[:MaxRunes]},
		{"over the cap", long, long[:MaxRunes] + "…"},
		{"cap counts runes", strings.Repeat("é", MaxRunes+1), strings.Repeat("é", MaxRunes) + "…"},
		{"no space before the ellipsis", strings.Repeat("a", MaxRunes-1) + " b", strings.Repeat("a", MaxRunes-1) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Line(tt.in); got != tt.want {
				t.Errorf("Line(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}
