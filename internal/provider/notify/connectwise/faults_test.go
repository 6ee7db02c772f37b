package connectwise_test

import (
	"context"
	"io"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/connectwise"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/providertest"
)

const ticketsPath = "/v4_6_release/apis/3.0/service/tickets"

// The ticket create is a POST that is not idempotent: the client resends it only after
// a 429 (ConnectWise refuses the request before acting on it), never after a 5xx, a
// reset or a timeout; the next run's search finds a ticket that was filed anyway. The
// search before it is a read, faulted on its own below.
func TestConnectWiseFaults(t *testing.T) {
	faults := providertest.Faults(providertest.Budget{Throttled: 4, Unavailable: 1, Reset: 1})
	calls := []struct {
		name   string
		method string
		ok     func(http.ResponseWriter)
		call   func(ctx context.Context, n *connectwise.Notifier) error
	}{
		{"Notify", http.MethodPost, func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, `{"id":1234,"summary":"MFA set up","board":{"id":1},"company":{"id":250}}`)
		}, func(ctx context.Context, n *connectwise.Notifier) error {
			_, err := n.Notify(ctx, notice())
			return err
		}},
		{"Sent", http.MethodGet, func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, `[]`)
		}, func(ctx context.Context, n *connectwise.Notifier) error {
			_, _, err := n.Sent(ctx, notice().ID)
			return err
		}},
	}
	for _, c := range calls {
		for _, f := range faults {
			t.Run(c.name+"/"+f.Name, func(t *testing.T) {
				t.Parallel()
				var others atomic.Int32
				srv := providertest.NewFaultServer(t, true, func(n *atomic.Int32, w http.ResponseWriter, r *http.Request) {
					switch {
					case r.URL.Path == ticketsPath && r.Method == c.method:
						f.Serve(int(n.Add(1)), w, r, c.ok)
					case r.URL.Path == ticketsPath && r.Method == http.MethodGet:
						w.Header().Set("Content-Type", "application/json")
						_, _ = io.WriteString(w, `[]`)
					default:
						others.Add(1)
						w.WriteHeader(http.StatusNotFound)
					}
				})
				hc := srv.Client()
				hc.Timeout = providertest.FaultTimeout
				nt, err := connectwise.New(connectwise.Config{CompanyID: company, PublicKey: publicKey, PrivateKey: privateKey, ClientID: clientID,
					Codebase: "v4_6_release/", Board: connectwise.Ref{ID: 1}, Company: connectwise.CompanyRef{ID: 250},
					BaseURL: srv.URL + "/", HTTPClient: hc, Clock: clock.NewFake(start)})
				if err != nil {
					t.Fatal(err)
				}
				providertest.RunFault(t, f, srv, providertest.FaultLimit, func(ctx context.Context) error { return c.call(ctx, nt) }, privateKey)
				if n := others.Load(); n != 0 {
					t.Errorf("server saw %d other requests; want none", n)
				}
			})
		}
	}
}
