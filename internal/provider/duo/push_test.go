package duo_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/duo"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/duo/duotest"
)

func TestReady(t *testing.T) {
	tests := []struct {
		name string
		// setup returns the phone id the step recorded in duo-enroll.
		setup    func(t *testing.T, f fixture) string
		ok       bool
		reasonIs string
	}{
		{"active with Duo Mobile", func(t *testing.T, f fixture) string {
			_, pid := f.enrolled(t, "alice@contoso.com", "+12015550100")
			return pid
		}, true, ""},
		{"unknown user", func(*testing.T, fixture) string { return "DP000000000000000009" }, false, "no activated device yet"},
		{"no activated phone", func(t *testing.T, f fixture) string {
			f.srv.AddUser("alice@contoso.com")
			return "DP000000000000000009"
		}, false, "no activated device yet"},
		{"another of the user's phones is activated, not this one", func(t *testing.T, f fixture) string {
			uid, _ := f.enrolled(t, "alice@contoso.com", "+12015550100")
			pid, err := f.c.CreatePhone(context.Background(), "+12015550199", "ios")
			must(t, err)
			must(t, f.c.Associate(context.Background(), uid, pid))
			return pid
		}, false, "Duo does not list the phone added in duo-enroll among this user's devices that take a Duo Push"},
		{"bypass", func(t *testing.T, f fixture) string {
			_, pid := f.enrolled(t, "alice@contoso.com", "+12015550100")
			must(t, f.srv.SetUserStatus("alice@contoso.com", "bypass"))
			return pid
		}, false, "bypass status"},
		{"disabled", func(t *testing.T, f fixture) string {
			_, pid := f.enrolled(t, "alice@contoso.com", "+12015550100")
			must(t, f.srv.SetUserStatus("alice@contoso.com", "disabled"))
			return pid
		}, false, "Duo denies this user (Your account is disabled)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			pid := tt.setup(t, f)
			ok, why, err := f.c.Ready(context.Background(), "alice@contoso.com", pid)
			reason := ""
			if why != nil {
				reason = why.Error()
			}
			if err != nil || ok != tt.ok || !strings.Contains(reason, tt.reasonIs) || (why == nil) != tt.ok {
				t.Fatalf("Ready = %v, %q, %v; want %v, %q", ok, reason, err, tt.ok, tt.reasonIs)
			}
			if strings.Contains(reason, "portal") {
				t.Errorf("reason shows the enroll portal: %q", reason)
			}
		})
	}
}

func TestPushAnswers(t *testing.T) {
	tests := []struct {
		answer  string
		advance time.Duration
		want    provider.PushResult
		msgHas  string
	}{
		{"allow", 0, provider.PushAllowed, "Success"},
		{"deny", 0, provider.PushDenied, "denied"},
		{"fraud", 0, provider.PushDenied, "reported this push as fraud"},
		{"", duotest.PushTimeout, provider.PushTimeout, "timed out"},
	}
	for _, tt := range tests {
		t.Run(string(tt.want)+"/"+tt.answer, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t)
			_, pid := f.enrolled(t, "alice@contoso.com", "+12015550100")
			push, err := f.c.Push(ctx, "alice@contoso.com", pid)
			must(t, err)
			if tt.answer != "" {
				must(t, f.srv.AnswerPush("alice@contoso.com", tt.answer))
			}
			f.clk.Advance(tt.advance)
			st, err := f.c.Status(ctx, push.ID)
			if err != nil || st.Result != tt.want || !strings.Contains(st.Message, tt.msgHas) {
				t.Fatalf("Status = %+v, %v; want %s saying %q", st, err, tt.want, tt.msgHas)
			}
		})
	}
}

func TestPushCap(t *testing.T) {
	ctx := context.Background()
	// The cap runs on the client's clock; a clock of its own leaves the server's alone.
	cc := clock.NewFake(time.Now())
	f := newFixture(t, func(c *duo.Config) { c.Clock = cc })
	_, pid := f.enrolled(t, "alice@contoso.com", "+12015550100")
	for i := range 3 {
		if _, err := f.c.Push(ctx, "alice@contoso.com", pid); err != nil {
			t.Fatalf("push %d: %v", i+1, err)
		}
	}
	_, err := f.c.Push(ctx, "ALICE@contoso.com", pid)
	if !errors.Is(err, provider.ErrRateLimited) {
		t.Fatalf("fourth push = %v; want ErrRateLimited", err)
	}
	if !strings.Contains(err.Error(), "in the last 5 minutes") {
		t.Errorf("%q does not say the window in words", err)
	}
	if n := len(f.requests("POST", "/auth/v2/auth")); n != 3 {
		t.Errorf("Duo got %d pushes; want 3", n)
	}
	cc.Advance(4 * time.Minute)
	if _, err := f.c.Push(ctx, "alice@contoso.com", pid); !errors.Is(err, provider.ErrRateLimited) {
		t.Fatalf("push 4 min later = %v; want ErrRateLimited", err)
	}
	cc.Advance(time.Minute)
	if _, err := f.c.Push(ctx, "alice@contoso.com", pid); err != nil {
		t.Fatalf("push after 5 min: %v", err)
	}
}

func TestApproveWithCodeRefused(t *testing.T) {
	f := newFixture(t)
	if err := f.c.ApproveWithCode(context.Background(), "tx", "123456"); err == nil {
		t.Error("ApproveWithCode succeeded for real Duo")
	}
}

