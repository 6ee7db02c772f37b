package twilio_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/phone"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/twilio"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/twilio/twiliotest"
)

func TestSendRequestIsVerifyShaped(t *testing.T) {
	c, srv, fc := setup(t)
	sent, err := c.SendCode(context.Background(), to)
	if err != nil {
		t.Fatal(err)
	}
	if want := start.Add(valid); !sent.ExpiresAt.Equal(want) {
		t.Errorf("ExpiresAt = %v; want %v", sent.ExpiresAt, want)
	}
	if want := start.Add(coolDown); !sent.ResendAt.Equal(want) {
		t.Errorf("ResendAt = %v; want %v", sent.ResendAt, want)
	}
	p := posts(srv, "Verifications")
	if len(p) != 1 || p[0].Status != http.StatusCreated {
		t.Fatalf("POSTs to Verifications = %+v; want one answered 201", p)
	}
	if p[0].Body != "Channel=sms&To=%2B12015550100" || p[0].ContentType != "application/x-www-form-urlencoded" {
		t.Errorf("body %q (%s); want To and Channel=sms, form-encoded", p[0].Body, p[0].ContentType)
	}
	fc.Advance(time.Minute)
	if _, err := c.CheckCode(context.Background(), to, srv.LastCode(to)); err != nil {
		t.Fatal(err)
	}
	if p := posts(srv, "VerificationCheck"); len(p) != 1 || p[0].Form.Get("Code") != srv.LastCode(to) || p[0].Form.Get("To") != to {
		t.Errorf("check request = %+v; want To and Code", p)
	}
}

func TestFiveWrongChecksLockTheCode(t *testing.T) {
	ctx := context.Background()
	c, srv, _ := setup(t)
	if _, err := c.SendCode(ctx, to); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5; i++ {
		got, err := c.CheckCode(ctx, to, "000000")
		if err != nil {
			t.Fatal(err)
		}
		want := provider.CodeCheck{Status: provider.CodeWrong, AttemptsLeft: 5 - i}
		if i == 5 {
			want = provider.CodeCheck{Status: provider.CodeLocked}
		}
		if got != want {
			t.Fatalf("wrong check %d = %+v; want %+v", i, got, want)
		}
	}
	// A new process knows nothing of the five tries: Twilio's own 60202 locks it.
	fresh, _, _ := setup(t, func(cfg *twilio.Config) { cfg.BaseURL = srv.URL })
	got, err := fresh.CheckCode(ctx, to, srv.LastCode(to))
	if err != nil || got.Status != provider.CodeLocked {
		t.Fatalf("check after five wrong = %+v, %v; want locked", got, err)
	}
	p := posts(srv, "VerificationCheck")
	if last := p[len(p)-1]; last.Status != http.StatusTooManyRequests || !strings.Contains(last.Answer, "60202") {
		t.Errorf("sixth check answered %d %s; want 429 60202", last.Status, last.Answer)
	}
}

func TestSixthSendIsRefused(t *testing.T) {
	ctx := context.Background()
	c, srv, fc := setup(t)
	for i := 1; i <= 5; i++ {
		if _, err := c.SendCode(ctx, to); err != nil {
			t.Fatalf("send %d: %v", i, err)
		}
		fc.Advance(coolDown)
	}
	_, err := c.SendCode(ctx, to)
	var te *twilio.Error
	if !errors.As(err, &te) || te.Code != 60203 || !strings.Contains(err.Error(), "Twilio allows 5 codes per number in 10 minutes; wait up to 10 minutes") {
		t.Fatalf("sixth send = %v; want 60203 told as a sentence", err)
	}
	if p := posts(srv, "Verifications"); len(p) != 6 || p[5].Status != http.StatusTooManyRequests {
		t.Errorf("sends = %d, last answered %d; want 6, the last 429", len(p), p[len(p)-1].Status)
	}
	// Resent within 10 minutes, it was one verification with one code all along.
	if got, err := c.CheckCode(ctx, to, srv.LastCode(to)); err != nil || got.Status != provider.CodeApproved {
		t.Fatalf("check = %+v, %v; want approved", got, err)
	}
}

