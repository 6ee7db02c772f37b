package twilio

import (
	"fmt"
	"net/http"

	"github.com/mfa-onboard/mfa-onboard/internal/phone"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

// Twilio error codes the client acts on.
const (
	codeAuth         = 20003
	codeNotFound     = 20404
	codeRateLimit    = 20429
	codeInvalidParam = 60200
	codeMaxChecks    = 60202
	codeMaxSends     = 60203
)

// Error is a refusal from Twilio, told as one sentence for the technician; Code and
// Status are Twilio's, for callers that branch on them.
type Error struct {
	Status   int
	Code     int
	MoreInfo string
	sentence string
}

// Error returns the sentence alone: it is shown to the technician as it is.
func (e *Error) Error() string { return e.sentence }

// failure turns an answer that is not a success into an *Error. to is the number the
// call was about ("" for none); only its masked form can appear in the sentence.
func failure(a answer, to string) *Error {
	ae := apiErrorOf(a)
	e := &Error{Status: a.Status, Code: ae.Code, MoreInfo: sanitize.Line(ae.MoreInfo)}
	switch {
	case a.Status == http.StatusUnauthorized || ae.Code == codeAuth:
		e.sentence = "Twilio refused the credentials: check twilio.account_sid and the auth token"
	case ae.Code == codeMaxSends || ae.Code == codeMaxChecks:
		// 60202 on a send has been seen too, for the same limit.
		e.sentence = "Twilio allows 5 codes per number in 10 minutes; wait up to 10 minutes and ask for a new code"
	case ae.Code == codeInvalidParam:
		// Twilio's message quotes the number in full, so it is not passed on.
		e.sentence = fmt.Sprintf("Twilio refused a parameter (error 60200) for %s: check that it is a mobile number that can receive texts", phone.Mask(to))
	case a.Status == http.StatusTooManyRequests:
		e.sentence = "Twilio is limiting requests from this account (HTTP 429" + errorCode(ae.Code) + "); wait a minute and try again"
	case a.Status >= 500:
		e.sentence = fmt.Sprintf("Twilio Verify answered %d; try again in a few minutes, and see status.twilio.com if it goes on", a.Status)
	default:
		e.sentence = fmt.Sprintf("Twilio Verify refused the request (HTTP %d, error %s: %s); see %s", a.Status, codeText(ae.Code), orNone(sanitize.Line(ae.Message)), orNone(e.MoreInfo))
	}
	return e
}

// serviceNotFound is the sentence for 20404 on the service itself.
func serviceNotFound(a answer) *Error {
	ae := apiErrorOf(a)
	return &Error{Status: a.Status, Code: ae.Code, MoreInfo: sanitize.Line(ae.MoreInfo),
		sentence: "twilio.verify_service_sid not found in this account: copy the SID (VA…) from Twilio Console → Verify → Services"}
}

// errorCode is ", error N" for the parentheses of a sentence, or nothing without one.
func errorCode(code int) string {
	if code == 0 {
		return ""
	}
	return fmt.Sprintf(", error %d", code)
}

func codeText(code int) string {
	if code == 0 {
		return "no code"
	}
	return fmt.Sprint(code)
}

func orNone(s string) string {
	if s == "" {
		return "(none given)"
	}
	return s
}