// TestPushGoesToTheEnrolledPhone: after a new enrollment the user has two activated
// phones; the push names the new one, and a phone that is not the user's is refused
// in Duo's words, explained.
func TestPushGoesToTheEnrolledPhone(t *testing.T) {
	ctx := context.Background()
	f := newFixture(t)
	uid, old := f.enrolled(t, "alice@contoso.com", "+12015550100")
	pid, err := f.c.CreatePhone(ctx, "+12015550199", "ios")
	must(t, err)
	must(t, f.c.Associate(ctx, uid, pid))
	_, err = f.c.NewActivation(ctx, pid)
	must(t, err)
	must(t, f.srv.Activate(pid))

	push, err := f.c.Push(ctx, "alice@contoso.com", pid)
	must(t, err)
	if got, _ := f.srv.PushDevice(push.ID); got != pid {
		t.Errorf("the push went to %s; want the new phone %s, not the old %s", got, pid, old)
	}

	_, theirs := f.enrolled(t, "bob@contoso.com", "+12015550177")
	_, err = f.c.Push(ctx, "alice@contoso.com", theirs)
	duoError(t, err, 40002, "(device)", "the phone added in duo-enroll is not a device of this user that takes a Duo Push")
}

func TestCurrentActivationAsksDuoNothing(t *testing.T) {
	f := newFixture(t)
	_, pid := f.enrolled(t, "alice@contoso.com", "+12015550100")
	before := len(f.srv.Requests())
	if _, ok, err := f.c.CurrentActivation(context.Background(), pid); ok || err != nil {
		t.Errorf("CurrentActivation = %v, %v; want none, as Duo never shows a link twice", ok, err)
	}
	if n := len(f.srv.Requests()) - before; n != 0 {
		t.Errorf("CurrentActivation made %d requests; want none", n)
	}
}

// TestStatusInALaterRun: a run that stopped while its push was out carries on in a
// later process, with a new client, from the txid alone: Duo's answer to that push is
// what it learns, so an approved push is never followed by a second one.
func TestStatusInALaterRun(t *testing.T) {
	tests := []struct {
		answer string
		want   provider.PushResult
		msgHas string
	}{
		{"", provider.PushWaiting, "Pushed a login request"},
		{"allow", provider.PushAllowed, "Success"},
		{"deny", provider.PushDenied, "denied"},
		{"fraud", provider.PushDenied, "reported this push as fraud"},
		{"timeout", provider.PushTimeout, "timed out"},
	}
	for _, tt := range tests {
		t.Run(string(tt.want)+"/"+tt.answer, func(t *testing.T) {
			ctx := context.Background()
			f := newFixture(t)
			_, pid := f.enrolled(t, "alice@contoso.com", "+12015550100")
			push, err := f.c.Push(ctx, "alice@contoso.com", pid)
			must(t, err)
			if tt.answer != "" {
				must(t, f.srv.AnswerPushID(push.ID, tt.answer))
			}
			later, err := duo.New(f.cfg)
			must(t, err)
			st, err := later.Status(ctx, push.ID)
			if err != nil || st.Result != tt.want || !strings.Contains(st.Message, tt.msgHas) {
				t.Fatalf("Status in a later run = %+v, %v; want %s saying %q", st, err, tt.want, tt.msgHas)
			}
			if n := len(f.requests("POST", "/auth/v2/auth")); n != 1 {
				t.Errorf("Duo got %d pushes; want the one", n)
			}
		})
	}
}

// TestStatusOfAPushDuoDoesNotKnow: a txid Duo does not know (it forgets old ones) is
// ErrNotFound, so that a resumed run can tell "that push is gone" from "Duo cannot be
// reached" and asks the person instead of failing or pushing again.
func TestStatusOfAPushDuoDoesNotKnow(t *testing.T) {
	f := newFixture(t)
	_, err := f.c.Status(context.Background(), "5c7e2b1a-0000-4000-8000-000000000000")
	if !errors.Is(err, provider.ErrNotFound) {
		t.Fatalf("Status of an unknown txid = %v; want ErrNotFound", err)
	}
	duoError(t, err, 40002, "(txid)", "Duo no longer knows this push")
}

// TestVerifiedPush: on a tenant whose policy is Verified Duo Push, the client says at
// preauth that it can show the number, hands Duo's txid to auth, and while the push
// waits its status carries the number Duo Mobile asks the person to type. Elsewhere
// the push is as before, with no number.
func TestVerifiedPush(t *testing.T) {
	tests := []struct {
		name   string
		digits int
	}{
		{"3-digit Verified Duo Push", 3},
		{"6-digit Verified Duo Push", 6},
		{"no Verified Duo Push", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			f := newFixtureOn(t, duotest.Options{VerifiedPushDigits: tt.digits})
			_, pid := f.enrolled(t, "alice@contoso.com", "+12015550100")
			push, err := f.c.Push(ctx, "alice@contoso.com", pid)
			must(t, err)
			want, verified := f.srv.VerifyNumber(push.ID)
			if verified != (tt.digits > 0) || len(want) != tt.digits {
				t.Fatalf("Duo's push has number %q (%v); want one of %d digits", want, verified, tt.digits)
			}
			st, err := f.c.Status(ctx, push.ID)
			if err != nil || st.Result != provider.PushWaiting || st.VerifyNumber != want {
				t.Fatalf("Status = %+v, %v; want waiting with number %q", st, err, want)
			}
			if auths := f.requests("POST", "/auth/v2/auth"); len(auths) != 1 {
				t.Fatalf("%d pushes; want 1", len(auths))
			} else if form, _ := url.ParseQuery(auths[0].Body); verified && form.Get("txid") != push.ID {
				t.Errorf("auth sent %v; want the txid preauth gave", form)
			}
			must(t, f.srv.AnswerPushID(push.ID, "allow"))
			if st, err := f.c.Status(ctx, push.ID); err != nil || st.Result != provider.PushAllowed || st.VerifyNumber != "" {
				t.Errorf("Status after approval = %+v, %v; want allowed, no number", st, err)
			}
		})
	}
}
