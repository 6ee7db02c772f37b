package steps

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/mfa-onboard/mfa-onboard/internal/prompt"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/qr"
	"github.com/mfa-onboard/mfa-onboard/internal/screen"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// The technician of these tests, as start --for names them.
const techName = "Jo Tech (jtech)"

// forPerson makes h a technician's run for the person (start --for).
func forPerson(h *harness) *harness {
	h.env.Actor = Actor{Technician: true, Name: techName}
	h.env.Program = "mfa-onboard"
	return h
}

// audited is an audit that keeps what it was told.
type audited struct {
	actions, reasons []string
	err              error
}

func (a *audited) record(action, reason string, _ map[string]string) error {
	if a.err != nil {
		return a.err
	}
	a.actions, a.reasons = append(a.actions, action), append(a.reasons, reason)
	return nil
}

// textedEntry is the authenticator entry of the activation link last texted to the
// demo phone: what Duo Mobile adds when the person taps it.
func (h *harness) textedEntry() *otp.Key {
	h.t.Helper()
	sms := h.messages("sms")
	for i := len(sms) - 1; i >= 0; i-- {
		if sms[i].Link != "" {
			key, err := otp.NewKeyFromURL(sms[i].Link)
			if err != nil {
				h.t.Fatal(err)
			}
			return key
		}
	}
	h.t.Fatalf("no activation link was texted:\n%s", h.out)
	return nil
}

// readAloud is the code the texted entry shows stepsAhead 30-second steps from now,
// as the person reads it to the technician.
func (h *harness) readAloud(stepsAhead int) func() string {
	return func() string {
		code, err := totp.GenerateCode(h.textedEntry().Secret(), h.clock.Now().Add(time.Duration(stepsAhead)*30*time.Second))
		if err != nil {
			h.t.Fatal(err)
		}
		return code
	}
}

// qrScreen is a terminal big enough for any QR code and wide enough that no sentence
// is wrapped, so a test can see whether one was drawn and find each sentence whole.
func qrScreen(h *harness) *screen.Screen {
	return screen.New(h.out, screen.Options{Size: func() (qr.Size, bool) { return qr.Size{Cols: 1000, Rows: 200}, true }})
}

func wantOnScreen(t *testing.T, out string, says ...string) {
	t.Helper()
	for _, s := range says {
		if !strings.Contains(out, s) {
			t.Errorf("the screen does not say %q:\n%s", s, out)
		}
	}
}

func TestTechnicianAsksForTheNumber(t *testing.T) {
	h := forPerson(newHarness(t))
	h.mustRun(Phone{}, answer(KeyPhoneNumber, "201 555 0100"), answer(KeyPhoneConfirm, "yes"))
	wantOnScreen(t, h.out.String(), "Ask alice@example.com for the mobile number")
	if strings.Contains(h.out.String(), "your mobile phone") {
		t.Errorf("the technician is spoken to as the person:\n%s", h.out)
	}
}

func TestTechnicianWithoutAScreenIsToldToAskForTheNumber(t *testing.T) {
	h := forPerson(newHarness(t))
	h.env.Interactive = false
	h.env.Prompt = prompt.NewAnswers(nil)
	err := Phone{}.Run(context.Background(), h.env)
	var need *prompt.NeedsAnswerError
	if !errors.As(err, &need) || need.Key != KeyPhoneNumber {
		t.Fatalf("err = %v; want the run to wait for %s", err, KeyPhoneNumber)
	}
	if g := strings.Join(h.env.Guidance, "\n"); !strings.Contains(g, "Ask alice@example.com for their mobile number and give it with --phone") {
		t.Errorf("guidance = %q; want what to ask the person and how to give it", h.env.Guidance)
	}
}

func TestTechnicianAsksThePersonToReadTheCodeAloud(t *testing.T) {
	h := forPerson(verifyHarness(t))
	h.mustRun(Verify{}, answerWith(KeyVerifyCode, h.lastCode))
	wantOnScreen(t, h.out.String(),
		"Ask alice@example.com to read you the 6-digit code texted to +1 ***-***-0100.",
		"+1 ***-***-0100 is now alice@example.com's Microsoft 365 sign-in phone")
	if got := h.registered(); got != "+12015550100" {
		t.Errorf("registered %q; want the number once the code proved it", got)
	}
}

