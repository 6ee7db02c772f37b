package connectwise

import (
	"context"
	"net/http"

	"github.com/mfa-onboard/mfa-onboard/internal/httpcall"
)

// answer is one HTTP response from ConnectWise, read whole.
type answer = httpcall.Answer

// mediaType is ConnectWise's JSON type. No model version is pinned: the few ticket
// fields used here (summary, board, status, company, initialDescription, id) are in
// every version, and a pinned version is retired 12 months after the next one
// (developer guide, Versioning).
const mediaType = "application/vnd.connectwise.com+json"

// call sends one request with ConnectWise's credentials, resending the same body after
// a 429 once the Retry-After ConnectWise gives has passed (developer guide, Rate
// Limiting); other answers are returned for the caller to explain.
func (c *Notifier) call(ctx context.Context, method, rawURL string, body any) (answer, error) {
	req, err := httpcall.JSON(method, rawURL, body)
	if err != nil {
		return answer{}, err
	}
	svc := httpcall.Service{
		// httpcall's sentences name the service by this string and have no Printer.
		// untranslated: the service as httpcall names it.
		Name:  "ConnectWise at " + httpcall.Host(rawURL),
		HTTP:  c.cfg.HTTPClient,
		Clock: c.cfg.Clock,
		// Developer guide, Authentication and ClientIds: Basic
		// base64(companyId+publicKey:privateKey), and the integration's clientId on
		// every call.
		Authorize: func(_ context.Context, r *http.Request) error {
			r.SetBasicAuth(c.cfg.CompanyID+"+"+c.cfg.PublicKey, c.cfg.PrivateKey)
			r.Header.Set("clientId", c.cfg.ClientID)
			r.Header.Set("Accept", mediaType)
			return nil
		},
	}
	return svc.Do(ctx, req)
}

// lookup is a call that needs no credentials (the company-info lookup of the codebase).
func (c *Notifier) lookup(ctx context.Context, rawURL string) (answer, error) {
	svc := httpcall.Service{Name: "ConnectWise at " + httpcall.Host(rawURL), HTTP: c.cfg.HTTPClient, Clock: c.cfg.Clock} // untranslated: as in call
	return svc.Do(ctx, httpcall.Request{Method: http.MethodGet, URL: rawURL})
}
