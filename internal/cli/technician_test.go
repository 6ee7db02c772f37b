package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/mfa-onboard/mfa-onboard/internal/audit"
	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// techDesk is a technician's computer running start --for with no terminal (a batch,
// later): one home folder, one clock that moves only when the test says, and a fixed
// account signed in.
type techDesk struct {
	t     *testing.T
	home  string
	clock *clock.Fake
}

func newTechDesk(t *testing.T) *techDesk {
	return &techDesk{t: t, home: t.TempDir(), clock: clock.NewFake(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))}
}

// run runs mfa-onboard with args after --home, and returns the exit code, stdout and stderr.
func (d *techDesk) run(args ...string) (int, string, string) {
	d.t.Helper()
	var out, errOut bytes.Buffer
	f := &Factory{
		IO:     &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
		Getenv: func(k string) string { return map[string]string{"CI": "true"}[k] },
		Clock:  d.clock,
		Whoami: func() (string, string) { return "jtech", "desk-7" },
	}
	code := Run(context.Background(), f, append([]string{args[0], "--home", d.home}, args[1:]...))
	return code, out.String(), errOut.String()
}

// phone is the newest message the person's phone (the demo outbox) got on channel.
func (d *techDesk) phone(channel string) outbox.Message {
	d.t.Helper()
	msgs, err := outbox.Read(filepath.Join(d.home, "outbox.jsonl"))
	if err != nil {
		d.t.Fatal(err)
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Channel == channel && (channel != "sms" || msgs[i].Link == "") {
			return msgs[i]
		}
	}
	d.t.Fatalf("nothing on %s in the outbox", channel)
	return outbox.Message{}
}

// entry is what Duo Mobile adds when the person taps the texted activation link.
func (d *techDesk) entry() *otp.Key {
	d.t.Helper()
	msgs, _ := outbox.Read(filepath.Join(d.home, "outbox.jsonl"))
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Link != "" {
			key, err := otp.NewKeyFromURL(msgs[i].Link)
			if err != nil {
				d.t.Fatal(err)
			}
			return key
		}
	}
	d.t.Fatal("no activation link was texted")
	return nil
}

// readAloud is the code the person reads from Duo Mobile, stepsAhead 30-second steps on.
func (d *techDesk) readAloud(stepsAhead int) string {
	d.t.Helper()
	code, err := totp.GenerateCode(d.entry().Secret(), d.clock.Now().Add(time.Duration(stepsAhead)*30*time.Second))
	if err != nil {
		d.t.Fatal(err)
	}
	return code
}

func TestForIsRefusedWithUsageErrors(t *testing.T) {
	home := t.TempDir()
	tests := []struct {
		args []string
		says []string
	}{
		{[]string{"--for", "alice@example.com", "--user", "alice@example.com"}, []string{"--for", "--user", "technician"}},
		{[]string{"--for", "not-an-address"}, []string{"--for", "not-an-address"}},
		{[]string{"--for", "alice@example.com", "--trust-phone"}, []string{"--trust-phone", "--reason"}},
		{[]string{"--for", "alice@example.com", "--trust-phone", "--reason", "  "}, []string{"--trust-phone", "--reason"}},
		{[]string{"--trust-phone", "--reason", "no signal", "--user", "alice@example.com"}, []string{"--trust-phone", "--for"}},
		{[]string{"--for", "alice@example.com", "--reason", "no signal"}, []string{"--reason", "--trust-phone"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, stderr := run(t, map[string]string{"CI": "true"}, append([]string{"start", "--home", home}, tt.args...)...)
			if code != ExitUsage {
				t.Errorf("exit %d; want %d\n%s", code, ExitUsage, stderr)
			}
			for _, s := range tt.says {
				if !strings.Contains(stderr, s) {
					t.Errorf("the error does not name %q:\n%s", s, stderr)
				}
			}
		})
	}
	if entries, _ := os.ReadDir(filepath.Join(home, "state")); len(entries) != 0 {
		t.Errorf("a refused command line saved state: %v", entries)
	}
}

func TestTrustPhoneIsNeverTakenFromAnAnswersFile(t *testing.T) {
	d := newTechDesk(t)
	answers := filepath.Join(d.home, "answers.yaml")
	os.WriteFile(answers, []byte("phone:\n  number: 201 555 0100\nverify:\n  trust-phone: yes\n"), 0o600)
	code, _, stderr := d.run("start", "--for", "alice@example.com", "--answers", answers)
	if code != ExitUsage || !strings.Contains(stderr, "trust-phone") || !strings.Contains(stderr, "answers.yaml") {
		t.Fatalf("exit %d; want %d, naming the answers file's trust-phone key\n%s", code, ExitUsage, stderr)
	}
	if n := len(readOutbox(t, d.home)); n != 0 {
		t.Errorf("%d messages sent for a refused answers file", n)
	}
}

