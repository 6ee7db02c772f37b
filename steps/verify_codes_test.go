package steps

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/prompt"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/twilio"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/twilio/twiliotest"
)

// twilioCodes is the demo set with texted codes served by a Twilio Verify client
// talking to a twiliotest server on the harness's clock.
type twilioCodes struct {
	provider.Set
	client *twilio.Client
}

func (s twilioCodes) Codes() (provider.CodeSender, error) { return s.client, nil }

// withTwilio makes h text codes through a fake Twilio Verify service whose codes have
// length digits.
func withTwilio(h *harness, length int) *twiliotest.Server {
	h.t.Helper()
	srv := twiliotest.New(h.t)
	srv.SetClock(h.clock)
	srv.SetCodeLength(length)
	useTwilio(h, srv)
	return srv
}

// useTwilio gives h a fresh Twilio client of srv, as a new run (a new process) has.
func useTwilio(h *harness, srv *twiliotest.Server) {
	h.t.Helper()
	lim := h.env.Config.Limits
	c, err := twilio.New(twilio.Config{
		AccountSID: twiliotest.AccountSID, AuthToken: twiliotest.AuthToken, ServiceSID: twiliotest.ServiceSID,
		BaseURL: srv.URL, HTTPClient: srv.Client(), Clock: h.clock,
		ResendCoolDown: lim.ResendCoolDown.D(), CodeValid: lim.CodeValid.D(),
	})
	if err != nil {
		h.t.Fatal(err)
	}
	if tc, ok := h.env.Providers.(twilioCodes); ok {
		h.env.Providers = tc.Set
	}
	h.env.Providers = twilioCodes{Set: h.env.Providers, client: c}
}

func TestVerifyTakesCodesOfTheLengthTheServiceSends(t *testing.T) {
	h := verifyHarness(t)
	srv := withTwilio(h, 8)
	to := h.env.State.Phone.E164
	h.mustRun(Verify{}, answer(KeyVerifyCode, "123456"), answerWith(KeyVerifyCode, func() string { return srv.LastCode(to) }))
	if want := []string{"the code has 8 digits (you typed 6 characters)"}; strings.Join(h.prompter.Refusals, "|") != want[0] {
		t.Errorf("refusals = %q; want the 6-digit code refused with %q", h.prompter.Refusals, want)
	}
	if h.env.State.Verify.VerifiedAt.IsZero() {
		t.Error("the 8-digit code did not verify the phone")
	}
	if _, approvals := srv.Texts(); approvals != 1 || len(posts(srv, "VerificationCheck")) != 1 {
		t.Errorf("Twilio got %d checks; want only the 8-digit code checked", len(posts(srv, "VerificationCheck")))
	}
	if !strings.Contains(h.out.String(), "An 8-digit code is on its way") {
		t.Errorf("the screen does not say the code has 8 digits:\n%s", h.out)
	}
}

func TestVerifyWithoutAPersonRefusesACodeOfTheWrongLength(t *testing.T) {
	h := verifyHarness(t)
	withTwilio(h, 8)
	h.env.Interactive = false
	h.env.Prompt = prompt.NewAnswers(nil).WithCode("123456")
	err := Verify{}.Run(t.Context(), h.env)
	var bad *prompt.BadAnswerError
	if !errors.As(err, &bad) || bad.Key != KeyVerifyCode || bad.Reason != "the code has 8 digits (you typed 6 characters)" {
		t.Fatalf("run with --code 123456 = %v; want the code refused as not 8 digits", err)
	}
	if g := strings.Join(h.env.Guidance, "\n"); !strings.Contains(g, "Give the 8-digit code texted to") {
		t.Errorf("guidance does not ask for 8 digits:\n%s", g)
	}
}

