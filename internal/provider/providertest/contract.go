// Package providertest holds the contract every provider of a role must keep,
// written once and run against each backend (the demo fakes now; Twilio, Graph and
// Duo against their test servers later), so that steps can rely on the same behaviour
// whoever serves the role.
package providertest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

// CodeService is a CodeSender under test with what the test needs around it.
type CodeService struct {
	Sender provider.CodeSender
	// To is the E.164 number codes go to.
	To string
	// LastCode returns the newest code the phone received.
	LastCode func(t *testing.T) string
	// Advance moves the service's clock.
	Advance func(d time.Duration)
	// Attempts, Valid and CoolDown are the service's limits.
	Attempts int
	Valid    time.Duration
	CoolDown time.Duration
}

// CodeSenderContract checks codes, attempts, expiry and cool-down. newService must
// return a fresh service each call.
func CodeSenderContract(t *testing.T, newService func(t *testing.T) CodeService) {
	ctx := context.Background()
	check := func(t *testing.T, s CodeService, code string, want provider.CheckStatus) provider.CodeCheck {
		t.Helper()
		got, err := s.Sender.CheckCode(ctx, s.To, code)
		if err != nil {
			t.Fatalf("CheckCode: %v", err)
		}
		if got.Status != want {
			t.Fatalf("CheckCode(%q) = %s; want %s", code, got.Status, want)
		}
		return got
	}
	send := func(t *testing.T, s CodeService) {
		t.Helper()
		if _, err := s.Sender.SendCode(ctx, s.To); err != nil {
			t.Fatalf("SendCode: %v", err)
		}
	}
	wrong := func(code string) string {
		if code == "000000" {
			return "111111"
		}
		return "000000"
	}

	t.Run("right code is approved once", func(t *testing.T) {
		s := newService(t)
		send(t, s)
		code := s.LastCode(t)
		if len(code) != 6 {
			t.Fatalf("code %q is not 6 digits", code)
		}
		check(t, s, code, provider.CodeApproved)
		check(t, s, code, provider.CodeExpired)
	})
	t.Run("wrong codes count down, then the code is dead", func(t *testing.T) {
		s := newService(t)
		send(t, s)
		code := s.LastCode(t)
		for left := s.Attempts - 1; left > 0; left-- {
			if got := check(t, s, wrong(code), provider.CodeWrong); got.AttemptsLeft != left {
				t.Fatalf("attempts left = %d; want %d", got.AttemptsLeft, left)
			}
		}
		check(t, s, wrong(code), provider.CodeLocked)
		check(t, s, code, provider.CodeLocked)
	})
	t.Run("a code expires", func(t *testing.T) {
		s := newService(t)
		send(t, s)
		code := s.LastCode(t)
		s.Advance(s.Valid + time.Second)
		check(t, s, code, provider.CodeExpired)
	})
	t.Run("resend waits for the cool-down and replaces the code", func(t *testing.T) {
		s := newService(t)
		send(t, s)
		old := s.LastCode(t)
		_, err := s.Sender.SendCode(ctx, s.To)
		var cool *provider.CoolDownError
		if !errors.As(err, &cool) || cool.Wait <= 0 || cool.Wait > s.CoolDown {
			t.Fatalf("resend at once = %v; want a CoolDownError of at most %s", err, s.CoolDown)
		}
		s.Advance(s.CoolDown)
		send(t, s)
		code := s.LastCode(t)
		if code != old {
			check(t, s, old, provider.CodeWrong)
		}
		check(t, s, code, provider.CodeApproved)
	})
	t.Run("no code sent", func(t *testing.T) {
		s := newService(t)
		check(t, s, "123456", provider.CodeExpired)
	})
}

// DuoService is an Enroller and Pusher under test.
type DuoService struct {
	Enroller provider.Enroller
	Pusher   provider.Pusher
	// Activate does what the person's phone does with an activation (scan it; in the
	// demo, also type the code the app shows).
	Activate func(t *testing.T, phoneID string, a provider.Activation)
	// Approve answers a push as the person would.
	Approve func(t *testing.T, p provider.Push)
	// PushedTo returns the phone id the service sent the push to.
	PushedTo func(t *testing.T, p provider.Push) string
	// ShowsAgain is true when the service can give back a pending activation
	// (CurrentActivation); false when it never shows one twice (real Duo).
	ShowsAgain bool
}

