package sanitize

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// payloads are what the attack on the build got through to a terminal: each must
// come out of Text and Inline without the character that acts.
var payloads = map[string]string{
	"OSC 52 clipboard write": "\x1b]52;c;aGk=\x07",
	"CSI clear screen":       "\x1b[2J\x1b[H",
	"C1 CSI":                 "\u009b31m",
	"NEL":                    "a\u0085b",
	"bidi override":          "txt.\u202eexe",
	"bidi isolate":           "\u2066x\u2069",
	"zero-width space":       "a\u200bb",
	"carriage return":        "safe\rfake",
	"DEL":                    "a\x7fb",
	"invalid UTF-8":          "a\xff\xfeb",
	"tag character":          "a\U000E0041b",
}

func TestTextDropsWhatATerminalActsOn(t *testing.T) {
	for name, p := range payloads {
		t.Run(name, func(t *testing.T) {
			for fn, got := range map[string]string{"Text": Text(p), "Inline": Inline(p), "Line": Line(p)} {
				for _, r := range got {
					if (Unsafe(r) && r != '\n' && r != '\t') || (fn != "Text" && unicode.IsSpace(r) && r != ' ') {
						t.Errorf("%s(%q) = %q keeps %U", fn, p, got, r)
					}
				}
			}
		})
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", ""},
		{"plain kept as it is", "Contoso IT", "Contoso IT"},
		{"line breaks and tabs kept", "one\n\ttwo\n", "one\n\ttwo\n"},
		{"CRLF becomes LF", "one\r\ntwo", "one\ntwo"},
		{"OSC 52 loses its ESC and BEL", "Org\x1b]52;c;aGk=\x07", "Org]52;c;aGk="},
		{"C1 controls dropped", "a\u0085b\u009bc", "abc"},
		{"bidi and zero-width dropped", "\u202ea\u200db\u2066c\u2069\ufeff", "abc"},
		{"line separators become line breaks", "a\u2028b\u2029c", "a\nb\nc"},
		{"replacement character and broken bytes dropped", "a\ufffdb\xffc", "abc"},
		{"international text kept", "Zürich → Genève, 東京, ﬁ, \u212a, e\u0301, 😀", "Zürich → Genève, 東京, ﬁ, \u212a, e\u0301, 😀"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Text(tt.in); got != tt.want {
				t.Errorf("Text(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestInline(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"line breaks and tabs become spaces", " one\n\ttwo\u2028three ", "one two three"},
		{"NEL and CR dropped as Text drops them", "a\u0085b\rc\r\nd", "abc d"},
		{"never cut", strings.Repeat("a", 3*MaxRunes), strings.Repeat("a", 3*MaxRunes)},
		{"escape dropped", "a\x1b[31mb", "a[31mb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Inline(tt.in); got != tt.want {
				t.Errorf("Inline(%q) = %q; want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestEscapeJSONIsLosslessAndHoldsNothingRaw(t *testing.T) {
	values := []string{
		"alice@contoso.com",
		"eve\u202e@contoso.com",
		"a\u0085b\u009bc\x7fd\x1b]52;c;aGk=\x07",
		"zero\u200bwidth\ufeff \U000E0041 tag",
		"sep\u2028ara\u2029tors",
		"jösé 東京 😀 \ufffd",
		`quote " backslash \ <html>&`,
	}
	for _, v := range values {
		enc, err := json.MarshalIndent(map[string][]string{"v": {v}}, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		got := EscapeJSON(enc)
		if !json.Valid(got) {
			t.Fatalf("EscapeJSON(%q) is not JSON: %s", enc, got)
		}
		for _, r := range string(got) {
			if r >= 0x7f && (Unsafe(r) || r == '\u2028' || r == '\u2029') {
				t.Errorf("EscapeJSON of %q holds a raw %U: %s", v, r, got)
			}
		}
		var back map[string][]string
		if err := json.Unmarshal(got, &back); err != nil || back["v"][0] != v {
			t.Errorf("round trip of %q = %q, %v", v, back["v"], err)
		}
	}
	if got := string(EscapeJSON([]byte(`"\u202e"`))); got != `"\u202e"` {
		t.Errorf("an escape already there changed: %s", got)
	}
	if got := string(EscapeJSON([]byte("\"\u202e\U000E0041\""))); got != `"\u202e\udb40\udc41"` {
		t.Errorf("escapes = %s; want a \\u escape, and a surrogate pair above U+FFFF", got)
	}
}

// FuzzText checks the sanitiser's two promises on any input: what comes out holds no
// character a terminal acts on, and sanitising again changes nothing.
func FuzzText(f *testing.F) {
	for _, p := range payloads {
		f.Add(p)
	}
	f.Add("Zürich\n\tGenève e\u0301 \u2028 😀")
	f.Fuzz(func(t *testing.T, s string) {
		text, inline, line := Text(s), Inline(s), Line(s)
		for name, out := range map[string]string{"Text": text, "Inline": inline, "Line": line} {
			if !utf8.ValidString(out) {
				t.Fatalf("%s(%q) = %q is not UTF-8", name, s, out)
			}
			for _, r := range out {
				if Unsafe(r) && (name != "Text" || (r != '\n' && r != '\t')) {
					t.Fatalf("%s(%q) = %q holds %U", name, s, out, r)
				}
				if r == '\u2028' || r == '\u2029' {
					t.Fatalf("%s(%q) = %q holds %U", name, s, out, r)
				}
			}
		}
		if again := Text(text); again != text {
			t.Fatalf("Text is not idempotent: %q → %q → %q", s, text, again)
		}
		if again := Inline(inline); again != inline {
			t.Fatalf("Inline is not idempotent: %q → %q → %q", s, inline, again)
		}
		if Inline(text) != inline {
			t.Fatalf("Inline(Text(%q)) = %q; want Inline's own %q", s, Inline(text), inline)
		}
		enc, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		var back string
		if err := json.Unmarshal(EscapeJSON(enc), &back); err != nil {
			t.Fatalf("EscapeJSON(%s) is not JSON: %v", enc, err)
		}
		if want := strings.ToValidUTF8(s, "\ufffd"); utf8.ValidString(s) && back != want {
			t.Fatalf("EscapeJSON lost data: %q → %q", s, back)
		}
	})
}
