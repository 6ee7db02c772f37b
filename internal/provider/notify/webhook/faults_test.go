package webhook_test

import (
	"context"
	"io"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/webhook"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/webhook/webhooktest"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/providertest"
)

// A post notifies the channel, so it is resent only after a 429 (the service refused
// it unread), never after a 5xx, a reset or a timeout.
func TestWebhookFaults(t *testing.T) {
	kinds := []struct {
		kind, path, secret string
		ok                 func(http.ResponseWriter)
	}{
		{webhook.KindTeams, "/workflows/0a1b2c/triggers/manual/paths/invoke?api-version=2016-06-01&sig=" + webhooktest.TeamsSig, webhooktest.TeamsSig,
			func(w http.ResponseWriter) { w.WriteHeader(http.StatusAccepted) }},
		{webhook.KindSlack, "/services/T0000/B0000/" + webhooktest.SlackToken, webhooktest.SlackToken,
			func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "text/plain; charset=utf-8")
				w.WriteHeader(http.StatusOK)
				_, _ = io.WriteString(w, "ok")
			}},
	}
	faults := providertest.Faults(providertest.Budget{Throttled: 4, Unavailable: 1, Reset: 1})
	for _, k := range kinds {
		for _, f := range faults {
			t.Run(k.kind+"/"+f.Name, func(t *testing.T) {
				t.Parallel()
				srv := providertest.NewFaultServer(t, false, func(n *atomic.Int32, w http.ResponseWriter, r *http.Request) { f.Serve(int(n.Add(1)), w, r, k.ok) })
				nt, err := webhook.New(webhook.Config{Kind: k.kind, URL: srv.URL + k.path,
					HTTPClient: &http.Client{Timeout: providertest.FaultTimeout}, Clock: clock.NewFake(start)})
				if err != nil {
					t.Fatal(err)
				}
				providertest.RunFault(t, f, srv, providertest.FaultLimit, func(ctx context.Context) error {
					_, err := nt.Notify(ctx, notice())
					return err
				}, k.secret, "sig=", "/services/")
			})
		}
	}
}
