package twilio_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/twilio"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/twilio/twiliotest"
)

func TestCodeLengthIsTheServices(t *testing.T) {
	for _, tt := range []struct {
		name   string
		length int // 0: the server's default
		want   int
	}{
		{"default", 0, 6},
		{"eight", 8, 8},
		{"shortest", 4, 4},
		{"longest", 10, 10},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			c, srv, _ := setup(t)
			if tt.length != 0 {
				srv.SetCodeLength(tt.length)
			}
			for range 2 {
				got, err := c.CodeLength(ctx)
				if err != nil || got != tt.want {
					t.Fatalf("CodeLength = %d, %v; want %d", got, err, tt.want)
				}
			}
			gets := 0
			for _, r := range srv.Requests() {
				if r.Method == http.MethodGet && r.Path == twiliotest.Path("") {
					gets++
				}
			}
			if gets != 1 {
				t.Errorf("the service was fetched %d times; want once, kept for the run", gets)
			}
			if _, err := c.SendCode(ctx, to); err != nil {
				t.Fatal(err)
			}
			if code := srv.LastCode(to); len(code) != tt.want {
				t.Errorf("Twilio texted %q; want %d digits", code, tt.want)
			}
		})
	}
}

func TestCodeLengthOfAnUnknownServiceIsASentence(t *testing.T) {
	c, _, _ := setup(t, func(c *twilio.Config) { c.ServiceSID = "VAffffffffffffffffffffffffffffffff" })
	_, err := c.CodeLength(context.Background())
	if err == nil || !strings.Contains(err.Error(), "twilio.verify_service_sid not found") {
		t.Fatalf("CodeLength = %v; want the service SID named", err)
	}
}

// Twilio texts the pending code again while it is valid, and its validity runs from
// when it was made: https://www.twilio.com/docs/verify/api/rate-limits-and-timeouts.
func TestResendWithinTheValiditySendsTheSameCode(t *testing.T) {
	ctx := context.Background()
	c, srv, fc := setup(t)
	first, err := c.SendCode(ctx, to)
	if err != nil {
		t.Fatal(err)
	}
	if first.SameCode {
		t.Error("the first text says it repeats a code")
	}
	code := srv.LastCode(to)

	fc.Advance(time.Minute)
	again, err := c.SendCode(ctx, to)
	if err != nil {
		t.Fatal(err)
	}
	if !again.SameCode || srv.LastCode(to) != code {
		t.Errorf("resend = %+v (code %s, was %s); want the same code said to be the same", again, srv.LastCode(to), code)
	}
	if !again.ExpiresAt.Equal(first.ExpiresAt) {
		t.Errorf("the repeated code expires at %v; want %v, 10 minutes after it was made", again.ExpiresAt, first.ExpiresAt)
	}

	// A later run is a new process, which knows the code only from Twilio's answer.
	fc.Advance(time.Minute)
	later := setupOn(t, srv, fc)
	resent, err := later.SendCode(ctx, to)
	if err != nil {
		t.Fatal(err)
	}
	if !resent.SameCode || !resent.ExpiresAt.Equal(first.ExpiresAt) {
		t.Errorf("a later run's resend = %+v; want the same code, expiring at %v", resent, first.ExpiresAt)
	}
}

func TestResendAfterTheCodeIsDeadSendsANewCode(t *testing.T) {
	for _, tt := range []struct {
		name string
		kill func(t *testing.T, c *twilio.Client, advance func(time.Duration))
	}{
		{"expired", func(_ *testing.T, _ *twilio.Client, advance func(time.Duration)) {
			advance(twiliotest.Lifetime + time.Second)
		}},
		{"locked", func(t *testing.T, c *twilio.Client, advance func(time.Duration)) {
			for range twiliotest.MaxChecks {
				if _, err := c.CheckCode(context.Background(), to, "000000"); err != nil {
					t.Fatal(err)
				}
			}
			advance(time.Minute)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			c, srv, fc := setup(t)
			if _, err := c.SendCode(ctx, to); err != nil {
				t.Fatal(err)
			}
			old := srv.LastCode(to)
			tt.kill(t, c, fc.Advance)
			sent, err := c.SendCode(ctx, to)
			if err != nil {
				t.Fatal(err)
			}
			if sent.SameCode {
				t.Errorf("the text after the code died says it repeats it (code %s, was %s)", srv.LastCode(to), old)
			}
			if want := fc.Now().Add(valid); !sent.ExpiresAt.Equal(want) {
				t.Errorf("the new code expires at %v; want %v", sent.ExpiresAt, want)
			}
		})
	}
}

// setupOn makes another client of srv, as a later run of the tool would be.
func setupOn(t *testing.T, srv *twiliotest.Server, fc *clock.Fake) *twilio.Client {
	t.Helper()
	c, err := twilio.New(twilio.Config{
		AccountSID: twiliotest.AccountSID, AuthToken: twiliotest.AuthToken, ServiceSID: twiliotest.ServiceSID,
		BaseURL: srv.URL, HTTPClient: srv.Client(), Clock: fc, ResendCoolDown: coolDown, CodeValid: valid,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c
}
