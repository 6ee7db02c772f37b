package steps

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

func duoHarness(t *testing.T) *harness {
	h := newHarness(t)
	h.env.State.Phone = &state.PhoneAnswer{E164: "+12015550100", Country: "US"}
	h.env.State.Platform = &state.Choice{Value: PlatformIOS}
	return h
}

var linkOnScreen = regexp.MustCompile(`Link: (otpauth://\S+)`)

// authenticator is the person's authenticator app: it adds the newest activation
// shown on screen and shows codes for it.
type authenticator struct {
	h   *harness
	key *otp.Key
}

func (a *authenticator) scan() {
	a.h.t.Helper()
	links := linkOnScreen.FindAllStringSubmatch(a.h.out.String(), -1)
	if len(links) == 0 {
		a.h.t.Fatalf("no activation link on screen:\n%s", a.h.out)
	}
	key, err := otp.NewKeyFromURL(links[len(links)-1][1])
	if err != nil {
		a.h.t.Fatal(err)
	}
	a.key = key
}

// code scans the newest activation and returns the code for the 30-second step that
// is `steps` away from now.
func (a *authenticator) code(steps int) func() string {
	return func() string {
		a.scan()
		c, err := totp.GenerateCode(a.key.Secret(), a.h.clock.Now().Add(time.Duration(steps)*30*time.Second))
		if err != nil {
			a.h.t.Fatal(err)
		}
		return c
	}
}

func TestDuoEnrollActivatesWithTheAppCode(t *testing.T) {
	h := duoHarness(t)
	app := &authenticator{h: h}
	h.mustRun(DuoEnroll{}, answerWith(KeyDuoEnrollCode, app.code(0)))
	// The entry is named by the organisation alone, which is what the screen promises.
	if app.key.AccountName() != "Example MSP" || !strings.Contains(h.out.String(), "Duo Mobile then shows Example MSP with a 6-digit code") {
		t.Errorf("QR entry is %q / %q; want it named Example MSP, as the screen says:\n%s", app.key.Issuer(), app.key.AccountName(), h.out)
	}
	d := h.env.State.Duo
	if d.UserID == "" || d.PhoneID == "" || !d.Associated || d.ActivatedAt.IsZero() {
		t.Errorf("duo record = %+v; want user, phone, association and activation recorded", d)
	}
	if !strings.Contains(h.out.String(), "Automatically send this device a Duo Push") {
		t.Errorf("no advice on the automatic push setting:\n%s", h.out)
	}
}

func TestDuoEnrollRefusesWrongAndUsedCodes(t *testing.T) {
	h := duoHarness(t)
	app := &authenticator{h: h}
	h.mustRun(DuoEnroll{},
		answer(KeyDuoEnrollCode, "000000"),
		answerWith(KeyDuoEnrollCode, app.code(0)),
	)
	if !strings.Contains(h.out.String(), "That code is not the one the app shows now") {
		t.Errorf("wrong code not reported:\n%s", h.out)
	}
	// The same code again, for the push, is refused: codes are one-time.
	pusher, _ := h.env.Providers.Pusher()
	push, err := pusher.Push(t.Context(), h.env.State.User, h.env.State.Duo.PhoneID)
	if err != nil {
		t.Fatal(err)
	}
	if err := pusher.ApproveWithCode(t.Context(), push.ID, app.code(0)()); err == nil {
		t.Error("a code already used for activation approved a push")
	}
}

func TestDuoEnrollExpiredActivationGivesANewOne(t *testing.T) {
	h := duoHarness(t)
	app := &authenticator{h: h}
	var old string
	h.mustRun(DuoEnroll{},
		answerWith(KeyDuoEnrollCode, func() string {
			c := app.code(0)()
			old = app.key.Secret()
			h.clock.Advance(11 * time.Minute)
			return c
		}),
		answerWith(KeyDuoEnrollCode, app.code(0)),
	)
	if !strings.Contains(h.out.String(), "That activation has expired; here is a new one.") {
		t.Errorf("expiry not reported:\n%s", h.out)
	}
	if app.key.Secret() == old {
		t.Error("the expired activation was shown again; a new one is needed")
	}
}

