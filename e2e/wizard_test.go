//go:build linux || darwin

package e2e

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
)

// The person in every test, and what the demo configuration calls the organisation.
const (
	email        = "alice@example.com"
	mobile       = "201 555 0100"
	organisation = "Example MSP"
)

// The menus' options, in the order steps/guidance.go offers them.
var (
	mailApps = map[string][]string{
		"iPhone":        {"The Outlook app", "Apple Mail on an iPhone or iPad", "I don't read work mail on my phone"},
		"Android phone": {"The Outlook app", "Samsung Email or another Android mail app", "I don't read work mail on my phone"},
	}
	phoneKinds = []string{"iPhone", "Android phone"}
	storeLinks = map[string]string{"iPhone": "https://apps.apple.com/", "Android phone": "https://play.google.com/"}
)

// The questions, as the person reads them.
const (
	qEmail       = "Your work email address"
	qMobile      = "Mobile number"
	qSendCodes   = "Send codes to"
	qTextCode    = "Code from the text message"
	qDoneReading = "Done reading? Go on to the next step"
	qMailApp     = "Which app has your work mail?"
	qPhoneKind   = "What kind of phone do you have?"
	qInstalled   = "Is Duo Mobile installed?"
	qDuoCode     = "Code Duo Mobile shows"
	qPushCode    = "Code Duo Mobile shows now"
)

// words are what the demo's screens say in one language: the questions and options
// a walkthrough answers and the marks it waits for.
type words struct {
	email, mobile, sendCodes, textCode, doneReading  string
	mailApp, phoneKind, installed, duoCode, pushCode string
	// yes is a yes/no question's answer as survey shows it; link labels a QR code's
	// link; allDone and triesLeft are what the end and a wrong code say.
	yes, link, allDone, triesLeft string
	// installShows and enrollShows, when set, are words the screens of duo-install
	// and duo-enroll must show beside their QR codes, all within the window.
	installShows, enrollShows []string
}

// english is the demo in English, the language of every test that names none.
var english = &words{
	email: qEmail, mobile: qMobile, sendCodes: qSendCodes, textCode: qTextCode, doneReading: qDoneReading,
	mailApp: qMailApp, phoneKind: qPhoneKind, installed: qInstalled, duoCode: qDuoCode, pushCode: qPushCode,
	yes: "Yes", link: linkLabel, allDone: "All 8 steps are done", triesLeft: "tries left",
}

// words is what this session's screens say.
func (s *session) words() *words {
	if s.lang == nil {
		return english
	}
	return s.lang
}

func TestWizardEndToEnd(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	s := h.start(t, "start")

	s.provePhone(h, true)

	// notify-support asks nothing: the next question is office-apps'.
	s.askFirst(qDoneReading)
	s.accept(qDoneReading)
	if n := h.outboxCount(t, outbox.Email); n != 1 {
		s.fatalf("the support desk got %d emails, want 1", n)
	}

	s.choose(qPhoneKind, phoneKinds, "iPhone")
	s.choose(qMailApp, mailApps["iPhone"], "The Outlook app")
	guidance := s.confirm(qDoneReading)
	if !strings.Contains(prose(guidance), "Open the Outlook app") || strings.Contains(prose(guidance), "Edit Settings") {
		s.fatalf("after choosing the Outlook app, the guidance should be the Outlook app's only:\n%s", guidance)
	}

	s.installDuo("iPhone")
	s.enrollAndTestDuo()
	s.wantExit(0)

	r := h.status(t)
	if r.Status != "completed" || r.User != email {
		t.Errorf("status: user %q status %q, want %q completed", r.User, r.Status, email)
	}
	wantSteps(t, r, nil)
}

func TestInterruptAndResume(t *testing.T) {
	t.Parallel()
	h := newHome(t)

	first := h.start(t, "start")
	first.provePhone(h, false)
	first.ask(qDoneReading)
	first.press(keyCtrlC)
	first.expect("mfa-onboard start") // how to carry on, after the Ctrl-C
	first.wantExit(130)
	first.onScreen("mfa-onboard start")

	r := h.status(t)
	if r.Status != "waiting" || r.WaitingOn != "office-apps" {
		t.Errorf("status after Ctrl-C: %q waiting on %q, want waiting on office-apps", r.Status, r.WaitingOn)
	}
	wantSteps(t, r, map[string]string{"office-apps": "pending", "mobile-mail": "pending", "duo-install": "pending", "duo-enroll": "pending", "duo-test": "pending"})

	second := h.start(t, "start")
	shown := second.askFirst(qDoneReading)
	if strings.Contains(shown, qEmail) || strings.Contains(shown, qMobile) {
		second.fatalf("the resumed run asked for the email or phone again:\n%s", shown)
	}
	if !strings.Contains(shown, "Welcome back") {
		second.fatalf("the resumed run did not say welcome back:\n%s", shown)
	}

	// A second start for the same person, while this one waits at a question.
	third := h.run(t, 10*time.Second, h.env(), "start", "--non-interactive")
	if third.code == 0 || !strings.Contains(third.stderr, "already working") || third.took > 5*time.Second {
		t.Errorf("a start while another runs: exit code %d after %s, stderr:\n%s\nwant a non-zero exit at once, saying another is already working",
			third.code, third.took.Round(time.Millisecond), third.stderr)
	}

	second.accept(qDoneReading)
	second.choose(qPhoneKind, phoneKinds, "iPhone")
	second.choose(qMailApp, mailApps["iPhone"], "Apple Mail on an iPhone or iPad")
	guidance := second.confirm(qDoneReading)
	if !strings.Contains(prose(guidance), "Edit Settings") || strings.Contains(prose(guidance), "Open the Outlook app") {
		second.fatalf("after choosing Apple Mail, the guidance should be Apple Mail's only:\n%s", guidance)
	}
	second.installDuo("iPhone")
	second.enrollAndTestDuo()
	second.wantExit(0)

	r = h.status(t)
	if r.Status != "completed" {
		t.Errorf("status after the resumed run: %q, want completed", r.Status)
	}
	wantSteps(t, r, nil)
}

