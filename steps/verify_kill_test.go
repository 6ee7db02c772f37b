package steps

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/prompt"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// errKilled is what a save that never happens returns: the process was killed.
var errKilled = errors.New("killed before the state was saved")

// disk keeps the state as the last save that happened left it, so that a test can
// stop a run at a save and start the next run from the file, as a kill would.
type disk struct {
	h     *harness
	saved []byte
	// killAt, when it returns true for the state about to be saved, stops the run
	// there: that save and everything after it in the run never happen.
	killAt func(*state.State) bool
}

func onDisk(h *harness) *disk {
	h.t.Helper()
	d := &disk{h: h}
	h.env.Save = func() error {
		h.saves++
		if d.killAt != nil && d.killAt(h.env.State) {
			d.killAt = nil
			return errKilled
		}
		b, err := json.Marshal(h.env.State)
		if err == nil {
			d.saved = b
		}
		return err
	}
	if err := h.env.Save(); err != nil {
		h.t.Fatal(err)
	}
	return d
}

// noLogSet hides the demo code service's log of accepted codes, for the services that
// keep none (a code service other than Twilio Verify).
type noLogSet struct{ provider.Set }

func (s noLogSet) Codes() (provider.CodeSender, error) {
	c, err := s.Set.Codes()
	return noLog{c}, err
}

type noLog struct{ provider.CodeSender }

func blind(h *harness) { h.env.Providers = noLogSet{h.env.Providers} }

// restart starts a new process: the state is what was saved, the screen is new.
func (d *disk) restart() {
	d.h.t.Helper()
	st := &state.State{}
	if err := json.Unmarshal(d.saved, st); err != nil {
		d.h.t.Fatal(err)
	}
	d.h.env.State = st
	d.h.env.Guidance = nil
	d.h.out.Reset()
}

// verified is the kill point between the code service approving and the state saying so.
func verified(st *state.State) bool { return st.Verify != nil && !st.Verify.VerifiedAt.IsZero() }

// screen is what the person saw, with the window's line breaks taken out.
func (h *harness) screen() string { return strings.Join(strings.Fields(h.out.String()), " ") }

func TestVerifyRightCodeCutOffBeforeItWasSavedGetsANewCode(t *testing.T) {
	h := verifyHarness(t)
	blind(h)
	d := onDisk(h)
	d.killAt = verified
	var first string
	err := h.run(Verify{}, answerWith(KeyVerifyCode, func() string { first = h.lastCode(); return first }))
	if !errors.Is(err, errKilled) {
		t.Fatalf("first run = %v; want it killed after the right code was approved", err)
	}
	// Like Twilio, the demo code service forgot the code when it approved it: the
	// same code checked again is refused, which is why the re-run must not ask for it.
	codes, _ := h.env.Providers.Codes()
	if check, err := codes.CheckCode(context.Background(), "+12015550100", first); err != nil || check.Status != provider.CodeExpired {
		t.Fatalf("second check of an approved code = %+v, %v; want it gone (expired), as Twilio answers", check, err)
	}

	d.restart()
	h.clock.Advance(5 * time.Second)
	h.mustRun(Verify{}, answerWith(KeyVerifyCode, h.lastCode))
	out := h.screen()
	for _, want := range []string{
		"The last run was stopped while it was checking the code you typed, before it could record the answer.",
		"That code may well have been right",
		"So you need a new code",
		"A new code can be sent in 25 s", // the cool-down since the first code still holds
		"That is the right code",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the re-run's screen does not say %q:\n%s", want, h.out)
		}
	}
	for _, never := range []string{"expired", "not right", "still works"} {
		if strings.Contains(out, never) {
			t.Errorf("the re-run's screen says %q about a code that was right:\n%s", never, h.out)
		}
	}
	if sms := h.messages("sms"); len(sms) != 2 || sms[1].Time.Sub(sms[0].Time) < 30*time.Second {
		t.Errorf("texts = %+v; want a second code, sent after the 30 s cool-down", sms)
	}
	v := h.env.State.Verify
	if v.VerifiedAt.IsZero() || v.RegisteredAt.IsZero() || !v.CheckingAt.IsZero() || v.KeptExisting {
		t.Errorf("verify record = %+v; want proven with the new code, registered, no check in flight", v)
	}
	if got := h.registered(); got != "+12015550100" {
		t.Errorf("registered = %q", got)
	}
}

