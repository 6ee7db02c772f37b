// Package phone validates the mobile number a person types and formats it for
// display, for confirmation and for Microsoft Graph.
package phone

import (
	"errors"
	"strconv"
	"strings"
	"unicode"

	"github.com/mfa-onboard/mfa-onboard/third_party/phonenumbers"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// maxInput bounds what is handed to libphonenumber, so a pasted essay is refused
// quickly with a clear message instead of being scanned.
const maxInput = 64

// Number is a validated mobile number.
type Number struct {
	E164        string // e.g. "+12015550100"
	Region      string // ISO 3166 alpha-2, e.g. "US"; "001" for non-geographic codes
	CountryCode int    // e.g. 1
}

// InvalidError says why typed text is not an acceptable mobile number.
type InvalidError struct {
	Input  string // what was typed, so a prompt can offer it back; it is personal data, so do not log it
	Reason string // one sentence for the person, e.g. "that number is too short"
	// reason is Reason as a catalogue message, to be said in the person's language.
	reason *catalog.Error
}

// Error returns the reason alone, because it is shown to the person who typed the input.
func (e *InvalidError) Error() string { return e.Reason }

// Localize is the reason in p's language.
func (e *InvalidError) Localize(p *catalog.Printer) string {
	if e.reason == nil {
		return e.Reason
	}
	return e.reason.Localize(p)
}

// Parse reads what a person typed. defaultRegion (ISO 3166 alpha-2, e.g. "US")
// applies unless the input starts with '+' or "00", which override it.
//
// Only numbers that can receive a text message are accepted: MOBILE, and
// FIXED_LINE_OR_MOBILE, which is what every US and Canadian number is because
// their numbering plans do not tell the two apart. VOIP numbers are refused
// because they do not prove possession of a device (NIST SP 800-63B forbids
// them for out-of-band authentication) and often cannot receive short-code
// texts; pager, personal (follow-me) and every other type are refused too.
func Parse(input, defaultRegion string) (Number, error) {
	if len(input) > maxInput {
		return Number{}, invalid(input, catalog.NewError("phone.too-long"))
	}
	s, err := clean(input)
	if err != nil {
		return Number{}, err
	}
	region := strings.ToUpper(strings.TrimSpace(defaultRegion))

	var pn *phonenumbers.PhoneNumber
	if strings.HasPrefix(s, "00") {
		// People abroad type "00" for '+', but libphonenumber honours it only
		// where the default region dials out with 00 (the US uses 011). If
		// reading it as '+' fails, the region may dial out with a longer
		// prefix such as Australia's 0011, which libphonenumber knows.
		pn, err = parse(input, "+"+s[2:], region)
		if err != nil {
			if alt, altErr := parse(input, s, region); altErr == nil {
				pn, err = alt, nil
			}
		}
	} else {
		pn, err = parse(input, s, region)
	}
	if err != nil {
		return Number{}, err
	}
	return Number{
		E164:        phonenumbers.Format(pn, phonenumbers.E164),
		Region:      phonenumbers.GetRegionCodeForNumber(pn),
		CountryCode: int(pn.GetCountryCode()),
	}, nil
}

// clean drops the separators people type, and refuses anything else, because
// libphonenumber would otherwise read letters as vanity digits or extensions.
func clean(input string) (string, error) {
	var b strings.Builder
	digits := 0
	for i, r := range strings.TrimSpace(input) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
			digits++
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == '-' || r == '.' || r == '(' || r == ')' || unicode.IsSpace(r):
		default:
			return "", invalid(input, catalog.NewError("phone.not-digits"))
		}
	}
	if digits == 0 {
		if b.Len() > 0 {
			return "", invalid(input, catalog.NewError("phone.too-short"))
		}
		return "", invalid(input, catalog.NewError("phone.empty"))
	}
	return b.String(), nil
}

