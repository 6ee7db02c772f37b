package steps

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

func verifyHarness(t *testing.T) *harness {
	h := newHarness(t)
	h.env.State.Phone = &state.PhoneAnswer{E164: "+12015550100", Country: "US"}
	return h
}

// registered is what the demo Microsoft 365 has as the user's mobile method.
func (h *harness) registered() string {
	h.t.Helper()
	reg, _ := h.env.Providers.Registrar()
	num, err := reg.MobileMethod(context.Background(), h.env.State.User)
	if err != nil {
		h.t.Fatal(err)
	}
	return num
}

func TestVerifyRightCodeRegistersTheNumber(t *testing.T) {
	h := verifyHarness(t)
	h.mustRun(Verify{}, answerWith(KeyVerifyCode, h.lastCode))
	if got := h.registered(); got != "+12015550100" {
		t.Errorf("registered mobile = %q; want the verified number", got)
	}
	v := h.env.State.Verify
	if v.VerifiedAt.IsZero() || v.RegisteredAt.IsZero() {
		t.Errorf("verify record = %+v; want verified and registered times", v)
	}
	if len(h.messages("sms")) != 1 {
		t.Errorf("%d texts sent; want exactly one", len(h.messages("sms")))
	}
}

func TestVerifyWrongCodeShowsTriesLeft(t *testing.T) {
	h := verifyHarness(t)
	h.mustRun(Verify{}, answer(KeyVerifyCode, "000000"), answerWith(KeyVerifyCode, h.lastCode))
	if !strings.Contains(h.out.String(), "That code is not right. 4 tries left") {
		t.Errorf("screen does not say how many tries are left:\n%s", h.out)
	}
}

func TestVerifyFiveWrongCodesKillTheCode(t *testing.T) {
	h := verifyHarness(t)
	var first string
	h.mustRun(Verify{},
		answer(KeyVerifyCode, "000000"), answer(KeyVerifyCode, "000000"), answer(KeyVerifyCode, "000000"),
		answer(KeyVerifyCode, "000000"), answer(KeyVerifyCode, "000000"),
		// The right code is refused now: it is dead.
		answerWith(KeyVerifyCode, func() string { first = h.lastCode(); return first }),
		answer(KeyVerifyCode, "r"),
		answerWith(KeyVerifyCode, h.lastCode),
	)
	out := h.out.String()
	if strings.Count(out, "Too many wrong tries") != 2 {
		t.Errorf("want the lock-out said after the 5th wrong code and again for the dead right code:\n%s", out)
	}
	if sms := h.messages("sms"); len(sms) != 2 {
		t.Errorf("%d texts; want the first and the one asked for after the lock-out", len(sms))
	}
	if h.lastCode() == first && h.env.State.Verify.VerifiedAt.IsZero() {
		t.Error("not verified with the new code")
	}
}

func TestVerifyExpiredCode(t *testing.T) {
	h := verifyHarness(t)
	h.mustRun(Verify{},
		answerWith(KeyVerifyCode, func() string { h.clock.Advance(11 * time.Minute); return h.lastCode() }),
		answer(KeyVerifyCode, "R"),
		answerWith(KeyVerifyCode, h.lastCode),
	)
	if !strings.Contains(h.out.String(), "That code has expired (codes work for 10 minutes)") {
		t.Errorf("screen does not say the code expired:\n%s", h.out)
	}
	if strings.Contains(h.out.String(), "A new code can be sent in") {
		t.Errorf("a countdown was shown although the cool-down had long passed:\n%s", h.out)
	}
}

func TestVerifyResendWaitsOutTheCoolDown(t *testing.T) {
	h := verifyHarness(t)
	var sentFirst time.Time
	h.mustRun(Verify{},
		answerWith(KeyVerifyCode, func() string { sentFirst = h.clock.Now(); h.clock.Advance(10 * time.Second); return "R" }),
		answerWith(KeyVerifyCode, h.lastCode),
	)
	if !strings.Contains(h.out.String(), "A new code can be sent in 20 s") {
		t.Errorf("no countdown of the 20 s left:\n%s", h.out)
	}
	if waited := h.clock.Now().Sub(sentFirst); waited < 30*time.Second {
		t.Errorf("the second code went %s after the first; the cool-down is 30 s", waited)
	}
	if n := len(h.messages("sms")); n != 2 {
		t.Errorf("%d texts; want 2", n)
	}
}