func TestVerifyCheckInFlightIsSavedWithoutTheCode(t *testing.T) {
	h := verifyHarness(t)
	d := onDisk(h)
	d.killAt = verified
	var code string
	h.run(Verify{}, answerWith(KeyVerifyCode, func() string { code = h.lastCode(); return code }))
	var st state.State
	if err := json.Unmarshal(d.saved, &st); err != nil {
		t.Fatal(err)
	}
	if st.Verify == nil || st.Verify.CheckingAt.IsZero() {
		t.Fatalf("saved verify record = %+v; want the check in flight recorded", st.Verify)
	}
	if strings.Contains(string(d.saved), code) {
		t.Errorf("the saved state holds the code: %s", d.saved)
	}
}

func TestVerifyCutOffCheckOfANumberMicrosoftAlreadyHasNeedsNoNewCode(t *testing.T) {
	h := verifyHarness(t)
	blind(h)
	reg, _ := h.env.Providers.Registrar()
	if _, err := reg.RegisterMobile(t.Context(), h.env.State.User, "+12015550100"); err != nil {
		t.Fatal(err)
	}
	d := onDisk(h)
	d.killAt = verified
	if err := h.run(Verify{}, answerWith(KeyVerifyCode, h.lastCode)); !errors.Is(err, errKilled) {
		t.Fatalf("first run = %v; want it killed", err)
	}
	d.restart()
	h.mustRun(Verify{})
	if !strings.Contains(h.screen(), "Microsoft 365 already has +1 ***-***-0100 as your mobile sign-in phone, so no new code is needed.") {
		t.Errorf("the re-run does not say Microsoft 365 has the number:\n%s", h.out)
	}
	if n := len(h.messages("sms")); n != 1 {
		t.Errorf("%d texts; the number Microsoft 365 has needs no second code", n)
	}
	if v := h.env.State.Verify; v.VerifiedAt.IsZero() || v.RegisteredAt.IsZero() || !v.KeptExisting || !v.CheckingAt.IsZero() {
		t.Errorf("verify record = %+v; want done, marked as the number Microsoft 365 had", v)
	}
}

func TestVerifyCutOffCheckWithoutAPersonWaitsForTheNewCode(t *testing.T) {
	h := verifyHarness(t)
	blind(h)
	h.env.Interactive = false
	d := onDisk(h)
	d.killAt = verified
	first := ""
	if err := h.run(Verify{}, answerWith(KeyVerifyCode, func() string { first = h.lastCode(); return first })); !errors.Is(err, errKilled) {
		t.Fatalf("first run = %v; want it killed", err)
	}
	d.restart()
	h.clock.Advance(time.Minute)
	err := h.run(Verify{})
	var need *prompt.NeedsAnswerError
	if !errors.As(err, &need) || need.Key != KeyVerifyCode || !need.Retry {
		t.Fatalf("re-run without a person = %v; want it waiting for a new %s", err, KeyVerifyCode)
	}
	if n := len(h.messages("sms")); n != 2 {
		t.Errorf("%d texts; want the new code sent", n)
	}
	if g := strings.Join(h.env.Guidance, " "); !strings.Contains(g, "newest text message") {
		t.Errorf("guidance %q does not point to the new code", g)
	}
	d.restart()
	h.mustRun(Verify{}, answerWith(KeyVerifyCode, h.lastCode))
	if h.env.State.Verify.VerifiedAt.IsZero() {
		t.Error("the new code did not verify the number")
	}
}

// lostAnswer is a code service whose answers to checks never arrive: the check goes
// through at the service (a right code is approved, and used up), then the
// connection breaks.
type lostAnswer struct {
	provider.Set
}

func (l lostAnswer) Codes() (provider.CodeSender, error) {
	c, err := l.Set.Codes()
	return lostCheck{c}, err
}

type lostCheck struct{ provider.CodeSender }

func (l lostCheck) CheckCode(ctx context.Context, to, code string) (provider.CodeCheck, error) {
	if _, err := l.CodeSender.CheckCode(ctx, to, code); err != nil {
		return provider.CodeCheck{}, err
	}
	return provider.CodeCheck{}, errors.New("the connection to the code service broke; try again")
}

func TestVerifyCheckWhoseAnswerWasLostIsNotTakenForWrong(t *testing.T) {
	h := verifyHarness(t)
	blind(h)
	d := onDisk(h)
	demo := h.env.Providers
	h.env.Providers = lostAnswer{demo}
	if err := h.run(Verify{}, answerWith(KeyVerifyCode, h.lastCode)); err == nil {
		t.Fatal("a check without an answer passed")
	}
	d.restart()
	h.env.Providers = demo
	h.clock.Advance(time.Minute)
	h.mustRun(Verify{}, answerWith(KeyVerifyCode, h.lastCode))
	if out := h.screen(); !strings.Contains(out, "stopped while it was checking the code") || strings.Contains(out, "expired") {
		t.Errorf("the re-run after a lost answer:\n%s", h.out)
	}
	if h.env.State.Verify.VerifiedAt.IsZero() {
		t.Error("not verified with the new code")
	}
}

