package account

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"alice@contoso.com", "alice@contoso.com", true},
		{"  Alice@Contoso.COM ", "alice@contoso.com", true},
		{"o'neil@contoso.com", "o'neil@contoso.com", true},
		{"alice", "", false},
		{"alice@localhost", "", false},
		{"alice@contoso.", "", false},
		{"Alice <alice@contoso.com>", "", false},
		{"alice@[10.0.0.1]", "", false},
		{"", "", false},
		{strings.Repeat("a", 250) + "@contoso.com", "", false},
		{strings.Repeat("a", 64) + "@" + strings.Repeat("b", 180) + ".com", strings.Repeat("a", 64) + "@" + strings.Repeat("b", 180) + ".com", true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("Parse(%.40q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestLongAddressIsRefusedWithItsLength(t *testing.T) {
	_, err := Parse(strings.Repeat("x", 5000) + "@contoso.com")
	if err == nil || !strings.Contains(err.Error(), "254") {
		t.Fatalf("a 5,000-character address: %v; want a refusal naming the limit", err)
	}
}

// TestParseRefusesHiddenAndLookAlikeCharacters: the address is the person's identity
// in state, in Duo and in Microsoft 365, so a character that cannot be seen, that a
// terminal acts on, or that stands for another one is refused with the character
// named, never kept and never silently changed into another address.
func TestParseRefusesHiddenAndLookAlikeCharacters(t *testing.T) {
	tests := []struct {
		name, in, says string
	}{
		{"bidi override", "eve\u202e@contoso.com", "U+202E"},
		{"bidi override at the end", "eve@contoso.com\u202e", "U+202E"},
		{"NEL", "eve\u0085@contoso.com", "U+0085"},
		{"NEL at the end is not trimmed away", "eve@contoso.com\u0085", "U+0085"},
		{"C1 CSI", "eve\u009b31m@contoso.com", "U+009B"},
		{"ESC", "eve\x1b[2J@contoso.com", "U+001B"},
		{"zero-width space", "al\u200bice@contoso.com", "U+200B"},
		{"broken bytes", "al\xffice@contoso.com", "U+FFFD"},
		{"Kelvin sign lower-cases to k", "\u212aate@contoso.com", "U+212A"},
		{"Ohm sign", "\u2126@contoso.com", "U+2126"},
		{"fi ligature", "\ufb01nance@contoso.com", "U+FB01"},
		{"full-width letter", "\uff41lice@contoso.com", "U+FF41"},
		{"long s", "\u017fam@contoso.com", "U+017F"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %q; want it refused", tt.in, got)
			}
			if !strings.Contains(err.Error(), tt.says) {
				t.Errorf("Parse(%q): %v; want the character named (%s)", tt.in, err, tt.says)
			}
			for _, r := range err.Error() {
				if r > 0x7e || r < 0x20 {
					t.Errorf("the refusal %q holds %U: it is printed, so it names characters, never holds them", err, r)
				}
			}
		})
	}
	if _, err := Parse("\u212aate@contoso.com"); err == nil || !strings.Contains(err.Error(), "looks like another one") {
		t.Errorf("the Kelvin sign: %v; want it called a look-alike", err)
	}
}

func TestParseKeepsInternationalAddresses(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"NFC", "jösé@contoso.com", "jösé@contoso.com"},
		{"NFC upper case", "JÖSÉ@Contoso.com", "jösé@contoso.com"},
		// The same letters with their accents typed as combining marks: saved as the
		// NFC spelling, so both are one person (one state file, one Duo user).
		{"NFD is saved as NFC", "jo\u0308se\u0301@contoso.com", "jösé@contoso.com"},
		{"sharp s", "straße@contoso.de", "straße@contoso.de"},
		{"another script", "δοκιμή@contoso.gr", "δοκιμή@contoso.gr"},
		{"an international domain", "alice@bücher.de", "alice@bücher.de"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := Parse(tt.in); err != nil || got != tt.want {
				t.Errorf("Parse(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
}
