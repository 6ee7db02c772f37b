package twilio

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/mfa-onboard/mfa-onboard/internal/httpcall"
)

// answer is one HTTP response from Twilio, read whole.
type answer = httpcall.Answer

// apiError is Twilio's error body.
type apiError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

// call sends one request, resending the identical form after a 20429 or 503 once the
// wait Twilio asks for has passed. Answers that are not a success are returned for
// the caller to explain.
func (c *Client) call(ctx context.Context, method, path string, form url.Values) (answer, error) {
	req := httpcall.Request{Method: method, URL: c.base + path}
	if form != nil {
		req = httpcall.Form(method, c.base+path, form)
	}
	svc := httpcall.Service{
		Name:  "Twilio Verify", // untranslated: the product's name
		HTTP:  c.cfg.HTTPClient,
		Clock: c.cfg.Clock,
		Authorize: func(_ context.Context, r *http.Request) error {
			r.SetBasicAuth(c.cfg.AccountSID, c.cfg.AuthToken)
			return nil
		},
		Retry: retryable,
	}
	return svc.Do(ctx, req)
}

// retryable is true for a general rate limit or an outage. Verify's own limits
// (60202, 60203) are also 429s, but waiting a few seconds does not lift them
// (https://www.twilio.com/docs/api/errors/20429).
func retryable(a answer) bool {
	switch a.Status {
	case http.StatusServiceUnavailable:
		return true
	case http.StatusTooManyRequests:
		code := apiErrorOf(a).Code
		return code == 0 || code == 20429
	}
	return false
}

// apiErrorOf decodes the error body; an unreadable one gives a zero code.
func apiErrorOf(a answer) apiError {
	var e apiError
	_ = json.Unmarshal(a.Body, &e)
	return e
}
