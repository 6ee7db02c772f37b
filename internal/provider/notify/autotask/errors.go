package autotask

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

// Error is a refusal from Autotask, told as one sentence for the technician, in the
// language of the Printer that says it (English from Error).
type Error struct {
	// Status is the HTTP status; Messages are Autotask's own words, cleaned.
	Status   int
	Messages []string
	sentence *catalog.Error
}

// Error returns the sentence alone, in English: it is shown to the technician as it is.
func (e *Error) Error() string { return e.sentence.Error() }

// Localize is the sentence in p's language; Autotask's own words stay as it wrote them.
func (e *Error) Localize(p *catalog.Printer) string { return e.sentence.Localize(p) }

// failure turns an answer that is not a success into an *Error. doing is what was
// being done, a catalogue message that is a whole infinitive clause ("create the
// ticket"): every sentence here is worded so that any such clause fits it, in each
// language, rather than one message per sentence and clause.
func (a *Notifier) failure(ans answer, doing *catalog.Error) *Error {
	e := &Error{Status: ans.Status, Messages: a.messages(ans.Body)}
	said := strings.Join(e.Messages, "; ")
	switch {
	case ans.Status == http.StatusUnauthorized:
		e.sentence = catalog.NewError("autotask.user-refused", "User", a.cfg.APIUser, "Doing", doing)
	case ans.Status == http.StatusForbidden:
		e.sentence = catalog.NewError("autotask.forbidden", "User", a.cfg.APIUser, "Doing", doing, "Said", also(said))
	case ans.Status == http.StatusTooManyRequests:
		e.sentence = catalog.NewError("autotask.throttled", "Doing", doing)
	case ans.Status == http.StatusInternalServerError && said != "":
		// Autotask reports business-rule violations (a required field, a bad picklist
		// value) as 500 with its reason in errors[].
		e.sentence = catalog.NewError("autotask.business-rule", "Doing", doing, "Reason", said)
	case ans.Status >= 500:
		e.sentence = catalog.NewError("autotask.server-error", "Status", ans.Status, "Doing", doing)
	default:
		e.sentence = catalog.NewError("autotask.refused", "Doing", doing, "Status", ans.Status, "Said", also(said))
	}
	return e
}

// also is Autotask's own words (not translated) as the tail of a parenthesis.
func also(said string) string {
	if said == "" {
		return ""
	}
	return ": " + said
}

// messages reads Autotask's {"errors":[…]} body, cleaned; an unreadable one gives none.
func (a *Notifier) messages(body []byte) []string {
	var v struct {
		Errors []string `json:"errors"`
	}
	_ = json.Unmarshal(body, &v)
	out := make([]string, 0, len(v.Errors))
	for _, m := range v.Errors {
		if m = a.clean(m); m != "" {
			out = append(out, m)
		}
	}
	return out
}

// clean keeps text from Autotask to one safe line with no secret, so an answer cannot
// rewrite the terminal or leak what we sent. The secret is taken out again after
// sanitize.Line, since dropping a control character inside it would join it back up.
func (a *Notifier) clean(s string) string {
	if a.cfg.Secret == "" {
		return sanitize.Line(s)
	}
	s = sanitize.Line(strings.ReplaceAll(s, a.cfg.Secret, "[secret]"))
	return strings.ReplaceAll(s, a.cfg.Secret, "[secret]")
}