func readOutbox(t *testing.T, home string) []outbox.Message {
	t.Helper()
	msgs, err := outbox.Read(filepath.Join(home, "outbox.jsonl"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return msgs
}

var sixDigitCode = regexp.MustCompile(`\b\d{6}\b`)

// TestTechnicianRunWithoutAScreenHandsEachPartOver: start --for with no terminal, run
// after run as a batch would. Each person-only part ends the run waiting, naming it
// and saying, for the technician, what to ask of the person; the texted code and the
// codes Duo Mobile shows are given with --code; the last run completes.
func TestTechnicianRunWithoutAScreenHandsEachPartOver(t *testing.T) {
	d := newTechDesk(t)
	for i, r := range []struct {
		code      func() string
		exit      int
		waitingOn string
		guidance  string // said in the waiting step's guidance, for the technician
	}{
		{nil, ExitWaiting, "verify", "Ask alice@example.com for the 6-digit code texted to +1 ***-***-0100"},
		{func() string { return sixDigitCode.FindString(d.phone("sms").Text) }, ExitWaiting, "duo-enroll", "Ask alice@example.com to open the text message from Example MSP on their phone"},
		{func() string { return d.readAloud(0) }, ExitWaiting, "duo-test", "ask them to approve it in Duo Mobile"},
		{func() string { return d.readAloud(1) }, ExitOK, "", ""},
	} {
		d.clock.Advance(time.Minute)
		args := []string{"start", "--for", "alice@example.com", "--phone", "201 555 0100", "--output", "json"}
		if r.code != nil {
			args = append(args, "--code", r.code())
		}
		code, stdout, stderr := d.run(args...)
		res := decodeResult(t, stdout)
		if code != r.exit || res.WaitingOn != r.waitingOn {
			t.Fatalf("run %d: exit %d waiting on %q; want %d waiting on %q\n%s\n%s", i+1, code, res.WaitingOn, r.exit, r.waitingOn, stdout, stderr)
		}
		for _, s := range res.Steps {
			if s.ID == r.waitingOn && !strings.Contains(strings.Join(s.Guidance, "\n"), r.guidance) {
				t.Errorf("run %d: %s's guidance %q does not say %q", i+1, s.ID, s.Guidance, r.guidance)
			}
			if s.ID == "office-apps" && s.Status == "done" && (len(s.Guidance) == 0 || !strings.HasPrefix(s.Guidance[0], "To hand over:")) {
				t.Errorf("run %d: office-apps' guidance %q is not marked as to be handed over to the person", i+1, s.Guidance)
			}
		}
		if r.waitingOn != "" && !strings.Contains(stderr, "start --for alice@example.com") {
			t.Errorf("run %d: the closing words do not say to carry on with start --for:\n%s", i+1, stderr)
		}
	}
}

func TestTrustPhoneIsRecordedWithWhoAndWhy(t *testing.T) {
	d := newTechDesk(t)
	const why = "no signal at the site; identity checked on a video call"
	code, stdout, stderr := d.run("start", "--technician", "Jo Tech", "--for", "alice@example.com", "--phone", "201 555 0100",
		"--trust-phone", "--reason", why, "--output", "json")
	res := decodeResult(t, stdout)
	if code != ExitWaiting || res.WaitingOn != "duo-enroll" {
		t.Fatalf("exit %d waiting on %q; want the number registered and the run waiting on duo-enroll\n%s\n%s", code, res.WaitingOn, stdout, stderr)
	}
	for _, m := range readOutbox(t, d.home) {
		if m.Channel == "sms" && m.Link == "" {
			t.Errorf("a code was texted to a trusted number: %q", m.Text)
		}
	}
	note := "trusted without proof: " + why
	for _, s := range res.Steps {
		if s.ID == "verify" && (s.Status != "done" || !strings.Contains(strings.Join(s.Guidance, "\n"), note)) {
			t.Errorf("verify in the result: %s, guidance %q; want done, saying %q", s.Status, s.Guidance, note)
		}
	}
	st, err := state.NewFiles(filepath.Join(d.home, "state")).Load("alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if v := st.Verify; v.TrustedAt.IsZero() || v.TrustedBy != "Jo Tech (jtech)" || v.TrustReason != why || !v.VerifiedAt.IsZero() {
		t.Errorf("verify record = %+v; want trusted by Jo Tech (jtech) for the reason given, never verified", v)
	}
	log, err := audit.Read(filepath.Join(d.home, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var trusted []audit.Entry
	for _, e := range log.Entries {
		if e.Action == audit.ActionTrustPhone {
			trusted = append(trusted, e)
		}
	}
	if len(trusted) != 1 || trusted[0].Reason != why || trusted[0].Who() != "Jo Tech (jtech)" || trusted[0].User != "alice@example.com" ||
		trusted[0].Result != audit.ResultTrusted || !strings.HasSuffix(trusted[0].Phone, "0100") || strings.Contains(trusted[0].Phone, "2015550100") {
		t.Errorf("audit entries of trust-phone = %+v; want one, by Jo Tech (jtech), for alice, with the reason and the masked number", trusted)
	}
	if mail := d.phone("email"); !strings.Contains(mail.Text, "trusted without a texted code by Jo Tech (jtech): "+why) {
		t.Errorf("the support notice does not say the number was trusted, by whom and why:\n%s", mail.Text)
	}
}
