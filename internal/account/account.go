// Package account checks the work email address a procedure is for (the Microsoft 365
// sign-in name), before anything is created or saved for it.
package account

import (
	"fmt"
	"net/mail"
	"strconv"
	"strings"

	"golang.org/x/text/unicode/norm"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

// maxLength is RFC 5321's limit for a forward path, which every mail system (and
// Microsoft 365 sign-in names) stays within.
const maxLength = 254

// Parse returns the address in the form state and providers use (trimmed, in Unicode
// NFC, lower-cased) or an error that says what a person should type instead.
//
// An address is refused when it holds a character the person cannot see or that only
// looks like another one, because the address is saved, shown and sent to Microsoft
// 365 and Duo as the person's identity:
//   - a control or format character (sanitize.Unsafe: ESC, NEL U+0085, CSI U+009B, a
//     bidi override U+202E, a zero-width space) or broken bytes;
//   - a character Unicode itself replaces by another (a canonical singleton such as
//     the Kelvin sign U+212A, which is "K", and which strings.ToLower turns into
//     "k": "\u212Aate@…" would silently become kate@…), or one that only stands for
//     others (a compatibility character such as the ligature U+FB01 for "fi", or
//     full-width letters): where NFKC differs from NFC;
//   - one whose lower case is such a character.
//
// A letter with its accent typed as a separate combining mark (NFD, as some keyboards
// and macOS file names produce) is the same text as the precomposed letter: it is
// accepted and saved in NFC, so that both spellings are one person, not two.
func Parse(s string) (string, error) {
	// Only ASCII whitespace is trimmed: strings.TrimSpace would also take away a NEL
	// (U+0085) or a no-break space at the ends, hiding that the text was not typed.
	s = strings.Trim(s, " \t\r\n")
	if s == "" {
		return "", catalog.NewError("account.empty")
	}
	for _, r := range s {
		if sanitize.Unsafe(r) {
			return "", catalog.NewError("account.unsafe-char", "Char", fmt.Sprintf("%U", r))
		}
		if one := string(r); norm.NFC.String(one) != one || norm.NFKC.String(one) != one {
			return "", lookAlike(r)
		}
	}
	// Every character is already its own NFC form, so this only puts accents typed
	// separately together with their letters.
	s = norm.NFC.String(s)
	if len(s) > maxLength {
		return "", catalog.NewError("account.too-long", "Max", maxLength, "Length", len(s))
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "", catalog.NewError("account.not-an-address")
	}
	_, domain, _ := strings.Cut(s, "@")
	if !strings.Contains(strings.Trim(domain, "."), ".") || strings.HasPrefix(domain, "[") {
		return "", catalog.NewError("account.not-a-domain", "Domain", strconv.Quote(domain))
	}
	lower := strings.ToLower(s)
	if norm.NFKC.String(lower) != lower || norm.NFC.String(lower) != lower {
		for _, r := range s {
			if l := strings.ToLower(string(r)); norm.NFKC.String(l) != l || norm.NFC.String(l) != l {
				return "", lookAlike(r)
			}
		}
		return "", catalog.NewError("account.look-alike-lower")
	}
	return lower, nil
}

// lookAlike is the refusal of an address holding r, a character that stands for, or
// looks like, another one.
func lookAlike(r rune) error {
	return catalog.NewError("account.look-alike", "Char", fmt.Sprintf("%U", r))
}

// Check is Parse for validators, which only need to know whether s is acceptable.
func Check(s string) error {
	_, err := Parse(s)
	return err
}