// DuoContract checks find-or-create, association, activation and the test push.
func DuoContract(t *testing.T, newService func(t *testing.T) DuoService) {
	ctx := context.Background()
	must := func(t *testing.T, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// phone creates a phone for number and attaches it to the user.
	phone := func(t *testing.T, s DuoService, uid, number string) string {
		t.Helper()
		pid, err := s.Enroller.CreatePhone(ctx, number, "android")
		must(t, err)
		must(t, s.Enroller.Associate(ctx, uid, pid))
		return pid
	}
	activate := func(t *testing.T, s DuoService, pid string) {
		t.Helper()
		act, err := s.Enroller.NewActivation(ctx, pid)
		must(t, err)
		s.Activate(t, pid, act)
	}
	t.Run("find or create is idempotent", func(t *testing.T) {
		s := newService(t)
		if _, err := s.Enroller.FindUser(ctx, "alice@example.com"); !errors.Is(err, provider.ErrNotFound) {
			t.Fatalf("FindUser of a new user = %v; want ErrNotFound", err)
		}
		uid, err := s.Enroller.CreateUser(ctx, "alice@example.com")
		must(t, err)
		again, err := s.Enroller.FindUser(ctx, "Alice@Example.com")
		must(t, err)
		if again != uid {
			t.Errorf("FindUser = %s; want %s", again, uid)
		}
		if _, err := s.Enroller.FindPhone(ctx, "+12015550100"); !errors.Is(err, provider.ErrNotFound) {
			t.Fatalf("FindPhone of a new number = %v; want ErrNotFound", err)
		}
		pid, err := s.Enroller.CreatePhone(ctx, "+12015550100", "ios")
		must(t, err)
		found, err := s.Enroller.FindPhone(ctx, "+12015550100")
		must(t, err)
		if found != pid {
			t.Errorf("FindPhone = %s; want %s", found, pid)
		}
		must(t, s.Enroller.Associate(ctx, uid, pid))
		must(t, s.Enroller.Associate(ctx, uid, pid))
	})
	t.Run("activation, then a push", func(t *testing.T) {
		s := newService(t)
		uid, err := s.Enroller.CreateUser(ctx, "bob@example.com")
		must(t, err)
		pid := phone(t, s, uid, "+12015550123")
		if ok, _, err := s.Pusher.Ready(ctx, "bob@example.com", pid); err != nil || ok {
			t.Fatalf("Ready before activation = %v, %v; want not ready", ok, err)
		}
		act, err := s.Enroller.NewActivation(ctx, pid)
		must(t, err)
		if act.Link == "" || !act.ExpiresAt.After(time.Now().Add(-time.Hour*24*365)) {
			t.Fatalf("activation = %+v; want a link and an expiry", act)
		}
		if ok, err := s.Enroller.Activated(ctx, pid); err != nil || ok {
			t.Fatalf("Activated before scanning = %v, %v", ok, err)
		}
		s.Activate(t, pid, act)
		if ok, err := s.Enroller.Activated(ctx, pid); err != nil || !ok {
			t.Fatalf("Activated after scanning = %v, %v", ok, err)
		}
		if ok, reason, err := s.Pusher.Ready(ctx, "bob@example.com", pid); err != nil || !ok {
			t.Fatalf("Ready after activation = %v (%s), %v", ok, reason, err)
		}
		push, err := s.Pusher.Push(ctx, "bob@example.com", pid)
		must(t, err)
		if st, err := s.Pusher.Status(ctx, push.ID); err != nil || st.Result != provider.PushWaiting {
			t.Fatalf("Status before answering = %+v, %v; want waiting", st, err)
		}
		s.Approve(t, push)
		if st, err := s.Pusher.Status(ctx, push.ID); err != nil || st.Result != provider.PushAllowed {
			t.Fatalf("Status after approving = %+v, %v; want allow", st, err)
		}
	})
	t.Run("a pending activation is given back unchanged, or not at all", func(t *testing.T) {
		s := newService(t)
		uid, err := s.Enroller.CreateUser(ctx, "dana@example.com")
		must(t, err)
		pid := phone(t, s, uid, "+12015550155")
		if _, ok, err := s.Enroller.CurrentActivation(ctx, pid); err != nil || ok {
			t.Fatalf("CurrentActivation before any = %v, %v; want none", ok, err)
		}
		act, err := s.Enroller.NewActivation(ctx, pid)
		must(t, err)
		cur, ok, err := s.Enroller.CurrentActivation(ctx, pid)
		must(t, err)
		if ok != s.ShowsAgain {
			t.Fatalf("CurrentActivation ok = %v; want %v", ok, s.ShowsAgain)
		}
		if ok && (cur.Link != act.Link || !cur.ExpiresAt.Equal(act.ExpiresAt) || cur.NeedsCode != act.NeedsCode) {
			t.Fatalf("CurrentActivation = %+v; want the activation made, %+v", cur, act)
		}
		s.Activate(t, pid, act)
		if _, ok, err := s.Enroller.CurrentActivation(ctx, pid); err != nil || ok {
			t.Errorf("CurrentActivation after activation = %v, %v; want none", ok, err)
		}
	})
	t.Run("the push goes to the phone asked for, not another of the user's", func(t *testing.T) {
		s := newService(t)
		uid, err := s.Enroller.CreateUser(ctx, "carol@example.com")
		must(t, err)
		old := phone(t, s, uid, "+12015550144")
		activate(t, s, old)
		// Started again with a new number: the old phone is still the user's, activated.
		pid := phone(t, s, uid, "+12015550145")
		if ok, _, err := s.Pusher.Ready(ctx, "carol@example.com", pid); err != nil || ok {
			t.Fatalf("Ready for a phone not yet activated = %v, %v; want not ready although the old phone is", ok, err)
		}
		activate(t, s, pid)
		if ok, reason, err := s.Pusher.Ready(ctx, "carol@example.com", pid); err != nil || !ok {
			t.Fatalf("Ready after activation = %v (%s), %v", ok, reason, err)
		}
		push, err := s.Pusher.Push(ctx, "carol@example.com", pid)
		must(t, err)
		if got := s.PushedTo(t, push); got != pid {
			t.Fatalf("the push went to %s; want the phone asked for, %s (the old one is %s)", got, pid, old)
		}
		s.Approve(t, push)
		if st, err := s.Pusher.Status(ctx, push.ID); err != nil || st.Result != provider.PushAllowed {
			t.Fatalf("Status after approving = %+v, %v; want allow", st, err)
		}

		other, err := s.Enroller.CreateUser(ctx, "erin@example.com")
		must(t, err)
		theirs := phone(t, s, other, "+12015550146")
		activate(t, s, theirs)
		if ok, _, err := s.Pusher.Ready(ctx, "carol@example.com", theirs); err != nil || ok {
			t.Errorf("Ready for another user's phone = %v, %v; want not ready", ok, err)
		}
		if _, err := s.Pusher.Push(ctx, "carol@example.com", theirs); err == nil {
			t.Error("a push to another user's phone was sent")
		}
	})
}
