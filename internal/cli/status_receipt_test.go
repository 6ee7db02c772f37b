package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/profile"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
	"github.com/mfa-onboard/mfa-onboard/steps"
)

// receiptHome is a customer (Contoso Ltd) with alice done by a technician on their
// word (the number trusted without proof), and bob waiting on the test push.
func receiptHome(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, profile.ConfigFile), []byte("organisation: Contoso Ltd\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	store := state.NewFiles(filepath.Join(home, profile.StateDir))
	store.SetRunner(state.Runner{OSUser: `CONTOSO\sam`, Machine: "LAPTOP-SAM", Technician: "Sam Tech"})
	at := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	for _, who := range []string{"alice@contoso.com", "bob@contoso.com"} {
		st := state.New(who, at)
		st.ByTechnician = true
		st.Phone = &state.PhoneAnswer{E164: "+12015550100", Country: "US", Source: state.FromFlag}
		st.Verify = &state.VerifyRecord{RegisteredAt: at.Add(2 * time.Minute), MethodID: "3179e48a-750b-4051-897c-87b9720928f7"}
		st.Duo = &state.DuoRecord{UserID: "DUAAAAAAAAAAAAAAAAAA", PhoneID: "DPBBBBBBBBBBBBBBBBBB", Associated: true, ActivatedAt: at.Add(7 * time.Minute)}
		st.Notice = &state.NoticeRecord{ID: "n-1", Started: at.Add(3 * time.Minute), SentAt: at.Add(3 * time.Minute), Receipt: "T20261124.0042",
			Channels:   map[string]string{"autotask": "T20261124.0042", "smtp": "<20261124080300.1@msp.example>"},
			EnforcedAt: at.Add(3 * time.Minute), Enforcement: "per-user", EnforcementReason: "per-user MFA is enforced for this user"}
		list := steps.All()
		done := len(list)
		if who == "alice@contoso.com" {
			st.Verify.TrustedAt, st.Verify.TrustedBy = at.Add(2*time.Minute), `Sam Tech (CONTOSO\sam)`
			st.Verify.TrustReason = "phone cannot receive texts abroad; called +1 201 555 0100 back\x1b[2J"
			st.DuoTest = &state.DuoTestRecord{ApprovedAt: at.Add(9 * time.Minute)}
		} else {
			st.Verify.VerifiedAt = at.Add(2 * time.Minute)
			done--
			st.Mark(list[done].ID(), state.Waiting, "waiting for the test push to be approved", at.Add(9*time.Minute))
		}
		for i, s := range list[:done] {
			st.Mark(s.ID(), state.Done, "", at.Add(time.Duration(i+1)*time.Minute))
		}
		if err := store.Save(st); err != nil {
			t.Fatal(err)
		}
	}
	return home
}

func TestReceiptGolden(t *testing.T) {
	home := receiptHome(t)
	tests := []struct {
		args   []string
		golden string
	}{
		{[]string{"--for", "alice@contoso.com"}, "receipt-completed.txt"},
		{[]string{"--user", "bob@contoso.com", "--partial"}, "receipt-partial.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.golden, func(t *testing.T) {
			code, stdout, stderr := run(t, nil, append([]string{"status", "--home", home, "--receipt"}, tt.args...)...)
			if code != 0 || stderr != "" {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			golden(t, tt.golden, []byte(stdout))
			wantPasteable(t, stdout)
		})
	}
}

// wantPasteable: what goes into a ticket is short, narrow, plain and safe.
func wantPasteable(t *testing.T, receipt string) {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(receipt, "\n"), "\n")
	if len(lines) > 25 {
		t.Errorf("%d lines; want at most 25", len(lines))
	}
	for _, l := range lines {
		if n := len([]rune(l)); n > 80 {
			t.Errorf("%d columns: %q", n, l)
		}
		if strings.ContainsAny(l, "\x1b\r\t") || strings.TrimRight(l, " ") != l {
			t.Errorf("not plain: %q", l)
		}
	}
	if strings.Contains(receipt, "2015550100") || strings.Contains(receipt, "201 555 0100") {
		t.Errorf("a number is shown whole:\n%s", receipt)
	}
}