func TestVerifyResendAfterTheCoolDownIsImmediate(t *testing.T) {
	h := verifyHarness(t)
	h.mustRun(Verify{},
		answerWith(KeyVerifyCode, func() string { h.clock.Advance(31 * time.Second); return "R" }),
		answerWith(KeyVerifyCode, h.lastCode),
	)
	if strings.Contains(h.out.String(), "A new code can be sent in") {
		t.Errorf("a countdown after the cool-down had passed:\n%s", h.out)
	}
}

func TestVerifyResumeUsesTheCodeAlreadySent(t *testing.T) {
	h := verifyHarness(t)
	if err := h.run(Verify{}, ctrlC(KeyVerifyCode)); err == nil {
		t.Fatal("Ctrl-C at the code prompt did not stop the step")
	}
	h.clock.Advance(2 * time.Minute)
	h.mustRun(Verify{}, answerWith(KeyVerifyCode, h.lastCode))
	if n := len(h.messages("sms")); n != 1 {
		t.Errorf("%d texts; a resumed step must reuse the code that is still valid", n)
	}
	if !strings.Contains(h.out.String(), "still works") {
		t.Errorf("the resumed step does not say the earlier code still works:\n%s", h.out)
	}
}

func TestVerifyCrashBeforeRegistrationRegistersOnce(t *testing.T) {
	h := verifyHarness(t)
	h.env.State.Verify = &state.VerifyRecord{SentTo: "+12015550100", SentAt: start, VerifiedAt: start}
	h.mustRun(Verify{})
	h.mustRun(Verify{})
	if got := h.registered(); got != "+12015550100" {
		t.Errorf("registered = %q", got)
	}
	if n := len(h.messages("sms")); n != 0 {
		t.Errorf("%d texts; an already verified number needs no new code", n)
	}
}

func TestVerifyAsksBeforeReplacingAnotherMobile(t *testing.T) {
	for _, tt := range []struct {
		answer     string
		wantErr    bool
		registered string
	}{
		{"no", false, "+12015550199"},
		{"yes", false, "+12015550100"},
	} {
		t.Run(tt.answer, func(t *testing.T) {
			h := verifyHarness(t)
			reg, _ := h.env.Providers.Registrar()
			if _, err := reg.RegisterMobile(t.Context(), h.env.State.User, "+12015550199"); err != nil {
				t.Fatal(err)
			}
			err := h.run(Verify{}, answerWith(KeyVerifyCode, h.lastCode), answer(KeyVerifyReplace, tt.answer))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v; want error %v", err, tt.wantErr)
			}
			if got := h.registered(); got != tt.registered {
				t.Errorf("registered = %s; want %s", got, tt.registered)
			}
		})
	}
}

func TestVerifyRefusesCodesThatAreNotSixDigits(t *testing.T) {
	h := verifyHarness(t)
	h.mustRun(Verify{}, answer(KeyVerifyCode, "12ab56"), answer(KeyVerifyCode, "1234"), answerWith(KeyVerifyCode, h.lastCode))
	if len(h.prompter.Refusals) != 2 {
		t.Errorf("refusals = %q; want both malformed codes refused before being checked", h.prompter.Refusals)
	}
}

// noCodes is a provider set whose code provider cannot be built (a missing secret).
type noCodes struct{ provider.Set }

func (noCodes) Codes() (provider.CodeSender, error) {
	return nil, errors.New("twilio.auth_token: missing")
}

func TestVerifyResumedAfterTheProofNeedsNoCodeProvider(t *testing.T) {
	h := verifyHarness(t)
	h.env.Providers = noCodes{h.env.Providers}
	h.env.State.Verify = &state.VerifyRecord{SentTo: "+12015550100", SentAt: start, VerifiedAt: start}
	h.mustRun(Verify{})
	if got := h.registered(); got != "+12015550100" {
		t.Errorf("registered = %q", got)
	}
}
