package webhook_test

import (
	"context"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/webhook"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/webhook/webhooktest"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/providertest"
)

const (
	faultTimeout = 200 * time.Millisecond
	// faultLimit is the HTTP timeout plus a margin: the waits are on a fake clock.
	faultLimit = 4*faultTimeout + time.Second
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
	faults := []providertest.FaultCase{
		providertest.Fault("429 with Retry-After then success", providertest.RateLimitedOnce, true, 2),
		providertest.Fault("429 without Retry-After every time", providertest.RateLimitedAlways, false, 4),
		providertest.Fault("500", providertest.Status(http.StatusInternalServerError), false, 1),
		providertest.Fault("503", providertest.Status(http.StatusServiceUnavailable), false, 1),
		providertest.Fault("connection reset", providertest.ConnectionReset, false, 1),
		providertest.Fault("slower than the timeout", providertest.SlowAnswer, false, 1),
		providertest.Fault("truncated body", providertest.TruncatedJSON, false, 1),
		providertest.Fault("answer labelled text/html", providertest.HTMLContentType, true, 1),
		providertest.Fault("HTML page with 502", providertest.HTMLBadGateway, false, 1),
	}
	for _, k := range kinds {
		for _, f := range faults {
			t.Run(k.kind+"/"+f.Name, func(t *testing.T) {
				t.Parallel()
				srv := providertest.NewFaultServer(t, false, func(n *atomic.Int32, w http.ResponseWriter, r *http.Request) { f.Serve(int(n.Add(1)), w, r, k.ok) })
				nt, err := webhook.New(webhook.Config{Kind: k.kind, URL: srv.URL + k.path,
					HTTPClient: &http.Client{Timeout: faultTimeout}, Clock: clock.NewFake(start)})
				if err != nil {
					t.Fatal(err)
				}
				providertest.RunFault(t, f, srv, faultLimit, func(ctx context.Context) error {
					_, err := nt.Notify(ctx, notice())
					return err
				}, k.secret, "sig=", "/services/")
			})
		}
	}
}
