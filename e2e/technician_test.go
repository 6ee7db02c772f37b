//go:build linux || darwin

package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
)

// The questions of a technician's run (start --for), as the technician reads them.
const (
	qReadCode     = "Code they read to you"
	qToldThem     = "Told them? Go on to the next step"
	qTheirPhone   = "What kind of phone do they have?"
	qTheirMail    = "Which app has their work mail?"
	qTheirDuo     = "Is Duo Mobile installed on their phone?"
	qReadDuoCode  = "Code they read from Duo Mobile"
	qReadPushCode = "Code they read from Duo Mobile now"
)

// theirMailApps are the mail apps a technician is offered for a person with an iPhone.
var theirMailApps = []string{"The Outlook app", "Apple Mail on an iPhone or iPad", "They don't read work mail on their phone"}

// noQR fails if any row of the screen shows QR modules: a technician's screen is not
// the person's phone, so nothing on it is for scanning.
func (s *session) noQR(at string) {
	s.t.Helper()
	s.vt.Lock()
	cols, rows := s.vt.Size()
	drawn := -1
	for y := 0; y < rows && drawn < 0; y++ {
		if rowHasModules(s.vt, y, cols) {
			drawn = y
		}
	}
	s.vt.Unlock()
	if drawn >= 0 {
		s.fatalf("at %q the technician's screen shows a QR code (row %d)", at, drawn)
	}
}

// TestTechnicianRunsTheDemoForThePerson: a technician runs the whole demo for alice
// with start --for, in an 80×24 window, with alice on the phone. The technician types
// the number; alice reads out the code texted to her phone (the outbox), taps the
// texted activation link (the demo's link adds an authenticator entry to her Duo
// Mobile) and reads out the code it shows, then approves the push the same way.
// Every screen speaks to the technician and fits the window; none shows a QR code.
func TestTechnicianRunsTheDemoForThePerson(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	s, raw := h.startIn(t, termCols, termRows, h.env(), "start", "--technician", "Jo Tech", "--for", email)

	shown := prose(s.ask(qMobile))
	for _, want := range []string{"Acting for " + email + " as their technician", "Ask " + email + " for the mobile number"} {
		if !strings.Contains(shown, want) {
			s.fatalf("before the number the screen does not say %q:\n%s", want, shown)
		}
	}
	s.reply(qMobile, mobile)
	s.confirm(qSendCodes)

	shown = prose(s.ask(qReadCode))
	if want := "Ask " + email + " to read you the 6-digit code texted to +1 ***-***-0100."; !strings.Contains(shown, want) {
		s.fatalf("the code question does not say %q:\n%s", want, shown)
	}
	s.reply(qReadCode, h.lastSMSCode(t))
	s.expect("That is the right code: " + email + " has the phone.")

	shown = prose(s.ask(qToldThem))
	if !strings.Contains(shown, "Tell "+email+":") || !strings.Contains(shown, "on their computer") {
		s.fatalf("office-apps is not what to tell the person:\n%s", shown)
	}
	s.accept(qToldThem)
	s.choose(qTheirPhone, phoneKinds, "iPhone")
	s.choose(qTheirMail, theirMailApps, "The Outlook app")
	if shown = prose(s.confirm(qToldThem)); !strings.Contains(shown, "In the Outlook app") {
		s.fatalf("mobile-mail does not tell the Outlook app's part:\n%s", shown)
	}

	shown = prose(s.ask(qTheirDuo))
	if !strings.Contains(shown, "On their iPhone, open the App Store") {
		s.fatalf("duo-install does not say what to tell the person:\n%s", shown)
	}
	s.noQR(qTheirDuo)
	s.accept(qTheirDuo)

	shown = prose(s.ask(qReadDuoCode))
	for _, want := range []string{"The Duo activation link was texted to " + email + "'s phone", "tap the link in it", "read you the 6-digit code Duo Mobile shows under " + organisation} {
		if !strings.Contains(shown, want) {
			s.fatalf("the activation question does not say %q:\n%s", want, shown)
		}
	}
	s.noQR(qReadDuoCode)
	// Alice taps the link in the text: Duo Mobile adds the entry and shows its code.
	_, entry := h.textedEntry(t)
	s.reply(qReadDuoCode, totpCode(s, entry.Secret(), time.Now()))
	s.expect("Duo Mobile is activated for " + email)

	shown = prose(s.ask(qReadPushCode))
	if want := "ask them to tap Approve in Duo Mobile"; !strings.Contains(shown, want) {
		s.fatalf("the push question does not say %q:\n%s", want, shown)
	}
	// The code of the next 30-second step: the one before was used to activate.
	s.reply(qReadPushCode, totpCode(s, entry.Secret(), time.Now().Add(30*time.Second)))
	s.expect("All 8 steps are done")
	s.wantExit(0)

	if bad := overwide(raw.String(), termCols, linkLabel); len(bad) > 0 {
		t.Errorf("lines wider than the %d-column window:\n%s", termCols, strings.Join(bad, "\n"))
	}
	if r := h.status(t); r.Status != "completed" || r.User != email {
		t.Errorf("status: %q for %q; want completed for %s", r.Status, r.User, email)
	}
	for channel, want := range map[string]int{outbox.SMS: 2, "push": 1, outbox.Email: 1} {
		if n := h.outboxCount(t, channel); n != want {
			t.Errorf("%d messages on %s; want %d (texts: the code, then the activation link)", n, channel, want)
		}
	}
}
