package graph

import (
	"context"
	"net/http"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/mfa-onboard/mfa-onboard/internal/httpcall"
)

// answer is one HTTP response from Graph, read whole.
type answer = httpcall.Answer

// op says what a call is for, so a refusal can name what is missing.
type op struct {
	// permission is the Graph permission a 403 means is missing.
	permission string
	// user is the UPN a 404 means does not exist ("" when a 404 means something else).
	user string
}

// service is Graph as httpcall calls it: a fresh (cached) token on every attempt, and
// 429, 503 and 504 sent again once the wait Graph asks for has passed
// (https://learn.microsoft.com/graph/throttling).
func (c *Client) service() httpcall.Service {
	return httpcall.Service{
		Name:  "Microsoft Graph", // untranslated: the product's name
		HTTP:  c.cfg.HTTPClient,
		Clock: c.cfg.Clock,
		Authorize: func(ctx context.Context, r *http.Request) error {
			tok, err := c.cfg.Credential.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{c.scope}})
			if err != nil {
				return tokenError(ctx, err)
			}
			r.Header.Set("Authorization", "Bearer "+tok.Token)
			return nil
		},
		Retry: func(a httpcall.Answer) bool { return throttled(a.Status) },
	}
}

// call sends one request and returns an *Error for any answer that is not a success.
func (c *Client) call(ctx context.Context, method, path string, in any, o op) (answer, error) {
	req, err := httpcall.JSON(method, c.base+path, in)
	if err != nil {
		return answer{}, err
	}
	a, err := c.service().Do(ctx, req)
	switch {
	case err != nil:
		return answer{}, err
	case a.OK():
		return a, nil
	case a.Throttled:
		return a, throttle(a, a.Wait)
	}
	return a, failure(a, o)
}

func throttled(status int) bool {
	return status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable || status == http.StatusGatewayTimeout
}
