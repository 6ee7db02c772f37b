//go:build linux || darwin

package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
)

// The activation is read from the "Link: otpauth://…" line the product prints under
// the QR code (and instead of it when the window is too small): unlike the code's
// cells, that line stays the same however the code is drawn.
var activationLine = regexp.MustCompile(regexp.QuoteMeta(linkLabel) + `(otpauth://\S+)\n`)

// activation waits for the Duo activation on screen and returns the authenticator
// entry it adds.
func (s *session) activation() (link string, key *otp.Key) {
	s.t.Helper()
	_, m := s.expectRe(activationLine)
	key, err := otp.NewKeyFromURL(m[1])
	if err != nil {
		s.fatalf("the activation link %q is not an otpauth URI: %v", m[1], err)
	}
	return m[1], key
}

// finishDuo types the entry's code at the activation question, approves the test
// push with the entry's next code, and waits for the end of the procedure.
func (s *session) finishDuo(key *otp.Key) {
	s.t.Helper()
	s.reply(qDuoCode, totpCode(s, key.Secret(), time.Now()))
	s.ask(qPushCode)
	s.reply(qPushCode, totpCode(s, key.Secret(), time.Now().Add(30*time.Second)))
	s.expect("All 8 steps are done")
	s.wantExit(0)
}

// lastOutbox is the newest message the demo phone received on channel.
func (h *home) lastOutbox(t *testing.T, channel string) outbox.Message {
	t.Helper()
	msgs, err := outbox.Read(filepath.Join(h.dir, "outbox.jsonl"))
	if err != nil {
		t.Fatalf("read the outbox: %v", err)
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Channel == channel {
			return msgs[i]
		}
	}
	t.Fatalf("the outbox has nothing on %s (%d messages)", channel, len(msgs))
	return outbox.Message{}
}

// textedEntry is the authenticator entry of the activation link last texted.
func (h *home) textedEntry(t *testing.T) (string, *otp.Key) {
	t.Helper()
	msgs, err := outbox.Read(filepath.Join(h.dir, "outbox.jsonl"))
	if err != nil {
		t.Fatalf("read the outbox: %v", err)
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Channel == outbox.SMS && msgs[i].Link != "" {
			key, err := otp.NewKeyFromURL(msgs[i].Link)
			if err != nil {
				t.Fatalf("the texted activation link %q is not an otpauth URI: %v", msgs[i].Link, err)
			}
			return msgs[i].Link, key
		}
	}
	t.Fatal("no activation link was texted")
	return "", nil
}

// appCode is the code the entry shows at a moment.
func appCode(t *testing.T, key *otp.Key, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCode(key.Secret(), at)
	if err != nil {
		t.Fatalf("compute the authenticator code: %v", err)
	}
	return code
}

