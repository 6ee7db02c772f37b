package twilio_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/twilio"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		edit func(*twilio.Config)
		skew time.Duration
		want []provider.Check
	}{
		{"reachable", nil, 0, []provider.Check{
			{Name: "twilio verify", OK: true, Detail: "service Example MSP reachable"},
			{Name: "twilio clock", OK: true, Detail: "this computer's clock agrees with Twilio's"},
		}},
		{"wrong token", func(c *twilio.Config) { c.AuthToken = "nope" }, 0, []provider.Check{
			{Name: "twilio verify", Detail: "Twilio refused the credentials: check twilio.account_sid and the auth token"},
		}},
		{"unknown service", func(c *twilio.Config) { c.ServiceSID = "VAffffffffffffffffffffffffffffffff" }, 0, []provider.Check{
			{Name: "twilio verify", Detail: "twilio.verify_service_sid not found in this account: copy the SID (VA…) from Twilio Console → Verify → Services"},
		}},
		{"clock off", nil, 10 * time.Minute, []provider.Check{
			{Name: "twilio verify", OK: true, Detail: "service Example MSP reachable"},
			{Name: "twilio clock", Detail: "this computer's clock is 10m0s off Twilio's; set it right (automatic time) so code expiry times are true"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			edits := []func(*twilio.Config){}
			if tt.edit != nil {
				edits = append(edits, tt.edit)
			}
			c, srv, _ := setup(t, edits...)
			srv.SetClock(clock.NewFake(start.Add(-tt.skew)))
			got := c.Check(context.Background())
			if len(got) != len(tt.want) {
				t.Fatalf("Check = %+v; want %+v", got, tt.want)
			}
			for i := range got {
				if g, w := got[i], tt.want[i]; g.Name != w.Name || g.OK != w.OK || g.Detail != w.Detail {
					t.Errorf("check %d = %+v; want %+v", i, got[i], tt.want[i])
				}
				if strings.Contains(got[i].Detail, "nope") {
					t.Errorf("check %d shows the token", i)
				}
			}
		})
	}
}
