package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// pipeline is a new-hire job running mfa-onboard with no terminal, on one clock that
// only moves when the test says so, so every run's JSON is the same every time.
type pipeline struct {
	t     *testing.T
	home  string
	clock *clock.Fake
	// saves is how many times the last run saved a person's state.
	saves int64
}

func (p *pipeline) run(args ...string) (int, []byte) {
	p.t.Helper()
	var out, errOut bytes.Buffer
	f := &Factory{
		IO:     &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
		Getenv: func(k string) string { return map[string]string{"CI": "true"}[k] },
		Clock:  p.clock,
	}
	code := Run(context.Background(), f, append([]string{"start", "--home", p.home, "--output", "json"}, args...))
	p.saves = 0
	if f.stores != nil {
		for _, s := range f.stores.m {
			p.saves += s.Saves()
		}
	}
	return code, out.Bytes()
}

// phone is the person's phone: the newest message on channel in the outbox.
func (p *pipeline) phone(channel string) outbox.Message {
	p.t.Helper()
	msgs, err := outbox.Read(filepath.Join(p.home, "outbox.jsonl"))
	if err != nil {
		p.t.Fatal(err)
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Channel == channel {
			return msgs[i]
		}
	}
	p.t.Fatalf("nothing on %s in the outbox", channel)
	return outbox.Message{}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update if the change is meant):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// TestPipelineGolden is the whole procedure as a pipeline runs it: each run stops
// where the person is needed, the job reads the demo phone, and runs again.
func TestPipelineGolden(t *testing.T) {
	p := &pipeline{t: t, home: t.TempDir(), clock: clock.NewFake(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))}
	answers := filepath.Join(p.home, "new-hire.yaml")
	os.WriteFile(answers, []byte("user: alice@contoso.com\nphone:\n  number: 201 555 0100\nmobile-mail:\n  client: outlook\nduo-install:\n  platform: ios\n"), 0o600)

	// saves is what each run must save, and no more: one save at the end of each step
	// it runs (its outcome), and one after each change a crash before that would lose
	// or make a run repeat, listed. Answers from the file are not among them: the next
	// run reads them again.
	steps := []struct {
		name  string
		want  int
		saves int64
		code  func() string
	}{
		// phone; verify: the code texted.
		{"1-waiting-on-verify.json", ExitWaiting, 1 + 2, nil},
		// verify: a mark before the check (the service forgets a code it accepts), the
		// proof before registering; notify-support: the notice's id before sending,
		// the desk's receipt; office-apps, mobile-mail, duo-install; duo-enroll: the
		// Duo user's id, the phone's id, their association, the activation texted.
		{"2-waiting-on-duo-enroll.json", ExitWaiting, 3 + 3 + 1 + 1 + 1 + 5, func() string {
			return regexp.MustCompile(`\b\d{6}\b`).FindString(p.phone("sms").Text)
		}},
		// duo-enroll; duo-test: the push counted before it is sent, its id after.
		{"3-waiting-on-duo-test.json", ExitWaiting, 1 + 3, func() string { return p.appCode(0) }},
		// duo-test.
		{"4-completed.json", ExitOK, 1, func() string { return p.appCode(1) }},
	}
	for _, s := range steps {
		p.clock.Advance(time.Minute)
		args := []string{"--answers", answers}
		if s.code != nil {
			args = append(args, "--code", s.code())
		}
		code, out := p.run(args...)
		if code != s.want {
			t.Fatalf("%s: exit %d; want %d\n%s", s.name, code, s.want, out)
		}
		if p.saves != s.saves {
			t.Errorf("%s: the run saved the state %d times; want %d", s.name, p.saves, s.saves)
		}
		var doc map[string]any
		if err := json.Unmarshal(out, &doc); err != nil {
			t.Fatalf("%s: stdout is not one JSON document: %v\n%s", s.name, err, out)
		}
		golden(t, s.name, out)
	}
}

// appCode is what the authenticator entry from the texted activation link shows.
func (p *pipeline) appCode(stepsAhead int) string {
	p.t.Helper()
	key, err := otp.NewKeyFromURL(p.phoneLink())
	if err != nil {
		p.t.Fatal(err)
	}
	code, err := totp.GenerateCode(key.Secret(), p.clock.Now().Add(time.Duration(stepsAhead)*30*time.Second))
	if err != nil {
		p.t.Fatal(err)
	}
	return code
}

