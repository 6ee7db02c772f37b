package duo_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/duo"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/duo/duotest"
)

// The fake clock starts at the wall clock because duo_api_golang dates its requests
// by the wall clock and the fake Duo checks that Date against this clock.
type fixture struct {
	srv *duotest.Server
	clk *clock.Fake
	c   *duo.Client
	cfg duo.Config
}

const activationValid = 2 * time.Minute

func newFixture(t *testing.T, mods ...func(*duo.Config)) fixture {
	t.Helper()
	return newFixtureOn(t, duotest.Options{}, mods...)
}

// newFixtureOn is newFixture on a fake Duo set up as opts says (its Clock is the
// fixture's).
func newFixtureOn(t *testing.T, opts duotest.Options, mods ...func(*duo.Config)) fixture {
	t.Helper()
	clk := clock.NewFake(time.Now().Truncate(time.Second))
	opts.Clock = clk
	srv := duotest.New(t, opts)
	k := duotest.DefaultKeys()
	cfg := duo.Config{
		APIHost:   srv.Host(),
		AdminIKey: k.AdminIKey, AdminSKey: k.AdminSKey,
		AuthIKey: k.AuthIKey, AuthSKey: k.AuthSKey,
		HTTPClient:      srv.Client(),
		ActivationValid: activationValid,
		CreateUsers:     true,
		Clock:           clk,
		CallTimeout:     5 * time.Second,
	}
	for _, m := range mods {
		m(&cfg)
	}
	c, err := duo.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return fixture{srv: srv, clk: clk, c: c, cfg: cfg}
}

// enrolled makes a user with an activated phone, through the client.
func (f fixture) enrolled(t *testing.T, username, number string) (userID, phoneID string) {
	t.Helper()
	ctx := context.Background()
	uid, err := f.c.CreateUser(ctx, username)
	must(t, err)
	pid, err := f.c.CreatePhone(ctx, number, "android")
	must(t, err)
	must(t, f.c.Associate(ctx, uid, pid))
	_, err = f.c.NewActivation(ctx, pid)
	must(t, err)
	must(t, f.srv.Activate(pid))
	return uid, pid
}

// requests counts the requests the server saw for method and path.
func (f fixture) requests(method, path string) []duotest.Request {
	var out []duotest.Request
	for _, r := range f.srv.Requests() {
		if r.Method == method && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// duoError asserts err is Duo's error with code and a sentence holding every part.
func duoError(t *testing.T, err error, code int, parts ...string) {
	t.Helper()
	var de *duo.Error
	if !errors.As(err, &de) {
		t.Fatalf("error = %v; want a *duo.Error", err)
	}
	if de.Code != code {
		t.Errorf("Duo code = %d; want %d (%v)", de.Code, code, err)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not say %q", err, p)
		}
	}
}
