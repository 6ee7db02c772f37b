package duo

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

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

// Error says what went wrong and what to do, without any secret.
func (e *Error) Error() string {
	app, key := "Admin API", "duo.admin"
	if e.API == AuthAPI {
		app, key = "Auth API", "duo.auth"
	}
	switch {
	case e.Code == 40101 || e.Code == 40102:
		return fmt.Sprintf("the Duo integration key %s_ikey is not right: copy it again from the %s application in the Duo Admin Panel", key, app)
	case e.Code == 40103:
		return fmt.Sprintf("Duo refused the request signature: check %s_skey_env/_file holds the secret key of the same integration, and that this computer's clock is right", key)
	case e.Code == 40104 || e.Code == 40105:
		return "Duo refused the request's date: check that this computer's clock is right"
	case e.Code == 40301 && e.API == AuthAPI:
		return "Duo forbids this request to the Auth API integration: check duo.auth_ikey belongs to an \"Auth API\" application in the Duo Admin Panel"
	case e.Code == 40301:
		return "the Duo Admin API integration lacks a permission: grant it \"Grant write resource\" (and \"Grant read resource\", \"Grant read information\") in the Duo Admin Panel"
	case e.Code == 40002:
		return fmt.Sprintf("Duo refused a parameter (%s)", e.words())
	case e.Code == 40003:
		return fmt.Sprintf("Duo already has this (%s)", e.words())
	case e.Code == 40401:
		return fmt.Sprintf("Duo has no such resource (%s)", e.words())
	case e.Status == 429 || e.Code == 42901:
		return "Duo is rate-limiting these requests: wait a few minutes and run mfa-onboard start again"
	case e.Status >= 500 && e.Code == 0:
		// Not Duo's envelope: a proxy or load balancer in between answered.
		return fmt.Sprintf("Duo (or a proxy in front of it) answered HTTP %d with something that is not Duo's API: try again shortly, and check duo.api_host and any proxy in between", e.Status)
	case e.Status >= 500:
		return "Duo had an internal error: try again shortly"
	case e.Code == 0:
		return fmt.Sprintf("Duo answered HTTP %d with something that is not Duo's API: check duo.api_host and any proxy in between", e.Status)
	}
	return fmt.Sprintf("Duo refused the request (%d %s): check the Duo Admin Panel and the duo settings", e.Code, e.words())
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
		return env, fmt.Errorf("read Duo's answer: %w; check duo.api_host points at Duo", err)
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
