package steps

import (
	"slices"
	"strconv"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"

	"github.com/mfa-onboard/mfa-onboard/internal/account"
	"github.com/mfa-onboard/mfa-onboard/internal/phone"
)

// CheckAnswer says whether value is an acceptable answer to the question key, so
// that a whole answers file can be refused before the first step runs (a bad value
// found at step 5 would come after texts were sent and support told). country is the
// default country of phone numbers given without +.
func CheckAnswer(key, value, country string) error {
	choose := func(allowed ...string) error {
		if slices.Contains(allowed, strings.ToLower(value)) {
			return nil
		}
		return catalog.NewError("prompt.not-one-of", "Answer", strconv.Quote(value), "Choices", strings.Join(allowed, ", "))
	}
	switch key {
	case KeyUser:
		return account.Check(value)
	case KeyPhoneCountry:
		if !phone.KnownRegion(value) {
			return catalog.NewError("steps.answer.country", "Value", strconv.Quote(value))
		}
		return nil
	case KeyPhoneNumber:
		_, err := phone.Parse(value, country)
		return err
	case KeyVerifyCode:
		// The code service says its code length only once the run asks it; the verify
		// step then holds the code to exactly that.
		return textedCode(normalizeCode(value))
	case KeyDuoEnrollCode, KeyDuoTestCode:
		return sixDigits(normalizeCode(value))
	case KeyVerifyReplace:
		return choose(replaceYes, replaceKeep, replaceOther)
	case KeyVerifyPortalDone, KeyDuoTestRetry:
		return choose("yes", "no")
	case KeyMailClient:
		return choose(optionValues(mailOptions(nil))...)
	case KeyDuoPlatform:
		return choose(optionValues(platformOptions(nil))...)
	}
	return catalog.NewError("steps.answer.unknown", "Key", strconv.Quote(key))
}

// A texted code has 4 to 10 digits: the range of a Twilio Verify service's
// code_length (https://www.twilio.com/docs/verify/api/service); the demo's have 6.
const minTextedCode, maxTextedCode = 4, 10

// textedCode accepts a code of any length a code service may text.
func textedCode(s string) error {
	if n := len(s); n < minTextedCode || n > maxTextedCode {
		return catalog.NewError("steps.code.length-range", "Min", minTextedCode, "Max", maxTextedCode, "Typed", len([]rune(s)))
	}
	return digitsOnly(s)
}
