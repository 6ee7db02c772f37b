package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/autotask/autotasktest"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/smtp/smtptest"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/webhook/webhooktest"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// desk is a support desk reached by mail (a real SMTP server on loopback, STARTTLS
// and AUTH) and by Autotask tickets, as an MSP would configure both.
type desk struct {
	t    *testing.T
	home string
	mail *smtptest.Server
	psa  *autotasktest.Server
	env  map[string]string
	now  *clock.Fake
}

func newDesk(t *testing.T) *desk {
	d := &desk{t: t, home: t.TempDir(), now: clock.NewFake(time.Now())}
	d.mail = smtptest.New(t, smtptest.Options{User: "desk", Password: "mail-pw"})
	d.psa = autotasktest.New(t, autotasktest.Options{User: "api@msp.example", Secret: "psa-secret", IntegrationCode: "INTEGRATIONCODE"})
	mailCA, _ := os.ReadFile(d.mail.WriteCA(t))
	bundle := append(mailCA, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: d.psa.Certificate().Raw})...)
	ca := filepath.Join(d.home, "ca.pem")
	os.WriteFile(ca, bundle, 0o600)
	cfg := fmt.Sprintf(`providers:
  notify: [smtp, autotask]
ca_file: %s
notify:
  smtp:
    host: %s
    port: %d
    username: desk
    password_env: TEST_SMTP_PW
    from: mfa-onboard@msp.example
    to: [support@msp.example]
  autotask:
    api_user: api@msp.example
    secret_env: TEST_PSA_SECRET
    integration_code: INTEGRATIONCODE
    base_url: %s
    company_id: 42
    status: 1
    priority: 2
`, ca, d.mail.Host(), d.mail.Port(), d.psa.BaseURL())
	os.WriteFile(filepath.Join(d.home, "config.yaml"), []byte(cfg), 0o600)
	d.env = map[string]string{"CI": "true", "TEST_SMTP_PW": "mail-pw", "TEST_PSA_SECRET": "psa-secret"}
	return d
}

func (d *desk) start(args ...string) (int, Result, string) {
	d.t.Helper()
	var out, errOut bytes.Buffer
	f := &Factory{
		IO:     &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
		Getenv: func(k string) string { return d.env[k] },
		Clock:  d.now,
	}
	code := Run(context.Background(), f, append([]string{"start", "--home", d.home, "--user", "alice@contoso.com", "--output", "json"}, args...))
	var r Result
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		d.t.Fatalf("stdout is not JSON (%v):\n%s\n%s", err, out.String(), errOut.String())
	}
	return code, r, errOut.String()
}

// untilNotified runs up to and through notify-support.
func (d *desk) untilNotified() (int, Result, string) {
	d.t.Helper()
	d.start("--phone", "201 555 0100")
	msgs, _ := os.ReadFile(filepath.Join(d.home, "outbox.jsonl"))
	code := regexp.MustCompile(`\b\d{6}\b`).FindString(string(msgs))
	return d.start("--code", code)
}

func stepStatus(r Result, id string) StepResult {
	for _, s := range r.Steps {
		if s.ID == id {
			return s
		}
	}
	return StepResult{}
}