func TestTechnicianWithoutAScreenIsToldToAskForTheCode(t *testing.T) {
	h := forPerson(verifyHarness(t))
	h.env.Interactive = false
	h.env.Prompt = prompt.NewAnswers(nil)
	err := Verify{}.Run(context.Background(), h.env)
	var need *prompt.NeedsAnswerError
	if !errors.As(err, &need) || need.Key != KeyVerifyCode {
		t.Fatalf("err = %v; want the run to wait for %s", err, KeyVerifyCode)
	}
	g := strings.Join(h.env.Guidance, "\n")
	for _, want := range []string{"Ask alice@example.com for the 6-digit code texted to +1 ***-***-0100", "--code", "mfa-onboard start --for alice@example.com"} {
		if !strings.Contains(g, want) {
			t.Errorf("guidance %q does not say %q", g, want)
		}
	}
	if got := h.registered(); got != "" {
		t.Errorf("registered %q before the code was given", got)
	}
}

// trustReason is a technician's reason for vouching for a number.
const trustReason = "no signal in the basement office; identity checked on a video call"

func TestTrustPhone(t *testing.T) {
	tests := []struct {
		name  string
		actor Actor
		// answers, when set, is a run without a person given these answers.
		answers map[string]string
		// wantTrusted: registered without a code; otherwise a code is texted and the
		// number waits for it, or (wantErr) the run stops saying so.
		wantTrusted bool
		wantErr     string
	}{
		{name: "on the technician's word, with a reason", actor: Actor{Technician: true, Name: techName, TrustPhone: trustReason}, wantTrusted: true},
		{name: "not from an answers file", actor: Actor{Technician: true, Name: techName},
			answers: map[string]string{"verify.trust-phone": "yes", "verify.trust": "yes", "verify.reason": trustReason}},
		{name: "never without a reason", actor: Actor{Technician: true, Name: techName, TrustPhone: "  \t "}, wantErr: "a reason"},
		{name: "never in the person's own run", actor: Actor{TrustPhone: trustReason}, wantErr: "start --for"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := verifyHarness(t)
			h.env.Actor, h.env.Program = tt.actor, "mfa-onboard"
			log := &audited{}
			h.env.Record = log.record
			var err error
			if tt.answers != nil {
				h.env.Interactive = false
				h.env.Prompt = prompt.NewAnswers(tt.answers)
				err = Verify{}.Run(context.Background(), h.env)
			} else {
				err = h.run(Verify{})
			}
			rec := h.env.State.Verify
			switch {
			case tt.wantTrusted:
				if err != nil {
					t.Fatalf("%v\n%s", err, h.out)
				}
				if got := h.registered(); got != "+12015550100" {
					t.Errorf("registered %q; want the number the technician vouched for", got)
				}
				if n := len(h.messages("sms")); n != 0 {
					t.Errorf("%d codes texted; the number was trusted, none is needed", n)
				}
				if rec.TrustedAt.IsZero() || rec.TrustedBy != techName || rec.TrustReason != trustReason || !rec.VerifiedAt.IsZero() {
					t.Errorf("verify record = %+v; want trusted by %q for the reason given, and not verified", rec, techName)
				}
				if len(log.actions) != 1 || log.actions[0] != ActionTrustPhone || log.reasons[0] != trustReason {
					t.Errorf("audit = %+v; want one %s entry with the reason", log, ActionTrustPhone)
				}
				note := "trusted without proof: " + trustReason
				if got := VerifyNote(nil, h.env.State); !strings.HasPrefix(got, note) || !strings.Contains(got, techName) {
					t.Errorf("VerifyNote = %q; want %q, naming who vouched", got, note)
				}
				if g := strings.Join(h.env.Guidance, "\n"); !strings.Contains(g, note) {
					t.Errorf("the step's guidance %q does not say %q", g, note)
				}
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("err = %v; want a refusal saying %q", err, tt.wantErr)
				}
				fallthrough
			default:
				if got := h.registered(); got != "" {
					t.Errorf("registered %q without proof", got)
				}
				if rec != nil && !rec.TrustedAt.IsZero() || len(log.actions) > 0 || VerifyNote(nil, h.env.State) != "" {
					t.Errorf("trusted anyway: record %+v, audit %+v", rec, log)
				}
			}
			if tt.answers != nil && len(h.messages("sms")) != 1 {
				t.Errorf("%d codes texted; answers alone must leave the number to be proven", len(h.messages("sms")))
			}
		})
	}
}

func TestTrustPhoneIsNotRegisteredWhenTheAuditCannotRecordIt(t *testing.T) {
	h := forPerson(verifyHarness(t))
	h.env.Actor.TrustPhone = trustReason
	h.env.Record = (&audited{err: errors.New("disk full")}).record
	err := h.run(Verify{})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v; want the run stopped by the audit's error", err)
	}
	if got := h.registered(); got != "" || !h.env.State.Verify.TrustedAt.IsZero() {
		t.Errorf("registered %q (record %+v) although the audit could not say who vouched", got, h.env.State.Verify)
	}
}

