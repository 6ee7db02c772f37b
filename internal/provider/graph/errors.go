package graph

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/retryafter"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

// Error is a refusal from Microsoft Graph, told as one sentence for the technician;
// Status, Code and Message are Graph's, for callers that branch on them.
type Error struct {
	Status        int
	Code, Message string
	// msg is the sentence; nil for a throttled request, whose wait is said in the
	// Printer's words.
	msg  *catalog.Error
	wait time.Duration
}

// Error returns the sentence alone, in English: it is shown to the technician as it is.
func (e *Error) Error() string { return e.Localize(catalog.English()) }

// Localize is the sentence in p's language; Graph's own words stay Graph's.
func (e *Error) Localize(p *catalog.Printer) string {
	if e.msg == nil {
		return p.T("graph.error.throttled", "Status", e.Status, "Wait", retryafter.Describe(p, max(e.wait, time.Minute)))
	}
	return e.msg.Localize(p)
}

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
		e.msg = catalog.NewError("graph.error.permission", "Permission", o.permission)
	case a.Status == http.StatusNotFound && o.user != "":
		e.msg = catalog.NewError("graph.error.no-user", "User", sanitize.Line(o.user))
	case a.Status == http.StatusUnauthorized:
		e.msg = catalog.NewError("graph.error.token-refused", "Code", orNone(code))
	case a.Status == http.StatusBadRequest:
		words := orNone(msg)
		if msg != "" {
			words = strings.TrimSuffix(msg, ".")
		}
		e.msg = catalog.NewError("graph.error.bad-request", "Message", words)
	case a.Status >= 500:
		e.msg = catalog.NewError("graph.error.outage", "Status", a.Status, "Code", orNone(code))
	default:
		e.msg = catalog.NewError("graph.error.answered", "Status", a.Status, "Code", orNone(code), "Message", orNone(msg))
	}
	return e
}

// refusal is Graph's refusal ge told by msg instead of failure's sentence.
func refusal(ge *Error, msg *catalog.Error) *Error {
	return &Error{Status: ge.Status, Code: ge.Code, Message: ge.Message, msg: msg}
}

// throttle is the error once retries are used up or the wait is too long to sit out.
func throttle(a answer, wait time.Duration) *Error {
	code, msg := parse(a)
	return &Error{Status: a.Status, Code: code, Message: msg, wait: wait}
}

// TokenError is a failure to get a Graph token. Code is the AADSTS number, when
// Entra ID gave one; the wrapped error is azidentity's, whose text is long.
type TokenError struct {
	Code string
	msg  *catalog.Error
	err  error
}

// Error returns the sentence alone, in English; azidentity's long text stays behind
// Unwrap.
func (e *TokenError) Error() string { return e.msg.Error() }

// Localize is the sentence in p's language.
func (e *TokenError) Localize(p *catalog.Printer) string { return e.msg.Localize(p) }

// Unwrap gives azidentity's error, e.g. for errors.As(err, *azidentity.AuthenticationFailedError).
func (e *TokenError) Unwrap() error { return e.err }

// aadsts finds Entra ID's error number and its first sentence in azidentity's text,
// which quotes the token endpoint's JSON answer.
var aadsts = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`AADSTS(\d+):?([^"\\]*)`) })

func tokenError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return catalog.Wrap(ctx.Err(), "graph.token.stopped")
	}
	var te *TokenError
	if errors.As(err, &te) {
		return te
	}
	e := &TokenError{err: err}
	m := aadsts().FindStringSubmatch(err.Error())
	if m != nil {
		e.Code = m[1]
	}
	switch e.Code {
	case "7000215", "7000222":
		// 7000222 is the expired secret: the fix is the same.
		e.msg = catalog.NewError("graph.token.secret")
	case "700016":
		e.msg = catalog.NewError("graph.token.client-id")
	case "90002":
		e.msg = catalog.NewError("graph.token.tenant-id")
	case "":
		e.msg = catalog.NewError("graph.token.unreachable", "Detail", sanitize.Line(err.Error()))
	default:
		e.msg = catalog.NewError("graph.token.refused", "Code", e.Code, "Words", strings.TrimSuffix(sanitize.Line(m[2]), "."))
	}
	return e
}

// orNone is s, or words saying Graph gave none, for a sentence.
func orNone(s string) any {
	if s == "" {
		return catalog.NewError("graph.error.none-given")
	}
	return s
}