func TestDuoEnrollResumeKeepsOnePhone(t *testing.T) {
	h := duoHarness(t)
	if err := h.run(DuoEnroll{}, ctrlC(KeyDuoEnrollCode)); err == nil {
		t.Fatal("Ctrl-C did not stop the step")
	}
	first := *h.env.State.Duo
	app := &authenticator{h: h}
	h.mustRun(DuoEnroll{}, answerWith(KeyDuoEnrollCode, app.code(0)))
	if h.env.State.Duo.PhoneID != first.PhoneID || h.env.State.Duo.UserID != first.UserID {
		t.Errorf("resumed run used %+v; want the ids of the first run %+v", h.env.State.Duo, first)
	}
	// A reset (state forgotten) must find the same Duo user and phone, not make new ones.
	h.env.State.Duo = nil
	h.mustRun(DuoEnroll{})
	if h.env.State.Duo.PhoneID != first.PhoneID {
		t.Errorf("after a reset the phone is %s; want the existing %s", h.env.State.Duo.PhoneID, first.PhoneID)
	}
}

func TestDuoEnrollTextsTheLinkWhenThereIsNoCamera(t *testing.T) {
	h := duoHarness(t)
	var texted string
	h.mustRun(DuoEnroll{},
		answer(KeyDuoEnrollCode, "T"),
		answerWith(KeyDuoEnrollCode, func() string {
			sms := h.messages("sms")
			if len(sms) != 1 || sms[0].Link == "" || sms[0].To != "+12015550100" {
				t.Fatalf("texts = %+v; want one with the activation link to the phone", sms)
			}
			texted = sms[0].Link
			key, err := otp.NewKeyFromURL(texted)
			if err != nil {
				t.Fatal(err)
			}
			c, _ := totp.GenerateCode(key.Secret(), h.clock.Now())
			return c
		}),
	)
}

func TestDuoTestPushApprovedWithTheNextCode(t *testing.T) {
	h := duoHarness(t)
	app := &authenticator{h: h}
	h.mustRun(DuoEnroll{}, answerWith(KeyDuoEnrollCode, app.code(0)))
	h.mustRun(DuoTest{}, answerWith(KeyDuoTestCode, app.code(1)))
	if h.env.State.DuoTest == nil || h.env.State.DuoTest.ApprovedAt.IsZero() {
		t.Error("approval not recorded")
	}
	if pushes := h.messages("push"); len(pushes) != 1 {
		t.Errorf("%d pushes; want 1", len(pushes))
	}
}

func TestDuoTestTimeoutOffersAnotherPushAndIsCapped(t *testing.T) {
	h := duoHarness(t)
	app := &authenticator{h: h}
	h.mustRun(DuoEnroll{}, answerWith(KeyDuoEnrollCode, app.code(0)))
	late := func() string { h.clock.Advance(61 * time.Second); return app.code(0)() }
	err := h.run(DuoTest{},
		answerWith(KeyDuoTestCode, late), answer(KeyDuoTestRetry, "yes"),
		answerWith(KeyDuoTestCode, late), answer(KeyDuoTestRetry, "yes"),
		answerWith(KeyDuoTestCode, late), answer(KeyDuoTestRetry, "yes"),
	)
	if err == nil || !strings.Contains(err.Error(), "too many") {
		t.Fatalf("err = %v; want the fourth push within 5 minutes refused", err)
	}
	if !strings.Contains(h.out.String(), "Nobody answered the push in time") {
		t.Errorf("timeout not explained:\n%s", h.out)
	}
}

func TestDuoTestNeedsAnActivatedPhone(t *testing.T) {
	h := duoHarness(t)
	err := h.run(DuoTest{})
	if err == nil || !strings.Contains(err.Error(), "duo-enroll") {
		t.Errorf("err = %v; want it to point at the duo-enroll step", err)
	}
}

// firstEntryCode is the code the entry the person added in an earlier run shows now.
func firstEntryCode(h *harness, key *otp.Key, steps int) func() string {
	return func() string {
		c, err := totp.GenerateCode(key.Secret(), h.clock.Now().Add(time.Duration(steps)*30*time.Second))
		if err != nil {
			h.t.Fatal(err)
		}
		return c
	}
}

