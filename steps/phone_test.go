package steps

import (
	"errors"
	"strings"
	"testing"

	"github.com/mfa-onboard/mfa-onboard/internal/phone"
	"github.com/mfa-onboard/mfa-onboard/internal/prompt"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

func TestPhoneStoresE164AndShowsItMasked(t *testing.T) {
	h := newHarness(t)
	h.mustRun(Phone{}, answer(KeyPhoneNumber, "(201) 555-0100"), answer(KeyPhoneConfirm, "yes"))
	if got := h.env.State.Phone; got == nil || got.E164 != "+12015550100" || got.Country != "US" || got.Source != state.FromPrompt {
		t.Fatalf("phone = %+v; want +12015550100 from US, typed at the prompt", got)
	}
	if !strings.Contains(h.out.String(), "+1 ***-***-0100") {
		t.Errorf("the screen does not show the masked number:\n%s", h.out)
	}
	if strings.Contains(h.out.String(), "201") {
		t.Errorf("the number is shown unmasked after confirmation:\n%s", h.out)
	}
}

func TestPhoneRefusesBadNumbersWithTheReason(t *testing.T) {
	tests := []struct {
		typed, reason string
	}{
		{"call me", "digits"},
		{"555 01", "too short"},
		{"+44 20 7946 0958", "landline"},
		{strings.Repeat("4", 40), "too long"},
		{"", "enter a phone number"},
	}
	for _, tt := range tests {
		t.Run(tt.typed, func(t *testing.T) {
			h := newHarness(t)
			h.mustRun(Phone{}, answer(KeyPhoneNumber, tt.typed), answer(KeyPhoneNumber, "201 555 0100"), answer(KeyPhoneConfirm, "yes"))
			if len(h.prompter.Refusals) != 1 || !strings.Contains(h.prompter.Refusals[0], tt.reason) {
				t.Errorf("refusals = %q; want one mentioning %q", h.prompter.Refusals, tt.reason)
			}
		})
	}
}

func TestPhonePlusOverridesTheDefaultCountry(t *testing.T) {
	h := newHarness(t)
	h.mustRun(Phone{}, answer(KeyPhoneNumber, "+44 7400 123456"), answer(KeyPhoneConfirm, "yes"))
	if got := h.env.State.Phone; got.E164 != "+447400123456" || got.Country != "GB" {
		t.Errorf("phone = %+v; want the UK number", got)
	}
}

func TestPhoneAsksAgainWhenNotConfirmed(t *testing.T) {
	h := newHarness(t)
	h.mustRun(Phone{},
		answer(KeyPhoneNumber, "201 555 0100"), answer(KeyPhoneConfirm, "no"),
		answer(KeyPhoneNumber, "201 555 0123"), answer(KeyPhoneConfirm, "yes"))
	if got := h.env.State.Phone.E164; got != "+12015550123" {
		t.Errorf("phone = %s; want the second, confirmed number", got)
	}
}

func TestPhoneChangedNumberNeedsNewProof(t *testing.T) {
	h := newHarness(t)
	h.env.State.Phone = &state.PhoneAnswer{E164: "+12015550100"}
	h.env.State.Verify = &state.VerifyRecord{SentTo: "+12015550100", SentAt: start}
	h.mustRun(Phone{}, answer(KeyPhoneNumber, "201 555 0123"), answer(KeyPhoneConfirm, "yes"))
	if h.env.State.Verify != nil {
		t.Errorf("verify record = %+v; a new number must be verified afresh", h.env.State.Verify)
	}
}

func TestPhoneWithoutAPersonNeedsTheAnswerKey(t *testing.T) {
	h := newHarness(t)
	h.env.Interactive = false
	h.env.Prompt = prompt.NewAnswers(nil)
	err := Phone{}.Run(t.Context(), h.env)
	var need *prompt.NeedsAnswerError
	if !errors.As(err, &need) || need.Key != KeyPhoneNumber {
		t.Fatalf("err = %v; want a NeedsAnswerError for %s", err, KeyPhoneNumber)
	}
	h.env.Prompt = prompt.NewAnswers(map[string]string{KeyPhoneNumber: "201 555 0100"})
	if err := (Phone{}).Run(t.Context(), h.env); err != nil {
		t.Fatalf("with the answer given: %v (no confirmation may be asked without a person)", err)
	}
	if h.env.State.Phone.Source != state.FromAnswers {
		t.Errorf("source = %s; want answers", h.env.State.Phone.Source)
	}
}

func TestTheHelpsExampleNumbersAreAccepted(t *testing.T) {
	for _, ex := range []string{localExample, abroadExample} {
		if _, err := phone.Parse(ex, "US"); err != nil {
			t.Errorf("the phone question's help gives %q as an example, but it is refused: %v", ex, err)
		}
	}
}