func (p *pipeline) phoneLink() string {
	msgs, _ := outbox.Read(filepath.Join(p.home, "outbox.jsonl"))
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Link != "" {
			return msgs[i].Link
		}
	}
	p.t.Fatal("no activation link texted")
	return ""
}

func TestResultHoldsNoSecrets(t *testing.T) {
	p := &pipeline{t: t, home: t.TempDir(), clock: clock.NewFake(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))}
	_, out := p.run("--user", "bob@example.com", "--phone", "+1 206 555 0100")
	sms := p.phone("sms")
	code := regexp.MustCompile(`\b\d{6}\b`).FindString(sms.Text)
	_, out2 := p.run("--code", code)
	state, _ := os.ReadFile(filepath.Join(p.home, "state", "bob@example.com.json"))
	for name, doc := range map[string][]byte{"first result": out, "second result": out2, "state": state} {
		for _, secret := range []string{code, "secret=", "otpauth", "2065550100", "\x1b["} {
			if bytes.Contains(doc, []byte(secret)) && !(name == "state" && secret == "2065550100") {
				t.Errorf("%s contains %q:\n%s", name, secret, doc)
			}
		}
	}
}

func TestBadInputNeverCrashesOrHangs(t *testing.T) {
	home := t.TempDir()
	write := func(name, doc string) string {
		p := filepath.Join(home, name)
		os.WriteFile(p, []byte(doc), 0o600)
		return p
	}
	newer := filepath.Join(home, "newer")
	os.MkdirAll(filepath.Join(newer, "state"), 0o700)
	os.WriteFile(filepath.Join(newer, "state", "a@example.com.json"), []byte(`{"schema":99,"user":"a@example.com","steps":{}}`), 0o600)
	tests := []struct {
		name string
		args []string
		want int
		says string
	}{
		{"malformed answers", []string{"--answers", write("m.yaml", "phone: {number: \n")}, ExitUsage, "m.yaml"},
		{"unknown answers key", []string{"--answers", write("u.yaml", "phone:\n  nmber: 1\n")}, ExitUsage, "nmber"},
		{"wrong type", []string{"--answers", write("w.yaml", "phone:\n  number: {a: 1}\n")}, ExitUsage, "line 2"},
		{"answers file is a folder", []string{"--answers", home}, ExitUsage, "is a folder"},
		{"missing answers file", []string{"--answers", filepath.Join(home, "none.yaml")}, ExitUsage, "none.yaml"},
		{"40-digit phone", []string{"--user", "a@example.com", "--phone", strings.Repeat("4", 40)}, ExitUsage, "phone.number"},
		{"phone with letters", []string{"--user", "a@example.com", "--phone", "call me"}, ExitUsage, "phone.number"},
		{"unknown country", []string{"--user", "a@example.com", "--country", "QQ"}, ExitUsage, "phone.country"},
		{"user that is not an email", []string{"--answers", write("x.yaml", "user: alice\n")}, ExitUsage, "line 1: user"},
		{"state from a newer version", []string{"--home", newer, "--user", "a@example.com"}, ExitFailed, "newer mfa-onboard"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &pipeline{t: t, home: t.TempDir(), clock: clock.NewFake(time.Now())}
			var errOut bytes.Buffer
			f := &Factory{
				IO:     &IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &errOut},
				Getenv: func(string) string { return "" },
				Clock:  p.clock,
			}
			args := append([]string{"start", "--home", p.home}, tt.args...)
			if code := Run(context.Background(), f, args); code != tt.want || !strings.Contains(errOut.String(), tt.says) {
				t.Errorf("exit %d, stderr:\n%s\nwant exit %d naming %q", code, errOut.String(), tt.want, tt.says)
			}
		})
	}
}

func TestACodeWithLettersIsRefusedNamingTheKey(t *testing.T) {
	p := &pipeline{t: t, home: t.TempDir(), clock: clock.NewFake(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))}
	p.run("--user", "a@example.com", "--phone", "201 555 0100")
	code, out := p.run("--code", "12ab56")
	if code != ExitUsage {
		t.Errorf("exit %d; want 2\n%s", code, out)
	}
}