// Twilio texts the pending code again while it is valid
// (https://www.twilio.com/docs/verify/api/rate-limits-and-timeouts); the demo makes a
// new one each time.
func TestVerifyResendSaysWhetherTheCodeIsTheSame(t *testing.T) {
	for _, tt := range []struct {
		name       string
		twilio     bool
		want, deny string
	}{
		{"new code each time", false, "A 6-digit code is on its way", "same"},
		// The code's validity runs from when it was made, not from the repeat.
		{"same code again", true, "The same 6-digit code was texted to +1 ***-***-0100 again: it is the one sent at %s, and it works until %s.", "on its way"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := verifyHarness(t)
			code := h.lastCode
			if tt.twilio {
				srv := withTwilio(h, 6)
				code = func() string { return srv.LastCode(h.env.State.Phone.E164) }
				tt.want = fmt.Sprintf(tt.want, h.env.at(start, false), h.env.at(start.Add(10*time.Minute), true))
			}
			h.mustRun(Verify{},
				answerWith(KeyVerifyCode, func() string { h.clock.Advance(time.Minute); return "R" }),
				answerWith(KeyVerifyCode, code),
			)
			resent := h.out.String()
			resent = resent[strings.Index(resent, "on its way")+1:]
			if !strings.Contains(resent, tt.want) {
				t.Errorf("after the resend the screen does not say %q:\n%s", tt.want, h.out)
			}
			if strings.Contains(resent, tt.deny) {
				t.Errorf("after the resend the screen says %q:\n%s", tt.deny, h.out)
			}
			if h.env.State.Verify.VerifiedAt.IsZero() {
				t.Error("not verified")
			}
		})
	}
}

// TestARepeatedCodeStillWaitsOutTheCoolDown: Twilio's repeat keeps the code's first
// send time, but the cool-down before another text runs from the repeat, in a later
// run (a new process, whose client remembers nothing) too.
func TestARepeatedCodeStillWaitsOutTheCoolDown(t *testing.T) {
	h := verifyHarness(t)
	srv := withTwilio(h, 6)
	var repeatedAt time.Time
	if err := h.run(Verify{},
		answerWith(KeyVerifyCode, func() string { h.clock.Advance(time.Minute); return "R" }),
		ctrlC(KeyVerifyCode),
	); err == nil {
		t.Fatal("the first run was not stopped")
	}
	repeatedAt = h.clock.Now()
	useTwilio(h, srv) // the next run's client
	h.mustRun(Verify{},
		answer(KeyVerifyCode, "R"),
		answerWith(KeyVerifyCode, func() string {
			if waited := h.clock.Now().Sub(repeatedAt); waited < 30*time.Second {
				t.Errorf("the next text went %s after the repeat; want the 30 s cool-down", waited)
			}
			return srv.LastCode(h.env.State.Phone.E164)
		}),
	)
}

func TestCheckAnswerTakesTextedCodesOfAnyLengthTwilioAllows(t *testing.T) {
	for _, tt := range []struct {
		key, value string
		ok         bool
	}{
		{KeyVerifyCode, "1234", true},
		{KeyVerifyCode, "123456", true},
		{KeyVerifyCode, "1234 5678", true},
		{KeyVerifyCode, "1234567890", true},
		{KeyVerifyCode, "123", false},
		{KeyVerifyCode, "12345678901", false},
		{KeyVerifyCode, "12ab5678", false},
		// Duo Mobile's codes stay 6 digits.
		{KeyDuoEnrollCode, "12345678", false},
		{KeyDuoTestCode, "123456", true},
	} {
		err := CheckAnswer(tt.key, tt.value, "US")
		if (err == nil) != tt.ok {
			t.Errorf("CheckAnswer(%s, %q) = %v; want ok %v", tt.key, tt.value, err, tt.ok)
		}
	}
}

// posts is the server's record of the POSTs to one Verify resource.
func posts(srv *twiliotest.Server, resource string) []twiliotest.Request {
	var out []twiliotest.Request
	for _, r := range srv.Requests() {
		if r.Method == "POST" && r.Path == twiliotest.Path(resource) {
			out = append(out, r)
		}
	}
	return out
}
