package autotask

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

// Error is a refusal from Autotask, told as one sentence for the technician.
type Error struct {
	// Status is the HTTP status; Messages are Autotask's own words, cleaned.
	Status   int
	Messages []string
	sentence string
}

// Error returns the sentence alone: it is shown to the technician as it is.
func (e *Error) Error() string { return e.sentence }

// failure turns an answer that is not a success into an *Error; doing says what was
// being done, in words ("create the ticket").
func (a *Notifier) failure(ans answer, doing string) *Error {
	e := &Error{Status: ans.Status, Messages: a.messages(ans.Body)}
	said := strings.Join(e.Messages, "; ")
	switch {
	case ans.Status == http.StatusUnauthorized:
		e.sentence = fmt.Sprintf("Autotask refused the API user %s (HTTP 401) while trying to %s: check the username, the secret and the integration code, and that the user is an API-only user that is not locked", a.cfg.APIUser, doing)
	case ans.Status == http.StatusForbidden:
		e.sentence = fmt.Sprintf("Autotask does not let the API user %s %s (HTTP 403%s): give its security level permission for tickets", a.cfg.APIUser, doing, also(said))
	case ans.Status == http.StatusTooManyRequests:
		e.sentence = fmt.Sprintf("Autotask is limiting requests for this database while trying to %s (HTTP 429); wait a few minutes and run again", doing)
	case ans.Status == http.StatusInternalServerError && said != "":
		// Autotask reports business-rule violations (a required field, a bad picklist
		// value) as 500 with its reason in errors[].
		e.sentence = fmt.Sprintf("Autotask refused to %s: %s; fix the Autotask ticket settings in the config", doing, said)
	case ans.Status >= 500:
		e.sentence = fmt.Sprintf("Autotask answered HTTP %d while trying to %s; try again in a few minutes, and check Autotask's service status page if it goes on", ans.Status, doing)
	default:
		e.sentence = fmt.Sprintf("Autotask refused to %s (HTTP %d%s); check the Autotask settings in the config", doing, ans.Status, also(said))
	}
	return e
}

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
