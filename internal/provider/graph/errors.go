package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/retryafter"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

// Error is a refusal from Microsoft Graph, told as one sentence for the technician;
// Status, Code and Message are Graph's, for callers that branch on them.
type Error struct {
	Status        int
	Code, Message string
	sentence      string
}

// Error returns the sentence alone: it is shown to the technician as it is.
func (e *Error) Error() string { return e.sentence }

// graphError is Graph's error body.
type graphError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func parse(a answer) (code, msg string) {
	var g graphError
	_ = json.Unmarshal(a.Body, &g)
	return sanitize.Line(g.Error.Code), sanitize.Line(g.Error.Message)
}

// failure turns a refusal into an *Error whose sentence names what to fix.
func failure(a answer, o op) *Error {
	code, msg := parse(a)
	e := &Error{Status: a.Status, Code: code, Message: msg}
	switch {
	case a.Status == http.StatusForbidden && o.permission != "":
		e.sentence = "the app registration lacks the Graph permission " + o.permission + " (application, with admin consent)"
	case a.Status == http.StatusNotFound && o.user != "":
		e.sentence = "Microsoft 365 has no user " + sanitize.Line(o.user)
	case a.Status == http.StatusUnauthorized:
		e.sentence = "Microsoft Graph refused the app's token (" + orNone(code) + "): check that graph.tenant_id is the tenant the app registration is in"
	case a.Status == http.StatusBadRequest:
		e.sentence = "Microsoft Graph refused the request: " + strings.TrimSuffix(orNone(msg), ".")
	case a.Status >= 500:
		e.sentence = fmt.Sprintf("Microsoft Graph answered %d (%s); try again in a few minutes", a.Status, orNone(code))
	default:
		e.sentence = fmt.Sprintf("Microsoft Graph answered %d (%s: %s)", a.Status, orNone(code), orNone(msg))
	}
	return e
}

// throttle is the error once retries are used up or the wait is too long to sit out.
func throttle(a answer, wait time.Duration) *Error {
	code, msg := parse(a)
	return &Error{Status: a.Status, Code: code, Message: msg,
		sentence: fmt.Sprintf("Microsoft Graph is throttling this app or is busy (HTTP %d); wait %s and try again", a.Status, retryafter.Describe(max(wait, time.Minute)))}
}

// TokenError is a failure to get a Graph token. Code is the AADSTS number, when
// Entra ID gave one; the wrapped error is azidentity's, whose text is long.
type TokenError struct {
	Code     string
	sentence string
	err      error
}

// Error returns the sentence alone; azidentity's long text stays behind Unwrap.
func (e *TokenError) Error() string { return e.sentence }

// Unwrap gives azidentity's error, e.g. for errors.As(err, *azidentity.AuthenticationFailedError).
func (e *TokenError) Unwrap() error { return e.err }

// aadsts finds Entra ID's error number and its first sentence in azidentity's text,
// which quotes the token endpoint's JSON answer.
var aadsts = regexp.MustCompile(`AADSTS(\d+):?([^"\\]*)`)

func tokenError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("the Graph token request was stopped (%w)", ctx.Err())
	}
	var te *TokenError
	if errors.As(err, &te) {
		return te
	}
	e := &TokenError{err: err}
	m := aadsts.FindStringSubmatch(err.Error())
	if m != nil {
		e.Code = m[1]
	}
	switch e.Code {
	case "7000215", "7000222":
		// 7000222 is the expired secret: the fix is the same.
		e.sentence = "the Graph client secret is wrong or expired: check graph.client_secret_env"
	case "700016":
		e.sentence = "graph.client_id is not an app registration in this tenant"
	case "90002":
		e.sentence = "graph.tenant_id is not a tenant"
	case "":
		e.sentence = "could not get a Microsoft Graph token (" + sanitize.Line(err.Error()) + "): check graph.tenant_id, this computer's network connection and any proxy"
	default:
		e.sentence = "Entra ID refused the Graph token (AADSTS" + e.Code + ": " + strings.TrimSuffix(sanitize.Line(m[2]), ".") + "); look the code up at https://login.microsoftonline.com/error?code=" + e.Code
	}
	return e
}

func orNone(s string) string {
	if s == "" {
		return "no detail given"
	}
	return s
}