// writeAnswers writes an answers file for the person with this mobile number.
func writeAnswers(t *testing.T, h *home, name, number string) string {
	t.Helper()
	if err := os.MkdirAll(h.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(h.dir, name)
	yaml := "user: " + email + "\nphone:\n  number: " + number + "\nmobile-mail:\n  client: outlook\nduo-install:\n  platform: ios\n"
	if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestDuoResumeAfterCtrlCAcceptsTheFirstEntry: the person adds the entry the QR code
// shows, presses Ctrl-C at the code question and starts again. The entry they added
// must still be the one: the same activation is shown, said to be the same, and its
// code is accepted.
func TestDuoResumeAfterCtrlCAcceptsTheFirstEntry(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	first := h.start(t, "start")
	first.provePhone(h, false)
	first.askFirst(qDoneReading)
	first.accept(qDoneReading)
	first.choose(qPhoneKind, phoneKinds, "iPhone")
	first.choose(qMailApp, mailApps["iPhone"], "The Outlook app")
	first.confirm(qDoneReading)
	first.installDuo("iPhone")
	link, added := first.activation()
	first.ask(qDuoCode)
	first.press(keyCtrlC)
	first.expect("mfa-onboard start")
	first.wantExit(130)

	second := h.start(t, "start")
	again, _ := second.activation()
	shown := second.ask(qDuoCode)
	if again != link {
		second.fatalf("the resumed run shows the activation %q; want the one shown before, %q", again, link)
	}
	if !strings.Contains(prose(shown+second.screen()), "This is the same code as before") {
		second.fatalf("the resumed run does not say the code is the same one:\n%s", shown)
	}
	second.finishDuo(added)
	if added.AccountName() != organisation {
		t.Errorf("the activation %q names the entry %q; want %q, as the screen says", link, added.AccountName(), organisation)
	}
}

// TestDuoResumeAfterTheLinkWasTextedShowsThatEntry: a run with no terminal texted the
// activation link; the person opens it on the phone, then runs start at a terminal.
// The QR code shown is the texted entry, said to be it, and its code is accepted.
func TestDuoResumeAfterTheLinkWasTextedShowsThatEntry(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	answers := writeAnswers(t, h, "answers.yaml", mobile)
	env := h.env("CI=true")
	if r := h.run(t, 30*time.Second, env, "start", "--answers", answers, "--output", "json"); r.code != 3 || decodeOne(t, r.stdout).WaitingOn != "verify" {
		t.Fatalf("first run: exit %d; want waiting on verify\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	r := h.run(t, 30*time.Second, env, "start", "--answers", answers, "--output", "json", "--code", h.lastSMSCode(t))
	if r.code != 3 || decodeOne(t, r.stdout).WaitingOn != "duo-enroll" {
		t.Fatalf("second run: exit %d; want waiting on duo-enroll\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	link, added := h.textedEntry(t)

	s := h.start(t, "start")
	shownLink, _ := s.activation()
	shown := s.ask(qDuoCode)
	if shownLink != link {
		s.fatalf("the QR code is %q; want the entry texted before, %q", shownLink, link)
	}
	if !strings.Contains(prose(shown+s.screen()), "This is the same code as the link texted to the phone") {
		s.fatalf("the screen does not say the QR code is the texted entry:\n%s", shown)
	}
	s.finishDuo(added)
	if n := h.outboxCount(t, outbox.SMS); n != 2 {
		t.Errorf("the phone got %d texts; want 2 (the code, then the one activation link)", n)
	}
}

// TestDuoPushAfterResetGoesToTheNewNumber: the whole demo done with one number, then
// reset and done again with another. Duo still has the old phone, activated; the
// test push must go to the new one, and only the new entry may approve it.
func TestDuoPushAfterResetGoesToTheNewNumber(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	env := h.env("CI=true")
	start := func(answers string, args ...string) runResult {
		t.Helper()
		return h.run(t, 30*time.Second, env, append([]string{"start", "--answers", answers, "--output", "json"}, args...)...)
	}
	wantWaiting := func(r runResult, step string) {
		t.Helper()
		if r.code != 3 || decodeOne(t, r.stdout).WaitingOn != step {
			t.Fatalf("exit %d; want waiting on %s\n%s\n%s", r.code, step, r.stdout, r.stderr)
		}
	}
	enroll := func(answers string, args ...string) *otp.Key {
		t.Helper()
		wantWaiting(start(answers), "verify")
		wantWaiting(start(answers, append(args, "--code", h.lastSMSCode(t))...), "duo-enroll")
		_, key := h.textedEntry(t)
		wantWaiting(start(answers, "--code", appCode(t, key, time.Now())), "duo-test")
		return key
	}

	first := writeAnswers(t, h, "first.yaml", mobile)
	old := enroll(first)
	if r := start(first, "--code", appCode(t, old, time.Now().Add(30*time.Second))); r.code != 0 {
		t.Fatalf("first procedure: exit %d; want 0\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := h.run(t, 10*time.Second, env, "reset", "--yes"); r.code != 0 {
		t.Fatalf("reset --yes: exit %d\n%s", r.code, r.stderr)
	}

	second := writeAnswers(t, h, "second.yaml", "201 555 0199")
	key := enroll(second, "--replace-phone")
	if key.Secret() == old.Secret() {
		t.Fatal("the new number was given the old phone's entry")
	}
	if push := h.lastOutbox(t, "push"); push.To != "+12015550199" {
		t.Fatalf("the test push went to %s; want the phone just enrolled, +12015550199", push.To)
	}
	// The old phone's entry would approve a push sent to the old phone: it must not
	// approve this one.
	wantWaiting(start(second, "--code", appCode(t, old, time.Now().Add(30*time.Second))), "duo-test")
	r := start(second, "--code", appCode(t, key, time.Now().Add(30*time.Second)))
	if r.code != 0 {
		t.Fatalf("the new entry's code on the push: exit %d; want 0\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	wantSteps(t, decodeOne(t, r.stdout), nil)
	if n := h.outboxCount(t, "push"); n != 2 {
		t.Errorf("%d test pushes; want 2, one per procedure", n)
	}
}
