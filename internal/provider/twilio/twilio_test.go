package twilio_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/twilio"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/twilio/twiliotest"
)

const (
	to       = "+12015550100"
	coolDown = 30 * time.Second
	valid    = 10 * time.Minute
)

var start = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

// setup starts a fake Twilio and a client sharing one fake clock.
func setup(t *testing.T, edit ...func(*twilio.Config)) (*twilio.Client, *twiliotest.Server, *clock.Fake) {
	t.Helper()
	fc := clock.NewFake(start)
	srv := twiliotest.New(t)
	srv.SetClock(fc)
	cfg := twilio.Config{
		AccountSID: twiliotest.AccountSID, AuthToken: twiliotest.AuthToken, ServiceSID: twiliotest.ServiceSID,
		BaseURL: srv.URL, HTTPClient: srv.Client(), Clock: fc, ResendCoolDown: coolDown, CodeValid: valid,
	}
	for _, e := range edit {
		e(&cfg)
	}
	c, err := twilio.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c, srv, fc
}

// posts returns the server's record of the POSTs to one resource.
func posts(srv *twiliotest.Server, resource string) []twiliotest.Request {
	var out []twiliotest.Request
	for _, r := range srv.Requests() {
		if r.Method == http.MethodPost && r.Path == twiliotest.Path(resource) {
			out = append(out, r)
		}
	}
	return out
}

func TestNewRefusesBadConfig(t *testing.T) {
	good := twilio.Config{AccountSID: twiliotest.AccountSID, AuthToken: "x", ServiceSID: twiliotest.ServiceSID}
	tests := []struct {
		name string
		edit func(*twilio.Config)
		want string
	}{
		{"no account", func(c *twilio.Config) { c.AccountSID = " " }, "twilio.account_sid"},
		{"no token", func(c *twilio.Config) { c.AuthToken = "" }, "auth token"},
		{"account sid as service", func(c *twilio.Config) { c.ServiceSID = twiliotest.AccountSID }, "twilio.verify_service_sid"},
		{"path in service sid", func(c *twilio.Config) { c.ServiceSID = "VA0123456789abcdef0123456789abc/.." }, "twilio.verify_service_sid"},
		{"negative cool-down", func(c *twilio.Config) { c.ResendCoolDown = -time.Second }, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := good
			tt.edit(&cfg)
			_, err := twilio.New(cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New = %v; want an error naming %q", err, tt.want)
			}
		})
	}
	if _, err := twilio.New(good); err != nil {
		t.Fatalf("New(good) = %v", err)
	}
}

func TestConfigHidesToken(t *testing.T) {
	cfg := twilio.Config{AccountSID: twiliotest.AccountSID, AuthToken: "s3cr3t-token", ServiceSID: twiliotest.ServiceSID}
	c, err := twilio.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{cfg.String(), cfg.GoString(), c.String(), c.GoString()} {
		if strings.Contains(s, "s3cr3t") {
			t.Errorf("%q shows the auth token", s)
		}
	}
}
