package connectwise

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

// Error is a refusal from ConnectWise, told as one sentence for the technician, in
// the language of the Printer that says it (English from Error).
type Error struct {
	// Status is the HTTP status; Code is ConnectWise's error code (InvalidObject,
	// Security…) and Messages its own words, cleaned.
	Status   int
	Code     string
	Messages []string
	sentence *catalog.Error
}

// Error returns the sentence alone, in English: it is shown to the technician as it is.
func (e *Error) Error() string { return e.sentence.Error() }

// Localize is the sentence in p's language; ConnectWise's own words stay as it wrote
// them.
func (e *Error) Localize(p *catalog.Printer) string { return e.sentence.Localize(p) }

// failure turns an answer that is not a success into an *Error. doing is what was
// being done, a catalogue message that is a whole infinitive clause ("create the
// ticket"): every sentence here is worded so that any such clause fits it, in each
// language, rather than one message per sentence and clause. The statuses mean what
// the developer guide's HTTP Response Statuses say.
func (c *Notifier) failure(ans answer, doing *catalog.Error) *Error {
	e := &Error{Status: ans.Status}
	e.Code, e.Messages = c.messages(ans.Body)
	said := strings.Join(e.Messages, ": ")
	company := c.clean(c.cfg.CompanyID)
	switch {
	case ans.Status == http.StatusBadRequest && strings.Contains(strings.ToLower(e.Code+" "+said), "clientid"):
		e.sentence = catalog.NewError("connectwise.client-id-refused", "Said", also(said), "Doing", doing)
	case ans.Status == http.StatusUnauthorized:
		e.sentence = catalog.NewError("connectwise.keys-refused", "Company", company, "Doing", doing)
	case ans.Status == http.StatusForbidden:
		e.sentence = catalog.NewError("connectwise.forbidden", "Company", company, "Doing", doing, "Said", also(said))
	case ans.Status == http.StatusNotFound:
		// On ConnectWise's cloud a wrong key can show as a 404 too (developer guide).
		e.sentence = catalog.NewError("connectwise.not-found", "Doing", doing, "Said", also(said))
	case ans.Status == http.StatusTooManyRequests:
		e.sentence = catalog.NewError("connectwise.throttled", "Doing", doing)
	case ans.Status == http.StatusBadRequest && said != "":
		// A 400 is the request itself being wrong; it is not sent again (developer
		// guide, 400 Client Errors).
		e.sentence = catalog.NewError("connectwise.bad-request", "Doing", doing, "Reason", said)
	case ans.Status >= 500:
		e.sentence = catalog.NewError("connectwise.server-error", "Status", ans.Status, "Doing", doing)
	default:
		e.sentence = catalog.NewError("connectwise.refused", "Doing", doing, "Status", ans.Status, "Said", also(said))
	}
	return e
}

// also is ConnectWise's own words (not translated) as the tail of a parenthesis.
func also(said string) string {
	if said == "" {
		return ""
	}
	return ": " + said
}

// messages reads ConnectWise's error body — {"code","message","errors":[{"code",
// "message","resource","field"}]}, or {"error","message"} for a 429 — cleaned; an
// unreadable one gives none.
func (c *Notifier) messages(body []byte) (code string, out []string) {
	var v struct {
		Code    string `json:"code"`
		Error   string `json:"error"`
		Message string `json:"message"`
		Errors  []struct {
			Message string `json:"message"`
			Field   string `json:"field"`
		} `json:"errors"`
	}
	_ = json.Unmarshal(body, &v)
	if m := c.clean(v.Message); m != "" {
		out = append(out, m)
	}
	var each []string
	for _, e := range v.Errors {
		m := c.clean(e.Message)
		if f := c.clean(e.Field); f != "" && m != "" {
			m += " (" + f + ")"
		}
		if m != "" {
			each = append(each, m)
		}
	}
	if len(each) > 0 {
		out = append(out, strings.Join(each, "; "))
	}
	code = v.Code
	if code == "" {
		code = v.Error
	}
	return c.clean(code), out
}

// clean keeps text from ConnectWise to one safe line with no private key, so an answer
// cannot rewrite the terminal or leak what was sent. The key is taken out again after
// sanitize.Line, since dropping a control character inside it would join it back up.
func (c *Notifier) clean(s string) string {
	if c.cfg.PrivateKey == "" {
		return sanitize.Line(s)
	}
	// untranslated: a marker inside ConnectWise's own words, which are never translated.
	s = sanitize.Line(strings.ReplaceAll(s, c.cfg.PrivateKey, "[private key]"))
	return strings.ReplaceAll(s, c.cfg.PrivateKey, "[private key]") // untranslated: as above
}