func TestExpiredCodeIs20404(t *testing.T) {
	ctx := context.Background()
	c, srv, fc := setup(t)
	if _, err := c.SendCode(ctx, to); err != nil {
		t.Fatal(err)
	}
	code := srv.LastCode(to)
	fc.Advance(twiliotest.Lifetime + time.Second)
	got, err := c.CheckCode(ctx, to, code)
	if err != nil || got.Status != provider.CodeExpired {
		t.Fatalf("check after 10 minutes = %+v, %v; want expired", got, err)
	}
	if p := posts(srv, "VerificationCheck"); p[0].Status != http.StatusNotFound || !strings.Contains(p[0].Answer, "20404") {
		t.Errorf("answer %d %s; want 404 20404", p[0].Status, p[0].Answer)
	}
	// A new send after expiry is a new verification with a new code.
	if _, err := c.SendCode(ctx, to); err != nil {
		t.Fatal(err)
	}
	if got, err := c.CheckCode(ctx, to, srv.LastCode(to)); err != nil || got.Status != provider.CodeApproved {
		t.Fatalf("check of the new code = %+v, %v; want approved", got, err)
	}
}

func TestRateLimitRetriesTheSameBody(t *testing.T) {
	ctx := context.Background()
	c, srv, fc := setup(t)
	srv.FailNext(twiliotest.Path("Verifications"), http.StatusTooManyRequests, 20429, 3*time.Second)
	if _, err := c.SendCode(ctx, to); err != nil {
		t.Fatal(err)
	}
	p := posts(srv, "Verifications")
	if len(p) != 2 || p[0].Status != http.StatusTooManyRequests || p[1].Status != http.StatusCreated {
		t.Fatalf("attempts = %+v; want a 429 then a 201", p)
	}
	if p[0].Body != p[1].Body || p[1].Body == "" {
		t.Errorf("retry body %q; want the first body %q again", p[1].Body, p[0].Body)
	}
	if waited := fc.Now().Sub(start); waited != 3*time.Second {
		t.Errorf("waited %s; want the Retry-After of 3s", waited)
	}
}

func TestRateLimitRetriesAreBounded(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter time.Duration
		fails      int
		wantTries  int
		wantWait   time.Duration
	}{
		{"backoff without Retry-After", 0, 9, 4, 7 * time.Second},
		{"Retry-After too long to sit through", 5 * time.Minute, 1, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, srv, fc := setup(t)
			for range tt.fails {
				srv.FailNext(twiliotest.Path("VerificationCheck"), http.StatusTooManyRequests, 20429, tt.retryAfter)
			}
			_, err := c.CheckCode(context.Background(), to, "123456")
			if err == nil || !strings.Contains(err.Error(), "20429") || !strings.Contains(err.Error(), "try again") {
				t.Fatalf("CheckCode = %v; want the rate limit told as a sentence", err)
			}
			if n := len(posts(srv, "VerificationCheck")); n != tt.wantTries {
				t.Errorf("tries = %d; want %d", n, tt.wantTries)
			}
			if waited := fc.Now().Sub(start); waited != tt.wantWait {
				t.Errorf("waited %s; want %s", waited, tt.wantWait)
			}
		})
	}
}

func TestRefusalsAreSentences(t *testing.T) {
	tests := []struct {
		name      string
		token     string
		to        string
		want      string
		wantCode  int
		forbidden []string
	}{
		{"bad credentials", "wrong-token-value", to, "Twilio refused the credentials: check twilio.account_sid and the auth token", 20003, []string{"wrong-token-value"}},
		{"invalid number", twiliotest.AuthToken, "+120155", "Twilio refused a parameter (error 60200) for " + phone.Mask("+120155"), 60200, []string{"+120155"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, _ := setup(t, func(cfg *twilio.Config) { cfg.AuthToken = tt.token })
			_, err := c.SendCode(context.Background(), tt.to)
			var te *twilio.Error
			if !errors.As(err, &te) || te.Code != tt.wantCode || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("SendCode = %v; want error %d saying %q", err, tt.wantCode, tt.want)
			}
			for _, f := range tt.forbidden {
				if strings.Contains(err.Error(), f) {
					t.Errorf("error %q shows %q", err, f)
				}
			}
		})
	}
}