func TestNoTerminalWaitsOnPhone(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	res := h.run(t, 10*time.Second, h.env("CI=true"), "start", "--user", email, "--output", "json")
	if res.code != 3 {
		t.Fatalf("exit code %d, want 3 (waiting on the person)\nstdout:\n%s\nstderr:\n%s", res.code, res.stdout, res.stderr)
	}
	r := decodeOne(t, res.stdout)
	if r.Status != "waiting" || r.WaitingOn != "phone" {
		t.Errorf("JSON result: status %q waiting_on %q, want waiting on phone\nstdout:\n%s", r.Status, r.WaitingOn, res.stdout)
	}
	if !strings.Contains(res.stderr, "phone.number") {
		t.Errorf("stderr does not name the answer key phone.number:\n%s", res.stderr)
	}
}

// provePhone answers a first run's questions up to a proven phone: the email, the
// number, and the code texted to it, read from the outbox as the phone would show it.
// With wrongFirst a wrong code is typed first and refused.
func (s *session) provePhone(h *home, wrongFirst bool) {
	s.t.Helper()
	w := s.words()
	s.answer(w.email, email)
	s.answer(w.mobile, mobile)
	s.confirm(w.sendCodes)
	s.ask(w.textCode)
	code := h.lastSMSCode(s.t)
	if wrongFirst {
		s.reply(w.textCode, otherCode(code))
		s.expect(w.triesLeft)
		s.onScreen(w.triesLeft)
		s.ask(w.textCode)
	}
	s.reply(w.textCode, code)
}

// otherCode is a 6-digit code that differs from code in every digit.
func otherCode(code string) string {
	b := []byte(code)
	for i, c := range b {
		b[i] = '0' + (c-'0'+1)%10
	}
	return string(b)
}

// installDuo checks the store link's QR code for the phone's kind (given at the mail
// step, and not asked again) and says Duo Mobile is installed.
func (s *session) installDuo(kind string) {
	s.t.Helper()
	_, m := s.expectRe(regexp.MustCompile(regexp.QuoteMeta(s.words().link) + `(https://\S+)\n`))
	decoded, shown := s.scanQR("https://")
	if decoded != m[1] || shown != m[1] || !strings.HasPrefix(decoded, storeLinks[kind]) {
		s.fatalf("store link for %s: the QR code reads %q and the screen shows %q, %q; want a link to %s", kind, decoded, shown, m[1], storeLinks[kind])
	}
	w := s.words()
	s.ask(w.installed)
	if w.installShows != nil {
		s.fitsWithQR(w.installed, "https://", w.installShows...)
	}
	s.accept(w.installed)
}

// enrollAndTestDuo scans the Duo activation QR code off the screen as Duo Mobile
// would, types the code the authenticator shows, approves the test push with the
// next code, and waits for the end of the procedure.
func (s *session) enrollAndTestDuo() {
	s.t.Helper()
	w := s.words()
	_, m := s.expectRe(regexp.MustCompile(regexp.QuoteMeta(w.link) + `(otpauth://\S+)\n`))
	decoded, shown := s.scanQR("otpauth://")
	if decoded != shown || decoded != m[1] {
		s.fatalf("the activation QR code reads %q but the screen shows the link %q (output %q)", decoded, shown, m[1])
	}
	key, err := otp.NewKeyFromURL(decoded)
	if err != nil {
		s.fatalf("the activation link %q is not an otpauth URI: %v", decoded, err)
	}
	// The entry is named by the organisation alone: that keeps the code small enough
	// for an 80×24 window, and it is what the screen says Duo Mobile will show.
	if key.Type() != "totp" || key.AccountName() != organisation {
		s.fatalf("the activation link %q: type %q account %q, want a totp entry named %s", decoded, key.Type(), key.AccountName(), organisation)
	}
	s.ask(w.duoCode)
	if w.enrollShows != nil {
		s.fitsWithQR(w.duoCode, "otpauth://", w.enrollShows...)
	}
	s.reply(w.duoCode, totpCode(s, key.Secret(), time.Now()))
	// The code of the next 30-second step: the product accepts one step either side
	// and refuses a step that was used already, so there is no need to wait.
	s.ask(w.pushCode)
	s.reply(w.pushCode, totpCode(s, key.Secret(), time.Now().Add(30*time.Second)))
	s.expect(w.allDone)
	s.drawn(w.allDone)
	s.onScreen(w.allDone)
}

func totpCode(s *session, secret string, at time.Time) string {
	s.t.Helper()
	code, err := totp.GenerateCode(secret, at)
	if err != nil {
		s.fatalf("compute the authenticator code: %v", err)
	}
	return code
}
