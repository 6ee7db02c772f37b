package autotask

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/httpclient"
	"github.com/mfa-onboard/mfa-onboard/internal/retryafter"
)

// Retries are bounded so that a throttled run ends with a message instead of hanging.
const (
	maxTries = 4
	// maxWait is the longest Retry-After the client sits through.
	maxWait = 60 * time.Second
	maxBody = 1 << 20
)

// answer is one HTTP response, read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
}

func (a answer) ok() bool { return a.status >= 200 && a.status < 300 }

// call sends one request with Autotask's headers, resending the same body after a 429
// once the wait Autotask asks for has passed.
func (a *Notifier) call(ctx context.Context, method, rawURL string, body any) (answer, error) {
	var data []byte
	if body != nil {
		var err error
		if data, err = json.Marshal(body); err != nil {
			return answer{}, fmt.Errorf("encode the Autotask request: %w", err)
		}
	}
	for try := 1; ; try++ {
		ans, err := a.once(ctx, method, rawURL, data)
		if err != nil {
			return answer{}, err
		}
		if ans.status != http.StatusTooManyRequests {
			return ans, nil
		}
		wait, again := retryafter.Policy{Tries: maxTries, MaxWait: maxWait}.Next(ans.header, a.cfg.Clock.Now(), try)
		if !again {
			return ans, nil
		}
		if err := a.cfg.Clock.Sleep(ctx, wait); err != nil {
			return answer{}, err
		}
	}
}

func (a *Notifier) once(ctx context.Context, method, rawURL string, data []byte) (answer, error) {
	var rd io.Reader
	if data != nil {
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, rd)
	if err != nil {
		return answer{}, fmt.Errorf("the Autotask URL %q does not work (%w); fix the zone or base URL in the config", hostOf(rawURL), err)
	}
	req.Header.Set("ApiIntegrationCode", a.cfg.IntegrationCode)
	req.Header.Set("UserName", a.cfg.APIUser)
	req.Header.Set("Secret", a.cfg.Secret)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	resp, err := a.cfg.HTTPClient.Do(req)
	if err != nil {
		return answer{}, transportError(ctx, rawURL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return answer{}, fmt.Errorf("the answer from Autotask (%s) broke off (%w); try again", hostOf(rawURL), err)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: body}, nil
}

// decode reads a success body into v.
func (ans answer) decode(v any) error {
	if err := json.Unmarshal(ans.body, v); err != nil {
		return fmt.Errorf("the answer is not Autotask's JSON (%w); check that nothing between this computer and Autotask rewrites answers", err)
	}
	return nil
}

// hostOf keeps only scheme and host: a URL in a message never needs more.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "the configured address"
	}
	return u.Scheme + "://" + u.Host
}

// transportError explains a request that got no answer, naming only the host.
func transportError(ctx context.Context, rawURL string, err error) error {
	return httpclient.Explain(ctx, "Autotask at "+hostOf(rawURL), err)
}
