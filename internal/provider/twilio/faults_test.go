package twilio_test

import (
	"context"
	"io"
	"net/http"
	"sync/atomic"
	"testing"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/providertest"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/twilio"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/twilio/twiliotest"
)

// Twilio documents its 20429 and 503 as safe to resend (the client resends the
// identical form, and a repeated send within 10 minutes is the same verification),
// so POSTs are retried on those; a 500 is not.
func TestTwilioFaults(t *testing.T) {
	calls := []struct {
		name string
		ok   func(http.ResponseWriter)
		call func(context.Context, *twilio.Client) error
	}{
		{"SendCode", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, `{"sid":"VE0123456789abcdef0123456789abcdef","status":"pending"}`)
		}, func(ctx context.Context, c *twilio.Client) error {
			_, err := c.SendCode(ctx, to)
			return err
		}},
		{"CheckCode", func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, `{"sid":"VE0123456789abcdef0123456789abcdef","status":"approved"}`)
		}, func(ctx context.Context, c *twilio.Client) error {
			_, err := c.CheckCode(ctx, to, "123456")
			return err
		}},
	}
	faults := providertest.Faults(providertest.Budget{Throttled: 4, Unavailable: 4, Reset: 2})
	for _, c := range calls {
		for _, f := range faults {
			t.Run(c.name+"/"+f.Name, func(t *testing.T) {
				t.Parallel()
				srv := providertest.NewFaultServer(t, false, func(n *atomic.Int32, w http.ResponseWriter, r *http.Request) { f.Serve(int(n.Add(1)), w, r, c.ok) })
				cl, err := twilio.New(twilio.Config{
					AccountSID: twiliotest.AccountSID, AuthToken: faultSecret, ServiceSID: twiliotest.ServiceSID,
					BaseURL: srv.URL, HTTPClient: &http.Client{Timeout: providertest.FaultTimeout}, Clock: clock.NewFake(start),
				})
				if err != nil {
					t.Fatal(err)
				}
				providertest.RunFault(t, f, srv, providertest.FaultLimit, func(ctx context.Context) error { return c.call(ctx, cl) }, faultSecret)
			})
		}
	}
}

const faultSecret = "s3cret-twilio-auth-token-in-faults"
