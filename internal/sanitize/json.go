package sanitize

import (
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// EscapeJSON rewrites encoded JSON so that it holds no raw character a terminal would
// act on when someone prints the document: every rune from DEL up that Unsafe reports
// (C1 controls such as U+009B, bidi overrides, zero-width characters, U+FFFD) and
// U+2028/U+2029 becomes a \uXXXX escape (a surrogate pair above U+FFFF). The decoded
// values are unchanged: JSON defines those escapes as the same characters.
//
// encoding/json already escapes C0 controls, U+2028 and U+2029 inside strings, but
// writes C1 and format characters raw. Outside strings valid JSON holds only ASCII,
// and a raw C0 byte there is layout (indentation) rather than data, so every rune
// this rewrites is inside a string and the document stays valid. data must be
// encoding/json output (valid UTF-8); a byte that is not UTF-8 is copied as it is.
func EscapeJSON(data []byte) []byte {
	var out []byte // nil until something needs escaping: most documents need nothing
	for i := 0; i < len(data); {
		if c := data[i]; c < 0x7f {
			// ASCII below DEL is never escaped here: most of a document, passed over
			// without decoding.
			if out != nil {
				out = append(out, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(data[i:])
		escape := r >= 0x7f && (size > 1 || r == 0x7f) && (Unsafe(r) || r == '\u2028' || r == '\u2029')
		if !escape {
			if out != nil {
				out = append(out, data[i:i+size]...)
			}
			i += size
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(data)+16)
			out = append(out, data[:i]...)
		}
		if r > 0xffff {
			hi, lo := utf16.EncodeRune(r)
			out = fmt.Appendf(out, `\u%04x\u%04x`, hi, lo)
		} else {
			out = fmt.Appendf(out, `\u%04x`, r)
		}
		i += size
	}
	if out == nil {
		return data
	}
	return out
}
