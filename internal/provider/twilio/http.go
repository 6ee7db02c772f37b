package twilio

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/httpclient"
	"github.com/mfa-onboard/mfa-onboard/internal/retryafter"
)

// Retries are bounded so that a throttled run ends with a message instead of hanging.
const (
	maxTries = 4
	// maxWait is the longest Retry-After the client sits through; a longer one ends
	// the call with the wait in the message.
	maxWait = 60 * time.Second
	// maxBody bounds what is read of an answer.
	maxBody = 1 << 20
)

// answer is one HTTP response, read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// apiError is Twilio's error body.
type apiError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

// call sends one request, resending the identical form after a 20429 or 503 once the
// wait Twilio asks for has passed.
func (c *Client) call(ctx context.Context, method, path string, form url.Values) (answer, error) {
	var body string
	if form != nil {
		body = form.Encode()
	}
	for try := 1; ; try++ {
		a, err := c.once(ctx, method, path, body, form != nil)
		if err != nil {
			return answer{}, err
		}
		if !retryable(a) {
			return a, nil
		}
		wait, again := retryafter.Policy{Tries: maxTries, MaxWait: maxWait}.Next(a.header, c.cfg.Clock.Now(), try)
		if !again {
			return a, nil
		}
		if err := c.cfg.Clock.Sleep(ctx, wait); err != nil {
			return answer{}, err
		}
	}
}

func (c *Client) once(ctx context.Context, method, path, body string, isForm bool) (answer, error) {
	var rd io.Reader
	if isForm {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return answer{}, fmt.Errorf("the Twilio base URL %q does not work (%w); fix it in the config", c.base, err)
	}
	req.SetBasicAuth(c.cfg.AccountSID, c.cfg.AuthToken)
	req.Header.Set("Accept", "application/json")
	if isForm {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return answer{}, transportError(ctx, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return answer{}, fmt.Errorf("the answer from Twilio Verify broke off (%w); try again", err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// retryable is true for a general rate limit or an outage. Verify's own limits
// (60202, 60203) are also 429s, but waiting a few seconds does not lift them.
func retryable(a answer) bool {
	switch a.status {
	case http.StatusServiceUnavailable:
		return true
	case http.StatusTooManyRequests:
		code := a.apiError().Code
		return code == 0 || code == 20429
	}
	return false
}

func (a answer) ok() bool { return a.status >= 200 && a.status < 300 }

// apiError decodes the error body; an unreadable one gives a zero code.
func (a answer) apiError() apiError {
	var e apiError
	_ = json.Unmarshal(a.body, &e)
	return e
}

// decode reads a success body into v.
func (a answer) decode(v any) error {
	if err := json.Unmarshal(a.body, v); err != nil {
		return fmt.Errorf("the answer is not Twilio Verify's JSON (%w); check that nothing between this computer and verify.twilio.com rewrites answers", err)
	}
	return nil
}

// transportError explains a request that got no answer, leaving out the URL.
func transportError(ctx context.Context, err error) error {
	return httpclient.Explain(ctx, "Twilio Verify", err)
}