// A receipt is for someone who is done: anyone else is refused with what is next,
// exit 3, unless --partial asks for what is done so far.
func TestReceiptRefusesSomeoneNotFinished(t *testing.T) {
	home := receiptHome(t)
	code, stdout, stderr := run(t, nil, "status", "--home", home, "--for", "bob@contoso.com", "--receipt")
	if code != ExitWaiting || stdout != "" || !strings.Contains(stderr, "bob@contoso.com has not finished: next step is duo-test") ||
		!strings.Contains(stderr, "start --for bob@contoso.com") || !strings.Contains(stderr, "--partial") {
		t.Errorf("exit %d; want 3 and the next step named\n%s%s", code, stdout, stderr)
	}
	code, _, stderr = run(t, nil, "status", "--home", home, "--for", "zed@contoso.com", "--receipt")
	if code != ExitWaiting || !strings.Contains(stderr, "zed@contoso.com has not started") {
		t.Errorf("someone who never started: exit %d\n%s", code, stderr)
	}
}

func TestReceiptUsage(t *testing.T) {
	home := receiptHome(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--all", "--receipt"}, "--receipt"},
		{[]string{"--for", "alice@contoso.com", "--partial"}, "--receipt"},
		{[]string{"--for", "alice@contoso.com", "--user", "bob@contoso.com"}, "--for"},
		{[]string{"--for", "alice@contoso.com", "--receipt", "--output", "json"}, "plain text"},
		{[]string{"--for", "alice@contoso.com", "--receipt", "--live"}, "--live"},
		{[]string{"--all", "--for", "alice@contoso.com"}, "--for"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, stderr := run(t, nil, append([]string{"status", "--home", home}, tt.args...)...)
			if code != ExitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d; want 2 naming %s\n%s", code, tt.want, stderr)
			}
		})
	}
	// The same person twice is one person.
	if code, _, stderr := run(t, nil, "status", "--home", home, "--for", "alice@contoso.com", "--user", "Alice@contoso.com", "--receipt"); code != 0 {
		t.Errorf("--for and --user naming alice: exit %d\n%s", code, stderr)
	}
}

// The receipt of a person the demo took through every step, from the state that
// run left: every id it recorded is on it.
func TestReceiptOfARealRun(t *testing.T) {
	p := &pipeline{t: t, home: t.TempDir(), clock: clock.NewFake(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))}
	p.completeAlice()
	st, err := state.NewFiles(filepath.Join(p.home, "state")).Load("alice@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, nil, "status", "--home", p.home, "--receipt")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	wantPasteable(t, stdout)
	for _, want := range []string{"alice@contoso.com", "Example MSP", "+1 ***-***-0100", st.Duo.UserID, st.Duo.PhoneID, st.Notice.Receipt, "v-test", "UTC"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the receipt does not show %q:\n%s", want, stdout)
		}
	}
}

// completeAlice takes alice through every step as a pipeline does on the demo,
// reading the texted code and the authenticator's codes from the demo phone.
func (p *pipeline) completeAlice() {
	p.t.Helper()
	answers := filepath.Join(p.home, "new-hire.yaml")
	os.WriteFile(answers, []byte("user: alice@contoso.com\nphone:\n  number: 201 555 0100\nmobile-mail:\n  client: outlook\nduo-install:\n  platform: ios\n"), 0o600)
	codes := []func() string{
		nil,
		func() string { return regexp.MustCompile(`\b\d{6}\b`).FindString(p.phone("sms").Text) },
		func() string { return p.appCode(0) },
		func() string { return p.appCode(1) },
	}
	for i, code := range codes {
		p.clock.Advance(time.Minute)
		args := []string{"--answers", answers}
		if code != nil {
			args = append(args, "--code", code())
		}
		if got, out := p.run(args...); i == len(codes)-1 && got != ExitOK {
			p.t.Fatalf("the last run: exit %d\n%s", got, out)
		}
	}
}
