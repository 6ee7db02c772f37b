package connectwise

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

// Error is a refusal from ConnectWise, told as one sentence for the technician.
type Error struct {
	// Status is the HTTP status; Code is ConnectWise's error code (InvalidObject,
	// Security…) and Messages its own words, cleaned.
	Status   int
	Code     string
	Messages []string
	sentence string
}

// Error returns the sentence alone: it is shown to the technician as it is.
func (e *Error) Error() string { return e.sentence }

// failure turns an answer that is not a success into an *Error; doing says what was
// being done, in words ("create the ticket"). The statuses mean what the developer
// guide's HTTP Response Statuses say.
func (c *Notifier) failure(ans answer, doing string) *Error {
	e := &Error{Status: ans.Status}
	e.Code, e.Messages = c.messages(ans.Body)
	said := strings.Join(e.Messages, ": ")
	company := c.clean(c.cfg.CompanyID)
	switch {
	case ans.Status == http.StatusBadRequest && strings.Contains(strings.ToLower(e.Code+" "+said), "clientid"):
		e.sentence = fmt.Sprintf("ConnectWise refused the clientId (HTTP 400%s) while trying to %s: give the GUID registered for this integration at developer.connectwise.com as the ConnectWise client id in the config", also(said), doing)
	case ans.Status == http.StatusUnauthorized:
		e.sentence = fmt.Sprintf("ConnectWise refused the API keys for company %s (HTTP 401) while trying to %s: check the company id (the one typed at login), the public key and the private key of the API member", company, doing)
	case ans.Status == http.StatusForbidden:
		e.sentence = fmt.Sprintf("ConnectWise does not let the API member of company %s %s (HTTP 403%s): give its security role Add and Inquire on Service Desk → Service Tickets, and Inquire on Companies → Company Maintenance", company, doing, also(said))
	case ans.Status == http.StatusNotFound:
		// On ConnectWise's cloud a wrong key can show as a 404 too (developer guide).
		e.sentence = fmt.Sprintf("ConnectWise answered HTTP 404 while trying to %s%s: check the site and the codebase in the config, and the API member's keys", doing, also(said))
	case ans.Status == http.StatusTooManyRequests:
		e.sentence = fmt.Sprintf("ConnectWise is limiting requests (HTTP 429) while trying to %s; wait a few minutes and run again", doing)
	case ans.Status == http.StatusBadRequest && said != "":
		// A 400 is the request itself being wrong; it is not sent again (developer
		// guide, 400 Client Errors).
		e.sentence = fmt.Sprintf("ConnectWise refused to %s: %s; fix the ConnectWise ticket settings in the config (board, status, company)", doing, said)
	case ans.Status >= 500:
		e.sentence = fmt.Sprintf("ConnectWise answered HTTP %d while trying to %s; try again in a few minutes, and check ConnectWise's status page if it goes on", ans.Status, doing)
	default:
		e.sentence = fmt.Sprintf("ConnectWise refused to %s (HTTP %d%s); check the ConnectWise settings in the config", doing, ans.Status, also(said))
	}
	return e
}

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
	s = sanitize.Line(strings.ReplaceAll(s, c.cfg.PrivateKey, "[private key]"))
	return strings.ReplaceAll(s, c.cfg.PrivateKey, "[private key]")
}
