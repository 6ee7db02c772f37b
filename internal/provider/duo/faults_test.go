package duo_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/duo"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/duo/duotest"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/providertest"
)

// transport.go resends a request, byte for byte, only after a 429 (Duo refused it
// unread); nothing else is retried, the POST included. A create that fails is followed
// by a look for what exists (enroll.go, foundAfter): a read, which the same fault
// answers, and which the budget of the create does not count.
func TestDuoFaults(t *testing.T) {
	jsonAnswer := func(body string) func(http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, body)
		}
	}
	calls := []struct {
		name string
		ok   func(http.ResponseWriter)
		call func(context.Context, *duo.Client) error
		// look is the read that follows a failed create, not counted; "" for none.
		look string
	}{
		{"FindUser", jsonAnswer(`{"stat":"OK","response":[{"user_id":"DU0123456789ABCDEF01","username":"alice"}]}`),
			func(ctx context.Context, c *duo.Client) error {
				_, err := c.FindUser(ctx, "alice")
				return err
			}, ""},
		{"CreatePhone", jsonAnswer(`{"stat":"OK","response":{"phone_id":"DP0123456789ABCDEF01","number":"+12015550100","type":"Mobile","platform":"Google Android","activated":false}}`),
			func(ctx context.Context, c *duo.Client) error {
				_, err := c.CreatePhone(ctx, "+12015550100", "android")
				return err
			}, "GET /admin/v1/phones"},
	}
	faults := providertest.Faults(providertest.Budget{Throttled: 5, Unavailable: 1, Reset: 2})
	k := duotest.DefaultKeys()
	for _, c := range calls {
		for _, f := range faults {
			t.Run(c.name+"/"+f.Name, func(t *testing.T) {
				t.Parallel()
				srv := providertest.NewFaultServer(t, true, func(n *atomic.Int32, w http.ResponseWriter, r *http.Request) {
					if r.Method+" "+r.URL.Path == c.look {
						f.Serve(int(n.Load()), w, r, c.ok)
						return
					}
					f.Serve(int(n.Add(1)), w, r, c.ok)
				})
				cl, err := duo.New(duo.Config{
					APIHost:   strings.TrimPrefix(srv.URL, "https://"),
					AdminIKey: k.AdminIKey, AdminSKey: k.AdminSKey, AuthIKey: k.AuthIKey, AuthSKey: k.AuthSKey,
					HTTPClient: srv.Client(), ActivationValid: activationValid, CreateUsers: true,
					Clock: clock.NewFake(time.Now().Truncate(time.Second)), CallTimeout: providertest.FaultTimeout,
				})
				if err != nil {
					t.Fatal(err)
				}
				providertest.RunFault(t, f, srv, providertest.FaultLimit, func(ctx context.Context) error { return c.call(ctx, cl) }, k.AdminSKey, k.AuthSKey)
			})
		}
	}
}
