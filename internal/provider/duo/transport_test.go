package duo_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/duo"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/duo/duotest"
)

func TestRetryAfter429OnPost(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter func(now time.Time) string
		min, max   time.Duration
	}{
		{"Retry-After in seconds", func(time.Time) string { return "7" }, 7 * time.Second, 7 * time.Second},
		{"Retry-After as an HTTP date", func(now time.Time) string { return now.Add(3 * time.Second).UTC().Format(http.TimeFormat) }, 3 * time.Second, 3 * time.Second},
		{"no Retry-After: first backoff with jitter", func(time.Time) string { return "" }, time.Second, 2*time.Second - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.srv.FailNext("/admin/v1/users", 429, 42901, tt.retryAfter(f.clk.Now()))
			start := f.clk.Now()
			id, err := f.c.CreateUser(context.Background(), "alice smith@contoso.com")
			if err != nil || id == "" {
				t.Fatalf("CreateUser after a 429 = %q, %v", id, err)
			}
			if waited := f.clk.Now().Sub(start); waited < tt.min || waited > tt.max {
				t.Errorf("waited %s; want %s to %s", waited, tt.min, tt.max)
			}
			posts := f.requests("POST", "/admin/v1/users")
			if len(posts) != 2 {
				t.Fatalf("Duo got %d POSTs; want 2", len(posts))
			}
			if posts[0].Body == "" || posts[1].Body != posts[0].Body {
				t.Errorf("retried body %q differs from the first %q", posts[1].Body, posts[0].Body)
			}
			if users := f.srv.Users(); len(users) != 1 || users[0].Username != "alice smith@contoso.com" {
				t.Errorf("users = %+v", users)
			}
		})
	}
}

func TestRateLimitedForever(t *testing.T) {
	tests := []struct {
		name       string
		retryAfter string
		attempts   int
		minWait    time.Duration
		maxWait    time.Duration
	}{
		{"backoff 1+2+4+8 s with jitter, 5 attempts", "", 5, 15 * time.Second, 19 * time.Second},
		{"Retry-After 20 s: stops at the 60 s budget", "20", 4, 60 * time.Second, 60 * time.Second},
		{"Retry-After beyond the budget: no wait", "120", 1, 0, 0},
		// As seconds these overflowed time.Duration (negative, and 290 ms), and were retried.
		{"Retry-After of 292 years: no wait", "9223372037", 1, 0, 0},
		{"Retry-After of 584 years: no wait", "18446744074", 1, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.srv.FailNextN("/admin/v1/users", 20, 429, 0, tt.retryAfter)
			start := f.clk.Now()
			_, err := f.c.FindUser(context.Background(), "alice@contoso.com")
			duoError(t, err, 42901, "Duo is rate-limiting these requests: wait a few minutes and run mfa-onboard start again")
			if !errors.Is(err, provider.ErrRateLimited) {
				t.Errorf("error %v is not ErrRateLimited", err)
			}
			if n := len(f.requests("GET", "/admin/v1/users")); n != tt.attempts {
				t.Errorf("attempts = %d; want %d", n, tt.attempts)
			}
			if waited := f.clk.Now().Sub(start); waited < tt.minWait || waited > tt.maxWait {
				t.Errorf("waited %s; want %s to %s", waited, tt.minWait, tt.maxWait)
			}
		})
	}
}

func TestServerErrorIsNotRetried(t *testing.T) {
	f := newFixture(t)
	f.srv.FailNext("/admin/v1/users", 500, 0, "")
	_, err := f.c.FindUser(context.Background(), "alice@contoso.com")
	duoError(t, err, 50000, "Duo had an internal error: try again shortly")
	if n := len(f.requests("GET", "/admin/v1/users")); n != 1 {
		t.Errorf("attempts = %d; want 1", n)
	}
}

