package twilio

import (
	"net/http"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
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
	msg      *catalog.Error
}

// Error returns the sentence alone, in English: it is shown to the technician as it is.
func (e *Error) Error() string { return e.msg.Error() }

// Localize is the sentence in p's language; Twilio's own words stay Twilio's.
func (e *Error) Localize(p *catalog.Printer) string { return e.msg.Localize(p) }

// failure turns an answer that is not a success into an *Error. to is the number the
// call was about ("" for none); only its masked form can appear in the sentence.
func failure(a answer, to string) *Error {
	ae := apiErrorOf(a)
	e := &Error{Status: a.Status, Code: ae.Code, MoreInfo: sanitize.Line(ae.MoreInfo)}
	switch {
	case a.Status == http.StatusUnauthorized || ae.Code == codeAuth:
		e.msg = catalog.NewError("twilio.error.credentials")
	case ae.Code == codeMaxSends || ae.Code == codeMaxChecks:
		// 60202 on a send has been seen too, for the same limit.
		e.msg = catalog.NewError("twilio.error.max-sends")
	case ae.Code == codeInvalidParam:
		// Twilio's message quotes the number in full, so it is not passed on.
		e.msg = catalog.NewError("twilio.error.invalid-param", "Phone", phone.Mask(to))
	case a.Status == http.StatusTooManyRequests && ae.Code == 0:
		e.msg = catalog.NewError("twilio.error.rate-limited")
	case a.Status == http.StatusTooManyRequests:
		e.msg = catalog.NewError("twilio.error.rate-limited-code", "Code", ae.Code)
	case a.Status >= 500:
		e.msg = catalog.NewError("twilio.error.outage", "Status", a.Status)
	default:
		e.msg = catalog.NewError("twilio.error.refused", "Status", a.Status, "Code", codeText(ae.Code),
			"Message", orNone(sanitize.Line(ae.Message)), "MoreInfo", orNone(e.MoreInfo))
	}
	return e
}

// serviceNotFound is the sentence for 20404 on the service itself.
func serviceNotFound(a answer) *Error {
	ae := apiErrorOf(a)
	return &Error{Status: a.Status, Code: ae.Code, MoreInfo: sanitize.Line(ae.MoreInfo),
		msg: catalog.NewError("twilio.error.service-not-found")}
}

// codeText is Twilio's error code, or words saying there was none, for a sentence.
func codeText(code int) any {
	if code == 0 {
		return catalog.NewError("twilio.error.no-code")
	}
	return code
}

// orNone is s, or words saying Twilio gave nothing, for a sentence.
func orNone(s string) any {
	if s == "" {
		return catalog.NewError("twilio.error.none-given")
	}
	return s
}
