package autotask

import (
	"context"
	"net/http"

	"github.com/mfa-onboard/mfa-onboard/internal/httpcall"
)

// answer is one HTTP response from Autotask, read whole.
type answer = httpcall.Answer

// call sends one request with Autotask's headers, resending the same body after a 429
// once the wait Autotask asks for has passed; other answers are returned for the
// caller to explain.
func (a *Notifier) call(ctx context.Context, method, rawURL string, body any) (answer, error) {
	req, err := httpcall.JSON(method, rawURL, body)
	if err != nil {
		return answer{}, err
	}
	svc := httpcall.Service{
		// httpcall's sentences name the service by this string and have no Printer.
		// untranslated: the service as httpcall names it.
		Name:  "Autotask at " + hostOf(rawURL),
		HTTP:  a.cfg.HTTPClient,
		Clock: a.cfg.Clock,
		// https://ww6.autotask.net/help/DeveloperHelp/Content/APIs/REST/General_Topics/REST_Security_Auth.htm
		Authorize: func(_ context.Context, r *http.Request) error {
			r.Header.Set("ApiIntegrationCode", a.cfg.IntegrationCode)
			r.Header.Set("UserName", a.cfg.APIUser)
			r.Header.Set("Secret", a.cfg.Secret)
			// Autotask wants the JSON content type on every call, GETs included.
			r.Header.Set("Content-Type", "application/json")
			return nil
		},
	}
	return svc.Do(ctx, req)
}

// hostOf keeps only scheme and host: a URL in a message never needs more.
func hostOf(raw string) string { return httpcall.Host(raw) }