func TestTrustPhoneIsRefusedOnThePortalRoute(t *testing.T) {
	h := forPerson(verifyHarness(t))
	h.env.Actor.TrustPhone = trustReason
	h.env.Providers = portalSet{Set: h.env.Providers}
	err := h.run(Verify{})
	if err == nil || !strings.Contains(err.Error(), "phone_registration: graph") {
		t.Fatalf("err = %v; want a refusal naming the route that can register", err)
	}
}

func TestTrustedNumberIsSaidInTheNotice(t *testing.T) {
	h := forPerson(verifyHarness(t))
	h.env.State.Verify = &state.VerifyRecord{TrustedAt: start, RegisteredAt: start, TrustedBy: techName, TrustReason: trustReason}
	h.mustRun(NotifySupport{})
	mail := h.messages("email")
	if len(mail) != 1 || !strings.Contains(mail[0].Text, "trusted without a texted code by "+techName+": "+trustReason) || strings.Contains(mail[0].Text, "mobile number verified") {
		t.Errorf("the notice does not say the number was trusted, by whom and why:\n%+v", mail)
	}
	wantOnScreen(t, h.out.String(), "The Microsoft 365 part is done for alice@example.com.")
}

// handedOver is how guidance told by a technician is kept in the result.
const handedOver = "Handed over: the technician told alice@example.com this (start --for); it was not shown to them."

func TestTechnicianTellsThePersonTheGuidance(t *testing.T) {
	tests := []struct {
		name   string
		step   Step
		script []prompt.Step
		says   []string
		never  []string
	}{
		{"office-apps", OfficeApps{}, []prompt.Step{answer(KeyOfficeAck, "yes")},
			[]string{"Tell alice@example.com:", "on their computer", "+1 ***-***-0100"}, []string{"this computer"}},
		{"mobile-mail", MobileMail{}, []prompt.Step{answer(KeyMailClient, MailOutlook), answer(KeyMailAck, "yes")},
			[]string{"Tell alice@example.com:", "In the Outlook app"}, []string{"Your inbox"}},
		{"duo-install", DuoInstall{}, []prompt.Step{answer(KeyDuoInstalled, "yes")},
			[]string{"Tell alice@example.com:", "On their iPhone, open the App Store", "https://apps.apple.com/"}, []string{"Scan this code", "▀", "▄"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := forPerson(newHarness(t))
			h.env.State.Phone = &state.PhoneAnswer{E164: "+12015550100"}
			h.env.State.Platform = &state.Choice{Value: PlatformIOS}
			h.env.Screen = qrScreen(h)
			h.mustRun(tt.step, tt.script...)
			out := h.out.String()
			wantOnScreen(t, out, tt.says...)
			for _, n := range tt.never {
				if strings.Contains(out, n) {
					t.Errorf("the technician's screen shows %q, which is for the person:\n%s", n, out)
				}
			}
			if len(h.env.Guidance) < 2 || h.env.Guidance[0] != handedOver {
				t.Errorf("guidance = %q; want it marked as handed over by the technician, then what was told", h.env.Guidance)
			}
			if !strings.Contains(out, "  1. ") {
				t.Errorf("what to tell is not a numbered list from 1:\n%s", out)
			}
		})
	}
}

func TestTechnicianGuidanceWithoutAScreenIsMarkedToTell(t *testing.T) {
	h := forPerson(newHarness(t))
	h.env.Interactive = false
	h.env.Prompt = prompt.NewAnswers(nil)
	h.env.State.Phone = &state.PhoneAnswer{E164: "+12015550100"}
	if err := (OfficeApps{}).Run(context.Background(), h.env); err != nil {
		t.Fatal(err)
	}
	if len(h.env.Guidance) < 2 || !strings.HasPrefix(h.env.Guidance[0], "To hand over:") || !strings.Contains(h.env.Guidance[0], "tell alice@example.com") {
		t.Errorf("guidance = %q; want it marked as still to be told to the person", h.env.Guidance)
	}
}

func TestTechnicianHasTheActivationTextedAndTheCodeReadAloud(t *testing.T) {
	h := forPerson(duoHarness(t))
	h.env.Screen = qrScreen(h)
	h.mustRun(DuoEnroll{}, answerWith(KeyDuoEnrollCode, h.readAloud(0)))
	out := h.out.String()
	wantOnScreen(t, out,
		"The Duo activation link was texted to alice@example.com's phone (+1 ***-***-0100)",
		"Ask alice@example.com to open the text message from Example MSP on their phone and tap the link in it",
		"read you the 6-digit code Duo Mobile shows under Example MSP")
	if strings.Contains(out, "Scan") || strings.Contains(out, "▀") || strings.Contains(out, "Link: otpauth") {
		t.Errorf("the technician's screen shows the activation, which only the person's phone may add:\n%s", out)
	}
	if h.env.State.Duo.ActivatedAt.IsZero() || h.env.State.Duo.ActivationTexted.IsZero() {
		t.Errorf("duo record = %+v; want the texted activation, activated", h.env.State.Duo)
	}
}