func TestSupportIsToldByMailAndTicket(t *testing.T) {
	d := newDesk(t)
	_, r, stderr := d.untilNotified()
	if s := stepStatus(r, "notify-support"); s.Status != "done" {
		t.Fatalf("notify-support = %+v\n%s", s, stderr)
	}
	mails, tickets := d.mail.Messages(), d.psa.Tickets()
	if len(mails) != 1 || len(tickets) != 1 {
		t.Fatalf("%d mails, %d tickets; want one of each", len(mails), len(tickets))
	}
	st, err := state.NewFiles(filepath.Join(d.home, "state")).Load("alice@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	body := string(mails[0].Data)
	for _, want := range []string{"Message-ID: <" + st.Notice.ID + "@msp.example>", "alice@contoso.com", "+1 ***-***-0100", st.Notice.ID} {
		if !strings.Contains(body, want) {
			t.Errorf("the mail lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "2015550100") || !mails[0].TLS {
		t.Errorf("the mail shows the full number or came without TLS:\n%s", body)
	}
	if !strings.Contains(tickets[0].Title(), "["+st.Notice.ID+"]") {
		t.Errorf("ticket title %q lacks the notice id", tickets[0].Title())
	}

	// Killed after sending and before the state was written: the next run must not
	// file a second ticket. Mail cannot be asked, so it is sent again with the same
	// Message-ID (the documented limit).
	st.Notice.Channels, st.Notice.SentAt = nil, time.Time{}
	st.Mark("notify-support", state.Pending, "", d.now.Now())
	if err := state.NewFiles(filepath.Join(d.home, "state")).Save(st); err != nil {
		t.Fatal(err)
	}
	d.start()
	if n := len(d.psa.Tickets()); n != 1 {
		t.Errorf("%d tickets after the re-run; want exactly 1", n)
	}
	mails = d.mail.Messages()
	if len(mails) != 2 || !bytes.Contains(mails[1].Data, []byte("Message-ID: <"+st.Notice.ID+"@msp.example>")) {
		t.Errorf("%d mails after the re-run; want the documented resend with the same Message-ID", len(mails))
	}
}

func TestMailServerDownLeavesTheStepWaitingAndGoesOn(t *testing.T) {
	d := newDesk(t)
	d.mail.FailNextData(451)
	code, r, _ := d.untilNotified()
	s := stepStatus(r, "notify-support")
	if code != ExitWaiting || s.Status != "waiting" || !strings.Contains(s.Reason, "support is not told yet") {
		t.Fatalf("exit %d, notify-support %+v; want waiting with the reason", code, s)
	}
	if o := stepStatus(r, "office-apps"); o.Status != "done" {
		t.Errorf("office-apps = %s; the procedure must go on while support is not told", o.Status)
	}
	if n := len(d.psa.Tickets()); n != 1 {
		t.Errorf("%d tickets; the channel that worked must have been used", n)
	}
	d.start()
	if n, m := len(d.psa.Tickets()), len(d.mail.Messages()); n != 1 || m != 1 {
		t.Errorf("after the retry: %d tickets, %d mails; want 1 and 1 (only the failed channel retried)", n, m)
	}
	_, r, _ = d.start()
	if s := stepStatus(r, "notify-support"); s.Status != "done" {
		t.Errorf("notify-support = %+v after the retry", s)
	}
}

func TestTeamsWebhookIsRetriedOnlyUntilItTakes(t *testing.T) {
	hook := webhooktest.New(t)
	d := &desk{t: t, home: t.TempDir(), now: clock.NewFake(time.Now())}
	// The fake is plain HTTP on loopback, which the webhook client allows only there.
	os.WriteFile(filepath.Join(d.home, "config.yaml"), []byte("providers:\n  notify: [teams]\nnotify:\n  teams:\n    url_env: TEST_TEAMS_URL\n"), 0o600)
	d.env = map[string]string{"CI": "true", "TEST_TEAMS_URL": hook.TeamsURL()}

	hook.FailNext(503, "", "")
	_, r, stderr := d.untilNotified()
	if s := stepStatus(r, "notify-support"); s.Status != "waiting" {
		t.Fatalf("after a 503: %+v", s)
	}
	if strings.Contains(stderr, webhooktest.TeamsSig) {
		t.Errorf("the webhook's signature appears in the output:\n%s", stderr)
	}
	d.start()
	_, r, _ = d.start()
	if s := stepStatus(r, "notify-support"); s.Status != "done" || len(hook.Posts()) != 1 {
		t.Errorf("notify-support %+v with %d accepted posts; want done with exactly one", s, len(hook.Posts()))
	}
}
