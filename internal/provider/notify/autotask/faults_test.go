package autotask_test

import (
	"context"
	"io"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/autotask"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/providertest"
)

// The ticket create is a POST that is not idempotent: the client resends it only
// after a 429 (http.go: Autotask refuses the request before acting on it), never
// after a 5xx, a reset or a timeout.
func TestAutotaskFaults(t *testing.T) {
	ok := func(w http.ResponseWriter) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"itemId":1234}`)
	}
	faults := providertest.Faults(providertest.Budget{Throttled: 4, Unavailable: 1, Reset: 1})
	for _, f := range faults {
		t.Run("Notify/"+f.Name, func(t *testing.T) {
			t.Parallel()
			var others atomic.Int32
			srv := providertest.NewFaultServer(t, true, func(n *atomic.Int32, w http.ResponseWriter, r *http.Request) {
				if r.Method != http.MethodPost || r.URL.Path != "/ATServicesRest/V1.0/Tickets" {
					others.Add(1)
					w.WriteHeader(http.StatusNotFound)
					return
				}
				f.Serve(int(n.Add(1)), w, r, ok)
			})
			hc := srv.Client()
			hc.Timeout = providertest.FaultTimeout
			nt, err := autotask.New(autotask.Config{APIUser: apiUser, Secret: secret, IntegrationCode: code, CompanyID: 42, QueueID: 8,
				Status: 1, Priority: 2, ZoneURL: srv.URL + "/ATServicesRest/", HTTPClient: hc, Clock: clock.NewFake(start)})
			if err != nil {
				t.Fatal(err)
			}
			providertest.RunFault(t, f, srv, providertest.FaultLimit, func(ctx context.Context) error {
				_, err := nt.Notify(ctx, notice())
				return err
			}, secret, code)
			if n := others.Load(); n != 0 {
				t.Errorf("server saw %d other requests; want none", n)
			}
		})
	}
}