func TestTechnicianWaitsForThePersonToTapTheActivation(t *testing.T) {
	h, d := pollingHarness(t, 3)
	forPerson(h)
	h.mustRun(DuoEnroll{})
	wantOnScreen(t, h.out.String(),
		"Waiting for alice@example.com to tap the activation link in the text on +1 ***-***-0100",
		"Enter: look now; Ctrl-C: stop, and run mfa-onboard start --for alice@example.com to carry on")
	if d.texted != 1 || len(d.activations) != 1 {
		t.Errorf("%d activations, %d texted; want the one activation, texted", len(d.activations), d.texted)
	}
}

func TestTechnicianWithoutAScreenIsToldWhatThePersonMustTap(t *testing.T) {
	h, d := pollingHarness(t, 0)
	forPerson(h)
	h.env.Interactive = false
	h.env.Prompt = prompt.NewAnswers(nil)
	err := DuoEnroll{}.Run(context.Background(), h.env)
	waits(t, 1, err, "alice@example.com", "activation link texted to their phone")
	g := strings.Join(h.env.Guidance, "\n")
	if !strings.Contains(g, "Ask alice@example.com to open the text message from Example MSP") {
		t.Errorf("guidance %q does not say what to ask the person", g)
	}
	if d.texted != 1 {
		t.Errorf("%d activations texted; want 1", d.texted)
	}
}

func TestTechnicianAsksThePersonToApproveThePush(t *testing.T) {
	t.Run("demo", func(t *testing.T) {
		h := forPerson(duoHarness(t))
		h.mustRun(DuoEnroll{}, answerWith(KeyDuoEnrollCode, h.readAloud(0)))
		h.out.Reset()
		h.mustRun(DuoTest{}, answerWith(KeyDuoTestCode, h.readAloud(1)))
		wantOnScreen(t, h.out.String(),
			"A test Duo Push is going to alice@example.com's phone (+1 ***-***-0100) now: ask them to tap Approve in Duo Mobile.",
			"ask them to read you the code Duo Mobile shows for Example MSP now",
			"Duo sign-in (Remote Desktop Gateway) works for alice@example.com.")
	})
	t.Run("Verified Duo Push", func(t *testing.T) {
		h, d := pollingHarness(t, 1)
		forPerson(h)
		d.activated = true
		h.env.State.Duo = enrolledRecord(h)
		h.env.Providers = &verifyingDuo{pollingDuo: d, numbers: []string{"376"}, answers: []provider.PushResult{provider.PushAllowed}, waits: 2, polls: map[string]int{}}
		h.mustRun(DuoTest{})
		wantOnScreen(t, h.out.String(),
			"Waiting for alice@example.com to approve the push",
			"Duo Mobile will ask alice@example.com for a number: tell them to type 376 there.")
	})
	t.Run("denied", func(t *testing.T) {
		h, d := pollingHarness(t, 1)
		forPerson(h)
		d.activated, d.pushResult = true, provider.PushDenied
		h.env.State.Duo = enrolledRecord(h)
		h.run(DuoTest{}, answer(KeyDuoTestRetry, "no"))
		wantOnScreen(t, h.out.String(), "alice@example.com denied the push. If they did not mean to, send another and ask them to tap Approve.")
	})
}

// TestTechnicianResumedRunWaitsForTheSameTexted: a technician stops at the activation
// (Ctrl-C), and a later run for the person (the same or another technician) waits for
// the link already texted instead of texting another, which would void the first.
func TestTechnicianResumedRunWaitsForTheSameTexted(t *testing.T) {
	h := forPerson(duoHarness(t))
	if err := h.run(DuoEnroll{}, ctrlC(KeyDuoEnrollCode)); !errors.Is(err, prompt.ErrInterrupted) {
		t.Fatalf("err = %v; want the run stopped by Ctrl-C", err)
	}
	h.clock.Advance(2 * time.Minute)
	h.env.Actor.Name = "Sam Tech (stech)"
	h.out.Reset()
	h.mustRun(DuoEnroll{}, answerWith(KeyDuoEnrollCode, h.readAloud(0)))
	texted, until := h.env.at(start, false), h.env.at(start.Add(10*time.Minute), true)
	wantOnScreen(t, h.out.String(), "The Duo activation link texted to +1 ***-***-0100 at "+texted+" still works until "+until+".")
	links := 0
	for _, m := range h.messages("sms") {
		if m.Link != "" {
			links++
		}
	}
	if links != 1 || h.env.State.Duo.ActivatedAt.IsZero() {
		t.Errorf("%d activation links texted, activated %v; want the first one, activated", links, !h.env.State.Duo.ActivatedAt.IsZero())
	}
}