func TestWrongKeys(t *testing.T) {
	k := duotest.DefaultKeys()
	tests := []struct {
		name  string
		mod   func(*duo.Config)
		call  func(c *duo.Client) error
		code  int
		names string
	}{
		{"wrong admin secret key", func(c *duo.Config) { c.AdminSKey = "not-the-admin-secret" }, findUser, 40103, "Duo refused the request signature: check duo.admin_skey_env/_file"},
		{"wrong admin integration key", func(c *duo.Config) { c.AdminIKey = "DINOSUCHKEY000000000" }, findUser, 40102, "duo.admin_ikey is not right"},
		{"wrong auth secret key", func(c *duo.Config) { c.AuthSKey = "not-the-auth-secret" }, ready, 40103, "check duo.auth_skey_env/_file"},
		{"admin keys used for the Auth API", func(c *duo.Config) { c.AuthIKey, c.AuthSKey = k.AdminIKey, k.AdminSKey }, ready, 40102, "duo.auth_ikey is not right"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.mod)
			err := tt.call(f.c)
			duoError(t, err, tt.code, tt.names)
			for _, secret := range []string{f.cfg.AdminSKey, f.cfg.AuthSKey} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error shows a secret key: %v", err)
				}
			}
		})
	}
}

func findUser(c *duo.Client) error {
	_, err := c.FindUser(context.Background(), "alice@contoso.com")
	return err
}

func ready(c *duo.Client) error {
	_, _, err := c.Ready(context.Background(), "alice@contoso.com", "DP000000000000000001")
	return err
}

func TestMissingGrant(t *testing.T) {
	f := newFixture(t)
	f.srv.SetMissingGrant(true)
	_, err := f.c.CreatePhone(context.Background(), "+12015550100", "ios")
	duoError(t, err, 40301, `grant it "Grant write resource"`)
	if _, err := f.c.FindPhone(context.Background(), "+12015550100"); !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("a read failed too: %v", err)
	}
}

func TestCancelDuringSlowCall(t *testing.T) {
	f := newFixture(t)
	arrived, _ := f.srv.Stall("/admin/v1/phones/DP000000000000000001")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-arrived
		cancel()
	}()
	start := time.Now()
	_, err := f.c.Activated(ctx, "DP000000000000000001")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Activated = %v; want context.Canceled", err)
	}
	// CallTimeout is 5 s: returning well before it proves the cancel stopped the call.
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("returned after %s", d)
	}
}

func TestCallTimeout(t *testing.T) {
	ctx := context.Background()
	// The set-up calls get the fixture's 5 s: with 200 ms for every call, a TLS
	// handshake slowed by a busy machine timed out in enrolled or Push, before
	// anything stalled (2 runs in 100 under load). Only the calls meant to outlast
	// the timeout use the short one, and for them a slow handshake ends the same way
	// as the stall, as "no answer within 200ms".
	f := newFixture(t)
	_, pid := f.enrolled(t, "alice@contoso.com", "+12015550100")
	push, err := f.c.Push(ctx, "alice@contoso.com", pid)
	must(t, err)
	cfg := f.cfg
	cfg.CallTimeout = 200 * time.Millisecond
	short, err := duo.New(cfg)
	must(t, err)

	f.srv.Stall("/auth/v2/auth_status")
	st, err := short.Status(ctx, push.ID)
	if err != nil || st.Result != provider.PushWaiting {
		t.Errorf("Status of a long-poll that outlasts the timeout = %+v, %v; want waiting", st, err)
	}
	f.srv.Stall("/admin/v1/info/summary")
	_, err = short.Activated(ctx, "DPNOSUCH")
	if err == nil {
		t.Fatal("Activated of an unknown phone succeeded")
	}
	for _, ck := range short.Check(ctx) {
		if ck.Name == "duo admin api" && (ck.OK || !strings.Contains(ck.Detail, "no answer from Duo within 200ms")) {
			t.Errorf("admin check of a silent Duo = %+v", ck)
		}
	}
}