func TestVerifyWrongCodeClearsTheCheckInFlight(t *testing.T) {
	h := verifyHarness(t)
	d := onDisk(h)
	if err := h.run(Verify{}, answer(KeyVerifyCode, "000000"), ctrlC(KeyVerifyCode)); err == nil {
		t.Fatal("Ctrl-C did not stop the step")
	}
	d.restart()
	h.mustRun(Verify{}, answerWith(KeyVerifyCode, h.lastCode))
	if out := h.screen(); !strings.Contains(out, "still works") || strings.Contains(out, "stopped while it was checking") {
		t.Errorf("a wrong code's answer was saved, so the re-run must carry on with the same code:\n%s", h.out)
	}
	if n := len(h.messages("sms")); n != 1 {
		t.Errorf("%d texts; want the one code", n)
	}
}

// withLog is a code service that keeps a log of accepted codes, as Twilio's
// Verification Attempts do: it can say afterwards that a code was right.
type withLog struct {
	provider.Set
	accepted bool
	err      error
}

func (w withLog) Codes() (provider.CodeSender, error) {
	c, err := w.Set.Codes()
	return loggedCodes{c, w}, err
}

type loggedCodes struct {
	provider.CodeSender
	w withLog
}

func (l loggedCodes) Accepted(context.Context, string, time.Time) (bool, error) {
	return l.w.accepted, l.w.err
}

var _ acceptedLog = loggedCodes{}

func TestVerifyCutOffCheckThatTheServiceLoggedAsRightNeedsNoNewCode(t *testing.T) {
	h := verifyHarness(t)
	d := onDisk(h)
	d.killAt = verified
	if err := h.run(Verify{}, answerWith(KeyVerifyCode, h.lastCode)); !errors.Is(err, errKilled) {
		t.Fatalf("first run = %v; want it killed", err)
	}
	d.restart()
	h.env.Providers = withLog{Set: h.env.Providers, accepted: true}
	h.mustRun(Verify{})
	if !strings.Contains(h.screen(), "but the code you typed then was right: the phone is yours") {
		t.Errorf("the re-run does not say the code was right:\n%s", h.out)
	}
	if n := len(h.messages("sms")); n != 1 {
		t.Errorf("%d texts; a code the service logged as right needs no second one", n)
	}
	if v := h.env.State.Verify; v.VerifiedAt.IsZero() || v.RegisteredAt.IsZero() || v.KeptExisting {
		t.Errorf("verify record = %+v; want proven and registered", v)
	}
}

func TestVerifyCutOffCheckWithAnUnreadableLogGetsANewCode(t *testing.T) {
	h := verifyHarness(t)
	d := onDisk(h)
	d.killAt = verified
	if err := h.run(Verify{}, answerWith(KeyVerifyCode, h.lastCode)); !errors.Is(err, errKilled) {
		t.Fatalf("first run = %v; want it killed", err)
	}
	d.restart()
	h.clock.Advance(time.Minute)
	h.env.Providers = withLog{Set: h.env.Providers, err: errors.New("no access to the attempts")}
	h.mustRun(Verify{}, answerWith(KeyVerifyCode, h.lastCode))
	if n := len(h.messages("sms")); n != 2 || !strings.Contains(h.screen(), "So you need a new code") {
		t.Errorf("%d texts; want a new code when the log cannot be read:\n%s", n, h.out)
	}
}

func TestVerifyCutOffCheckOfACodeNotTakenKeepsTheCode(t *testing.T) {
	h := verifyHarness(t)
	d := onDisk(h)
	// The person types a wrong code; the run is killed before the answer is saved.
	d.killAt = func(st *state.State) bool {
		return st.Verify != nil && st.Verify.CheckingAt.IsZero() && st.Verify.SentTo != "" && h.saves > 3
	}
	_ = h.run(Verify{}, answer(KeyVerifyCode, "000000"))
	d.restart()
	h.mustRun(Verify{}, answerWith(KeyVerifyCode, h.lastCode))
	if n := len(h.messages("sms")); n != 1 {
		t.Errorf("%d texts; the code was not used up, so no second one is needed", n)
	}
	if !strings.Contains(h.out.String(), "was not taken") || h.env.State.Verify.VerifiedAt.IsZero() {
		t.Errorf("the re-run did not carry on with the same code:\n%s", h.out)
	}
}
