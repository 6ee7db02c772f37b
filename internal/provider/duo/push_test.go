package duo_test

import (
	"context"
	"errors"
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
		name     string
		setup    func(t *testing.T, f fixture)
		ok       bool
		reasonIs string
	}{
		{"active with Duo Mobile", func(t *testing.T, f fixture) { f.enrolled(t, "alice@contoso.com", "+12015550100") }, true, ""},
		{"unknown user", func(*testing.T, fixture) {}, false, "no activated device yet"},
		{"no activated phone", func(t *testing.T, f fixture) { f.srv.AddUser("alice@contoso.com") }, false, "no activated device yet"},
		{"bypass", func(t *testing.T, f fixture) {
			f.enrolled(t, "alice@contoso.com", "+12015550100")
			must(t, f.srv.SetUserStatus("alice@contoso.com", "bypass"))
		}, false, "bypass status"},
		{"disabled", func(t *testing.T, f fixture) {
			f.enrolled(t, "alice@contoso.com", "+12015550100")
			must(t, f.srv.SetUserStatus("alice@contoso.com", "disabled"))
		}, false, "Duo denies this user (Your account is disabled)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			tt.setup(t, f)
			ok, reason, err := f.c.Ready(context.Background(), "alice@contoso.com")
			if err != nil || ok != tt.ok || !strings.Contains(reason, tt.reasonIs) {
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
			f.enrolled(t, "alice@contoso.com", "+12015550100")
			push, err := f.c.Push(ctx, "alice@contoso.com")
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
	f.enrolled(t, "alice@contoso.com", "+12015550100")
	for i := range 3 {
		if _, err := f.c.Push(ctx, "alice@contoso.com"); err != nil {
			t.Fatalf("push %d: %v", i+1, err)
		}
	}
	_, err := f.c.Push(ctx, "ALICE@contoso.com")
	if !errors.Is(err, provider.ErrRateLimited) {
		t.Fatalf("fourth push = %v; want ErrRateLimited", err)
	}
	if n := len(f.requests("POST", "/auth/v2/auth")); n != 3 {
		t.Errorf("Duo got %d pushes; want 3", n)
	}
	cc.Advance(4 * time.Minute)
	if _, err := f.c.Push(ctx, "alice@contoso.com"); !errors.Is(err, provider.ErrRateLimited) {
		t.Fatalf("push 4 min later = %v; want ErrRateLimited", err)
	}
	cc.Advance(time.Minute)
	if _, err := f.c.Push(ctx, "alice@contoso.com"); err != nil {
		t.Fatalf("push after 5 min: %v", err)
	}
}

func TestApproveWithCodeRefused(t *testing.T) {
	f := newFixture(t)
	if err := f.c.ApproveWithCode(context.Background(), "tx", "123456"); err == nil {
		t.Error("ApproveWithCode succeeded for real Duo")
	}
}
