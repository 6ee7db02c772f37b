package steps

import (
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/prompt"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// idleFor is a person who leaves the question unanswered while d passes.
func idleFor(h *harness, key string, d time.Duration) prompt.Step {
	return prompt.Step{Key: key, Idle: true, Func: func() string { h.clock.Advance(d); return "" }}
}

func TestAnExpiredTextCodeIsSaidWhenItExpires(t *testing.T) {
	h := verifyHarness(t)
	// Nothing typed for 11 minutes: the code dies while the question is on screen.
	h.mustRun(Verify{}, idleFor(h, KeyVerifyCode, 11*time.Minute), answer(KeyVerifyCode, "R"), answerWith(KeyVerifyCode, h.lastCode))
	out := h.out.String()
	if !strings.Contains(out, "has expired (codes work for 10 minutes)") {
		t.Errorf("the expiry was not said when it happened:\n%s", out)
	}
	if n := len(h.messages("sms")); n != 2 {
		t.Errorf("%d texts; want the first code and the one asked for after it expired", n)
	}
}

func TestAnExpiredActivationIsSaidWhenItExpires(t *testing.T) {
	h := duoHarness(t)
	app := &authenticator{h: h}
	h.mustRun(DuoEnroll{}, idleFor(h, KeyDuoEnrollCode, 11*time.Minute), answerWith(KeyDuoEnrollCode, app.code(0)))
	if out := h.out.String(); !strings.Contains(out, "That activation has expired; here is a new one.") {
		t.Errorf("the expiry was not said when it happened:\n%s", out)
	}
	if h.env.State.Duo.ActivatedAt.IsZero() {
		t.Error("the new activation was not taken")
	}
}

func TestAnExpiredPushIsSaidWhenItExpires(t *testing.T) {
	h := duoHarness(t)
	app := &authenticator{h: h}
	h.mustRun(DuoEnroll{}, answerWith(KeyDuoEnrollCode, app.code(0)))
	h.mustRun(DuoTest{}, idleFor(h, KeyDuoTestCode, 10*time.Minute), answer(KeyDuoTestRetry, "yes"), answerWith(KeyDuoTestCode, app.code(1)))
	if out := h.out.String(); !strings.Contains(out, "Nobody answered the push in time") {
		t.Errorf("the push's expiry was not said when it happened:\n%s", out)
	}
	if h.env.State.DuoTest.ApprovedAt.IsZero() {
		t.Error("the second push was not approved")
	}
}

func TestTimesAreRoundedUpAndNamed(t *testing.T) {
	h := newHarness(t)
	local := time.Date(2026, 11, 25, 9, 41, 50, 0, time.Local)
	if got := h.env.at(local, true); !strings.HasPrefix(got, "09:42 ") {
		t.Errorf("an end at 09:41:50 is %q; it must not be said as a minute earlier", got)
	}
	if got := h.env.at(local, false); !strings.HasPrefix(got, "09:41 ") {
		t.Errorf("a start at 09:41:50 is %q; want 09:41", got)
	}
	if got := h.env.at(local, true); len(strings.Fields(got)) != 2 {
		t.Errorf("%q does not name its time zone", got)
	}
}

func TestDecliningToReplaceThePhoneIsNoDeadEnd(t *testing.T) {
	t.Run("keep the number Microsoft 365 has", func(t *testing.T) {
		h := verifyHarness(t)
		reg, _ := h.env.Providers.Registrar()
		if _, err := reg.RegisterMobile(t.Context(), h.env.State.User, "+12015550199"); err != nil {
			t.Fatal(err)
		}
		h.mustRun(Verify{}, answerWith(KeyVerifyCode, h.lastCode), answer(KeyVerifyReplace, replaceKeep))
		if h.env.State.Phone.E164 != "+12015550199" || h.env.State.Phone.Source != state.FromProvider || !h.env.State.Verify.KeptExisting {
			t.Errorf("phone = %+v, verify = %+v; want the kept number carried on with", h.env.State.Phone, h.env.State.Verify)
		}
		if got := h.registered(); got != "+12015550199" {
			t.Errorf("registered = %s; want it left as it was", got)
		}
	})
	t.Run("type another number", func(t *testing.T) {
		h := verifyHarness(t)
		reg, _ := h.env.Providers.Registrar()
		if _, err := reg.RegisterMobile(t.Context(), h.env.State.User, "+12015550199"); err != nil {
			t.Fatal(err)
		}
		h.mustRun(Verify{},
			answerWith(KeyVerifyCode, h.lastCode), answer(KeyVerifyReplace, replaceOther),
			answer(KeyPhoneNumber, "201 555 0177"), answer(KeyPhoneConfirm, "yes"),
			answerWith(KeyVerifyCode, h.lastCode), answer(KeyVerifyReplace, replaceYes))
		if got := h.registered(); got != "+12015550177" {
			t.Errorf("registered = %s; want the other number, proven with its own code", got)
		}
		if n := len(h.messages("sms")); n != 2 {
			t.Errorf("%d texts; want one code for each number", n)
		}
	})
}
