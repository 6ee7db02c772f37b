package graph_test

import (
	"context"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph/graphtest"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/providertest"
)

const (
	// faultSecret is the bearer token; it must never show in a sentence.
	faultSecret = "s3cret-graph-bearer-token-in-faults"
)

// faultCredential hands out faultSecret without asking an authority.
type faultCredential struct{}

func (faultCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: faultSecret, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// Graph's client resends the identical body after 429, 503 and 504 (http.go says so;
// a second POST of a mobile that did land is refused and turned into an update), and
// nothing else.
func TestGraphFaults(t *testing.T) {
	jsonAnswer := func(status int, body string) func(http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
		}
	}
	calls := []struct {
		name string
		ok   func(http.ResponseWriter)
		// faulty says which requests meet the fault; the others get pass.
		faulty func(*http.Request) bool
		pass   func(http.ResponseWriter)
		call   func(context.Context, *graph.Client) error
	}{
		{"MobileMethod", jsonAnswer(http.StatusOK, `{"value":[{"id":"3179e48a-750b-4051-897c-87b9720928f7","phoneNumber":"+1 2065550100","phoneType":"mobile"}]}`),
			func(*http.Request) bool { return true }, nil,
			func(ctx context.Context, c *graph.Client) error {
				_, err := c.MobileMethod(ctx, alice)
				return err
			}},
		{"RegisterMobile", jsonAnswer(http.StatusCreated, `{"id":"3179e48a-750b-4051-897c-87b9720928f7","phoneNumber":"+1 2065550100","phoneType":"mobile"}`),
			func(r *http.Request) bool { return r.Method == http.MethodPost },
			jsonAnswer(http.StatusOK, `{"value":[]}`),
			func(ctx context.Context, c *graph.Client) error {
				_, err := c.RegisterMobile(ctx, alice, "+12065550100")
				return err
			}},
	}
	faults := providertest.Faults(providertest.Budget{Throttled: 4, Unavailable: 4, Reset: 2})
	for _, c := range calls {
		for _, f := range faults {
			t.Run(c.name+"/"+f.Name, func(t *testing.T) {
				t.Parallel()
				var others atomic.Int32
				srv := providertest.NewFaultServer(t, true, func(n *atomic.Int32, w http.ResponseWriter, r *http.Request) {
					if !c.faulty(r) {
						others.Add(1)
						c.pass(w)
						return
					}
					f.Serve(int(n.Add(1)), w, r, c.ok)
				})
				hc := srv.Client()
				hc.Timeout = providertest.FaultTimeout
				cl, err := graph.New(graph.Config{
					TenantID: graphtest.TenantID, ClientID: graphtest.ClientID, Credential: faultCredential{},
					BaseURL: srv.URL, HTTPClient: hc, Clock: clock.NewFake(start),
				})
				if err != nil {
					t.Fatal(err)
				}
				providertest.RunFault(t, f, srv, providertest.FaultLimit, func(ctx context.Context) error { return c.call(ctx, cl) }, faultSecret)
				if n := others.Load(); n > 2 {
					t.Errorf("server saw %d other requests; want at most 2", n)
				}
			})
		}
	}
}