func TestDuoEnrollResumeShowsTheSameActivation(t *testing.T) {
	h := duoHarness(t)
	if err := h.run(DuoEnroll{}, ctrlC(KeyDuoEnrollCode)); err == nil {
		t.Fatal("Ctrl-C did not stop the step")
	}
	first := &authenticator{h: h}
	first.scan()
	h.out.Reset()
	h.clock.Advance(2 * time.Minute)
	h.mustRun(DuoEnroll{}, answerWith(KeyDuoEnrollCode, firstEntryCode(h, first.key, 0)))
	if !strings.Contains(h.out.String(), "This is the same code as before: if you already added it, type the code Duo Mobile shows for it.") {
		t.Errorf("the resumed run does not say the code is the same one:\n%s", h.out)
	}
	again := &authenticator{h: h}
	again.scan()
	if again.key.Secret() != first.key.Secret() {
		t.Error("the resumed run showed a new entry; the one already shown is still valid")
	}
}

func TestDuoEnrollAfterTheLinkWasTextedShowsThatEntry(t *testing.T) {
	h := duoHarness(t)
	h.env.Interactive = false
	if err := h.run(DuoEnroll{}, ctrlC(KeyDuoEnrollCode)); err == nil {
		t.Fatal("the run without a person did not stop for the code")
	}
	sms := h.messages("sms")
	if len(sms) != 1 || sms[0].Link == "" {
		t.Fatalf("texts = %+v; want the activation link texted once", sms)
	}
	texted, err := otp.NewKeyFromURL(sms[0].Link)
	if err != nil {
		t.Fatal(err)
	}
	h.env.Interactive = true
	h.out.Reset()
	h.clock.Advance(time.Minute)
	h.mustRun(DuoEnroll{}, answerWith(KeyDuoEnrollCode, firstEntryCode(h, texted, 0)))
	if !strings.Contains(h.out.String(), "This is the same code as the link texted to the phone") {
		t.Errorf("the screen does not say the QR code is the texted entry:\n%s", h.out)
	}
	if n := len(h.messages("sms")); n != 1 {
		t.Errorf("%d texts; want the one activation text only", n)
	}
}

func TestDuoEnrollActivatedMeanwhileShowsNothing(t *testing.T) {
	h := duoHarness(t)
	if err := h.run(DuoEnroll{}, ctrlC(KeyDuoEnrollCode)); err == nil {
		t.Fatal("Ctrl-C did not stop the step")
	}
	app := &authenticator{h: h}
	app.scan()
	// The code was typed and accepted, but the run ended before it recorded that.
	enr, _ := h.env.Providers.Enroller()
	if err := enr.ConfirmActivation(t.Context(), h.env.State.Duo.PhoneID, firstEntryCode(h, app.key, 0)()); err != nil {
		t.Fatal(err)
	}
	h.out.Reset()
	h.mustRun(DuoEnroll{})
	if strings.Contains(h.out.String(), "Link:") || h.env.State.Duo.ActivatedAt.IsZero() {
		t.Errorf("an activated phone was shown an activation again (or not recorded):\n%s", h.out)
	}
}

func TestDuoTestAfterResetPushesTheNewPhone(t *testing.T) {
	h := duoHarness(t)
	old := &authenticator{h: h}
	h.mustRun(DuoEnroll{}, answerWith(KeyDuoEnrollCode, old.code(0)))
	h.mustRun(DuoTest{}, answerWith(KeyDuoTestCode, old.code(1)))

	// mfa-onboard reset, then a new number: Duo still has the old phone, activated.
	h.env.State = state.New("alice@example.com", h.clock.Now())
	h.env.State.Phone = &state.PhoneAnswer{E164: "+12015550199", Country: "US"}
	h.env.State.Platform = &state.Choice{Value: PlatformAndroid}
	h.out.Reset()
	h.clock.Advance(time.Minute)
	app := &authenticator{h: h}
	h.mustRun(DuoEnroll{}, answerWith(KeyDuoEnrollCode, app.code(0)))
	if app.key.Secret() == old.key.Secret() {
		t.Fatal("the new phone was shown the old phone's entry")
	}
	h.mustRun(DuoTest{}, answerWith(KeyDuoTestCode, app.code(1)))
	pushes := h.messages("push")
	if len(pushes) != 2 || pushes[1].To != "+12015550199" {
		t.Errorf("pushes = %+v; want the second one to the new phone +12015550199", pushes)
	}
	if !strings.Contains(h.out.String(), "is going to your phone (+1 ***-***-0199) now") {
		t.Errorf("the screen does not say which phone the push goes to:\n%s", h.out)
	}
}
