package twilio_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/twilio"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/twilio/twiliotest"
)

// attempt is one Verification Attempt as Twilio lists it.
type attempt struct {
	ServiceSID       string            `json:"service_sid"`
	ConversionStatus string            `json:"conversion_status"`
	DateCreated      string            `json:"date_created"`
	ChannelData      map[string]string `json:"channel_data"`
}

// attemptsServer answers GET /v2/Attempts with list (or status, if not 200) and keeps
// the query it was asked.
func attemptsServer(t *testing.T, status int, list []attempt) (*twilio.Client, *http.Request) {
	t.Helper()
	asked := &http.Request{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*asked = *r.Clone(context.Background())
		user, pass, ok := r.BasicAuth()
		if r.Method != http.MethodGet || r.URL.Path != "/v2/Attempts" || !ok || user != twiliotest.AccountSID || pass != twiliotest.AuthToken {
			http.Error(w, `{"code":20404,"status":404}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if status != http.StatusOK {
			w.WriteHeader(status)
			w.Write([]byte(`{"code":20003,"message":"Authenticate","status":401}`))
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"attempts": list, "meta": map[string]any{"key": "attempts"}})
	}))
	t.Cleanup(srv.Close)
	c, err := twilio.New(twilio.Config{AccountSID: twiliotest.AccountSID, AuthToken: twiliotest.AuthToken, ServiceSID: twiliotest.ServiceSID,
		BaseURL: srv.URL, HTTPClient: srv.Client(), Clock: clock.NewFake(start)})
	if err != nil {
		t.Fatal(err)
	}
	return c, asked
}

func converted(to string, at time.Time) attempt {
	return attempt{ServiceSID: twiliotest.ServiceSID, ConversionStatus: "converted", DateCreated: at.UTC().Format(time.RFC3339), ChannelData: map[string]string{"to": to}}
}

func TestAcceptedAsksTheVerificationAttempts(t *testing.T) {
	c, asked := attemptsServer(t, http.StatusOK, []attempt{converted(to, start.Add(time.Second))})
	ok, err := c.Accepted(t.Context(), to, start)
	if err != nil || !ok {
		t.Fatalf("Accepted = %v, %v; want the converted attempt found", ok, err)
	}
	q := asked.URL.Query()
	for key, want := range map[string]string{
		"VerifyServiceSid": twiliotest.ServiceSID, "ChannelData.To": to, "Channel": "sms", "Status": "converted",
		"DateCreatedAfter": start.Add(-2 * time.Minute).Format("2006-01-02T15:04:05Z"),
	} {
		if got := q.Get(key); got != want {
			t.Errorf("query %s = %q; want %q", key, got, want)
		}
	}
}

func TestAcceptedTakesOnlyThisNumbersConversionsSinceTheCode(t *testing.T) {
	unconverted := converted(to, start)
	unconverted.ConversionStatus = "unconverted"
	otherService := converted(to, start)
	otherService.ServiceSID = "VAffffffffffffffffffffffffffffffff"
	for name, list := range map[string][]attempt{
		"none":          nil,
		"unconverted":   {unconverted},
		"other number":  {converted("+12015550199", start)},
		"other service": {otherService},
		"older code":    {converted(to, start.Add(-time.Hour))},
	} {
		t.Run(name, func(t *testing.T) {
			c, _ := attemptsServer(t, http.StatusOK, list)
			if ok, err := c.Accepted(t.Context(), to, start); err != nil || ok {
				t.Errorf("Accepted = %v, %v; want false", ok, err)
			}
		})
	}
}

func TestAcceptedWithoutAccessIsAnError(t *testing.T) {
	c, _ := attemptsServer(t, http.StatusUnauthorized, nil)
	if ok, err := c.Accepted(t.Context(), to, start); err == nil || ok {
		t.Errorf("Accepted = %v, %v; want an error", ok, err)
	}
}

// The verify step looks for this method on its code service (steps.acceptedLog): a
// change of shape here would silently turn the lookup off.
var _ interface {
	Accepted(context.Context, string, time.Time) (bool, error)
} = (*twilio.Client)(nil)