// parse runs libphonenumber on cleaned text s and turns each way it can fail
// into a sentence about what the person typed.
func parse(input, s, region string) (*phonenumbers.PhoneNumber, error) {
	// Keeping the raw input is what records whether the country came from the
	// number itself, which decides whether to blame the default region.
	pn, err := phonenumbers.ParseAndKeepRawInput(s, region)
	switch {
	case err == nil:
	case errors.Is(err, phonenumbers.ErrNumTooLong):
		return nil, invalid(input, catalog.NewError("phone.too-long"))
	case errors.Is(err, phonenumbers.ErrInvalidCountryCode):
		if strings.HasPrefix(s, "+") {
			return nil, invalid(input, catalog.NewError("phone.country-code.unknown", "Code", "+"+typedCode(input)))
		}
		return nil, invalid(input, catalog.NewError("phone.country-code.missing"))
	default:
		// ErrNotANumber, ErrTooShortNSN and ErrTooShortAfterIDD all mean too few
		// digits here, since clean has already refused everything but digits.
		return nil, invalid(input, catalog.NewError("phone.too-short"))
	}

	code := int(pn.GetCountryCode())
	src := pn.GetCountryCodeSource()
	international := src == phonenumbers.PhoneNumber_FROM_NUMBER_WITH_PLUS_SIGN ||
		src == phonenumbers.PhoneNumber_FROM_NUMBER_WITH_IDD
	where := region
	if international || where == "" {
		where = phonenumbers.GetRegionCodeForCountryCode(code)
	}
	if where == "" || where == "ZZ" || where == "001" {
		where = "+" + strconv.Itoa(code) // non-geographic codes such as +800 have no region
	}

	switch phonenumbers.IsPossibleNumberWithReason(pn) {
	case phonenumbers.IS_POSSIBLE:
	case phonenumbers.TOO_SHORT:
		return nil, invalid(input, catalog.NewError("phone.too-short"))
	case phonenumbers.TOO_LONG:
		return nil, invalid(input, catalog.NewError("phone.too-long"))
	case phonenumbers.IS_POSSIBLE_LOCAL_ONLY:
		return nil, invalid(input, catalog.NewError("phone.too-short.area-code"))
	case phonenumbers.INVALID_COUNTRY_CODE:
		return nil, invalid(input, catalog.NewError("phone.country-code.unknown", "Code", "+"+strconv.Itoa(code)))
	default: // INVALID_LENGTH
		return nil, invalid(input, catalog.NewError("phone.wrong-length", "Where", where))
	}

	if !phonenumbers.IsValidNumber(pn) {
		if international {
			return nil, invalid(input, catalog.NewError("phone.not-valid.international", "Where", where))
		}
		return nil, invalid(input, catalog.NewError("phone.not-valid", "Where", where))
	}

	switch phonenumbers.GetNumberType(pn) {
	case phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE:
		return pn, nil
	case phonenumbers.FIXED_LINE:
		return nil, invalid(input, catalog.NewError("phone.landline"))
	case phonenumbers.TOLL_FREE:
		return nil, invalid(input, catalog.NewError("phone.toll-free"))
	case phonenumbers.PREMIUM_RATE:
		return nil, invalid(input, catalog.NewError("phone.premium-rate"))
	case phonenumbers.VOIP:
		return nil, invalid(input, catalog.NewError("phone.voip"))
	default: // SHARED_COST, PERSONAL_NUMBER, PAGER, UAN, VOICEMAIL, UNKNOWN
		return nil, invalid(input, catalog.NewError("phone.not-mobile"))
	}
}

// typedCode is the country code as the person typed it, for the error message:
// the digits after the leading '+' or "00", up to the first separator, and at
// most three because no calling code is longer.
func typedCode(input string) string {
	s := strings.TrimSpace(input)
	if strings.HasPrefix(s, "+") {
		s = s[1:]
	} else {
		s = strings.TrimPrefix(s, "00")
	}
	s = strings.TrimLeft(s, " -.()")
	n := 0
	for n < len(s) && n < 3 && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return s[:n]
}

// invalid is the refusal of input for reason.
func invalid(input string, reason *catalog.Error) *InvalidError {
	return &InvalidError{Input: input, Reason: reason.Error(), reason: reason}
}

// Mask hides all but the last four digits, e.g. "+12015550100" -> "+1 ***-***-0100",
// so logs and screens that others may see do not reveal the number. A string
// that does not parse still has all but its last four digits hidden.
func Mask(e164 string) string {
	pn, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return maskDigits(e164, "")
	}
	intl := phonenumbers.Format(pn, phonenumbers.INTERNATIONAL)
	prefix := "+" + strconv.Itoa(int(pn.GetCountryCode()))
	if !strings.HasPrefix(intl, prefix) {
		return maskDigits(intl, "")
	}
	return maskDigits(intl[len(prefix):], prefix)
}

// maskDigits replaces every digit of s but the last four with '*', keeps the
// usual separators and drops anything else, since an unparsable string may
// hold text that should not reach a terminal.
func maskDigits(s, prefix string) string {
	total := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			total++
		}
	}
	var b strings.Builder
	b.WriteString(prefix)
	seen := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			seen++
			if seen > total-4 {
				b.WriteRune(r)
			} else {
				b.WriteByte('*')
			}
		case r == '+' || r == ' ' || r == '-' || r == '.' || r == '(' || r == ')':
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Display is the full international format, e.g. "+1 201-555-0100", shown only
// when the person confirms the number; a string that does not parse comes back
// with only its digits, '+' and separators, so it cannot carry terminal escapes.
func Display(e164 string) string {
	pn, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return keepPrintable(e164)
	}
	return phonenumbers.Format(pn, phonenumbers.INTERNATIONAL)
}

// GraphFormat is "+{cc} {national significant number}", e.g. "+1 2015550100",
// the form Microsoft Graph's phone authentication methods require. A string
// that does not parse is returned unchanged, so Graph reports what is wrong.
func GraphFormat(e164 string) string {
	pn, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return e164
	}
	return "+" + strconv.Itoa(int(pn.GetCountryCode())) + " " + phonenumbers.GetNationalSignificantNumber(pn)
}

func keepPrintable(s string) string {
	return strings.Map(func(r rune) rune {
		if (r >= '0' && r <= '9') || strings.ContainsRune("+ -.()", r) {
			return r
		}
		return -1
	}, s)
}

// KnownRegion reports whether region is a two-letter country that has phone numbers.
func KnownRegion(region string) bool {
	return len(region) == 2 && phonenumbers.IsSupportedRegion(strings.ToUpper(region))
}
