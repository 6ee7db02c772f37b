package duo

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

// API names which Duo application (and so which key pair in the config) a call used.
type API string

// The two Duo applications the client signs for.
const (
	AdminAPI API = "admin"
	AuthAPI  API = "auth"
)

// Error is Duo refusing a request. Error() is one sentence for the technician; Code,
// Message and Detail keep Duo's own words (control characters removed) for tests and
// support.
type Error struct {
	// API is which application's keys signed the request.
	API API
	// Status is the HTTP status.
	Status int
	// Code is Duo's error code (e.g. 40103), or 0 when the answer was not Duo's envelope.
	Code int
	// Message and Detail are Duo's message and message_detail.
	Message, Detail string
}

// Error says what went wrong and what to do, without any secret, in English.
func (e *Error) Error() string { return e.message().Error() }

// Localize says it in p's language; Duo's own words stay Duo's.
func (e *Error) Localize(p *catalog.Printer) string { return e.message().Localize(p) }

// message is the sentence for what Duo answered.
func (e *Error) message() *catalog.Error {
	// untranslated: Duo's application names and the config keys of their key pairs.
	app, key := "Admin API", "duo.admin"
	if e.API == AuthAPI {
		// untranslated: as above.
		app, key = "Auth API", "duo.auth"
	}
	switch {
	case e.Code == 40101 || e.Code == 40102:
		return catalog.NewError("duo.error.ikey", "Key", key, "App", app)
	case e.Code == 40103:
		return catalog.NewError("duo.error.skey", "Key", key)
	case e.Code == 40104 || e.Code == 40105:
		return catalog.NewError("duo.error.date")
	case e.Code == 40301 && e.API == AuthAPI:
		return catalog.NewError("duo.error.auth-forbidden")
	case e.Code == 40301:
		return catalog.NewError("duo.error.admin-permission")
	case e.Code == 40002:
		return catalog.NewError("duo.error.parameter", "Words", e.words())
	case e.Code == 40003:
		return catalog.NewError("duo.error.exists", "Words", e.words())
	case e.Code == 40401:
		return catalog.NewError("duo.error.no-resource", "Words", e.words())
	case e.Status == 429 || e.Code == 42901:
		return catalog.NewError("duo.error.rate-limited")
	case e.Status >= 500 && e.Code == 0:
		// Not Duo's envelope: a proxy or load balancer in between answered.
		return catalog.NewError("duo.error.proxy", "Status", e.Status)
	case e.Status >= 500:
		return catalog.NewError("duo.error.internal")
	case e.Code == 0:
		return catalog.NewError("duo.error.not-duo", "Status", e.Status)
	}
	return catalog.NewError("duo.error.refused", "Code", e.Code, "Words", e.words())
}

// words is Duo's detail, else its message, for the parentheses of a sentence.
func (e *Error) words() string {
	if e.Detail != "" {
		return e.Detail
	}
	if e.Message != "" {
		return e.Message
	}
	return strconv.Itoa(e.Code)
}

// Is lets callers test for the roles' shared errors with errors.Is.
func (e *Error) Is(target error) bool {
	switch target {
	case provider.ErrNotFound:
		return e.Code == 40401 || (e.Code == 0 && e.Status == 404)
	case provider.ErrRateLimited:
		return e.Status == 429 || e.Code == 42901
	}
	return false
}

// envelope is every Duo answer: stat OK with response, or FAIL with code and message.
type envelope struct {
	Stat          string          `json:"stat"`
	Code          json.RawMessage `json:"code"`
	Message       string          `json:"message"`
	MessageDetail string          `json:"message_detail"`
	Response      json.RawMessage `json:"response"`
	// Metadata comes with a list (where its next page starts); read only by callPage,
	// so that an odd one cannot spoil any other answer.
	Metadata json.RawMessage `json:"metadata"`
}

// decode unpacks Duo's envelope into out, or returns the *Error Duo's answer means.
func decode(api API, status int, body []byte, out any) error {
	_, err := decodeEnvelope(api, status, body, out)
	return err
}

// decodeEnvelope is decode that also gives back the envelope, for its metadata.
func decodeEnvelope(api API, status int, body []byte, out any) (envelope, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil || env.Stat == "" {
		return env, &Error{API: api, Status: status}
	}
	if env.Stat != "OK" || status != 200 {
		return env, &Error{API: api, Status: status, Code: parseInt(env.Code), Message: sanitize.Line(env.Message), Detail: sanitize.Line(env.MessageDetail)}
	}
	if out == nil {
		return env, nil
	}
	if err := json.Unmarshal(env.Response, out); err != nil {
		return env, catalog.Wrap(err, "duo.unreadable-answer")
	}
	return env, nil
}

// parseInt reads a number Duo may send as a string (error codes, valid_secs).
func parseInt(raw json.RawMessage) int {
	s := strings.Trim(string(raw), `" `)
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0
	}
	return n
}
