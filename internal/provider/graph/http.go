package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/mfa-onboard/mfa-onboard/internal/httpclient"
	"github.com/mfa-onboard/mfa-onboard/internal/retryafter"
)

// Retries are bounded so that a throttled run ends with a message instead of hanging.
const (
	maxTries = 4
	// maxWait is the longest Retry-After the client sits through; a longer one ends
	// the call with the wait in the message.
	maxWait = 60 * time.Second
	maxBody = 1 << 20
)

// answer is one HTTP response, read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// op says what a call is for, so a refusal can name what is missing.
type op struct {
	// permission is the Graph permission a 403 means is missing.
	permission string
	// user is the UPN a 404 means does not exist ("" when a 404 means something else).
	user string
}

// call sends one request with a fresh (cached) token, resending the identical body
// after 429, 503 or 504 once the wait Graph asks for has passed, and returns an
// *Error for any answer that is not a success.
func (c *Client) call(ctx context.Context, method, path string, in any, o op) (answer, error) {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return answer{}, fmt.Errorf("encode the Graph request (%w); report this to the mfa-onboard maintainers", err)
		}
	}
	for try := 1; ; try++ {
		a, err := c.once(ctx, method, path, body)
		if err != nil {
			return answer{}, err
		}
		if a.ok() {
			return a, nil
		}
		if !throttled(a.status) {
			return a, failure(a, o)
		}
		wait, again := retryafter.Policy{Tries: maxTries, MaxWait: maxWait}.Next(a.header, c.cfg.Clock.Now(), try)
		if !again {
			return a, throttle(a, wait)
		}
		if err := c.cfg.Clock.Sleep(ctx, wait); err != nil {
			return answer{}, fmt.Errorf("the Graph request was stopped (%w)", err)
		}
	}
}

func (c *Client) once(ctx context.Context, method, path string, body []byte) (answer, error) {
	tok, err := c.cfg.Credential.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{c.scope}})
	if err != nil {
		return answer{}, tokenError(ctx, err)
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return answer{}, fmt.Errorf("the Graph base URL %q does not work (%w); fix it in the config", c.base, err)
	}
	req.Header.Set("Authorization", "Bearer "+tok.Token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		return answer{}, transportError(ctx, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return answer{}, fmt.Errorf("the answer from Microsoft Graph broke off (%w); try again", err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

func throttled(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
}

func (a answer) ok() bool { return a.status >= 200 && a.status < 300 }

// decode reads a success body into v.
func (a answer) decode(v any) error {
	if err := json.Unmarshal(a.body, v); err != nil {
		return fmt.Errorf("the answer is not Microsoft Graph's JSON (%w); check that nothing between this computer and Graph rewrites answers", err)
	}
	return nil
}

// transportError explains a request that got no answer, leaving out the URL: it
// holds the user's UPN.
func transportError(ctx context.Context, err error) error {
	return httpclient.Explain(ctx, "Microsoft Graph", err)
}
