package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/audit"
	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// remindDesk is a technician's computer with people waiting on their part: one home
// folder and one clock that moves only when the test says.
type remindDesk struct {
	t     *testing.T
	home  string
	clock *clock.Fake
}

func newRemindDesk(t *testing.T) *remindDesk {
	return &remindDesk{t: t, home: t.TempDir(), clock: clock.NewFake(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))}
}

func (d *remindDesk) run(args ...string) (int, string, string) {
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

// mails are the outbox's emails, oldest first.
func (d *remindDesk) mails() []outbox.Message {
	d.t.Helper()
	msgs, err := outbox.Read(filepath.Join(d.home, "outbox.jsonl"))
	if err != nil {
		d.t.Fatal(err)
	}
	var out []outbox.Message
	for _, m := range msgs {
		if m.Channel == outbox.Email {
			out = append(out, m)
		}
	}
	return out
}

// waitAtVerify starts alice on her own and bob through a technician, without a
// terminal: both wait for the texted code, which only they have; bob's manager is
// carol, as a batch file's manager column records.
func (d *remindDesk) waitAtVerify() {
	d.t.Helper()
	if code, _, stderr := d.run("start", "--user", "alice@contoso.com", "--phone", "+12015550100"); code != ExitWaiting {
		d.t.Fatalf("alice's start: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := d.run("start", "--for", "bob@contoso.com", "--phone", "+12015550101"); code != ExitWaiting {
		d.t.Fatalf("bob's start: exit %d\n%s", code, stderr)
	}
	store := state.NewFiles(filepath.Join(d.home, "state"))
	st, err := store.Load("bob@contoso.com")
	if err != nil {
		d.t.Fatal(err)
	}
	st.Manager = "carol@contoso.com"
	if err := store.Save(st); err != nil {
		d.t.Fatal(err)
	}
}

func (d *remindDesk) remind(want int, args ...string) (string, string) {
	d.t.Helper()
	code, stdout, stderr := d.run(append([]string{"remind"}, args...)...)
	if code != want {
		d.t.Fatalf("remind %v: exit %d; want %d\n%s\n%s", args, code, want, stdout, stderr)
	}
	return stdout, stderr
}

func TestRemindOnTheDemo(t *testing.T) {
	d := newRemindDesk(t)
	d.waitAtVerify()
	store := state.NewFiles(filepath.Join(d.home, "state"))
	before, _ := store.Load("bob@contoso.com")

	d.clock.Advance(time.Hour)
	if out, _ := d.remind(ExitOK); !strings.Contains(out, "Nothing is due: 2 people wait on their part; 2 of them not due now.") {
		t.Errorf("an hour in:\n%s", out)
	}

	d.clock.Advance(72 * time.Hour)
	out, _ := d.remind(ExitOK, "--dry-run")
	golden(t, "remind-dry-run.txt", []byte(out))
	if n := len(d.mails()); n != 0 {
		t.Fatalf("a dry run sent %d mails", n)
	}

	out, _ = d.remind(ExitOK, "--output", "json")
	golden(t, "remind.json", []byte(out))
	var doc struct {
		Schema    int `json:"schema"`
		Reminders []struct {
			User, Status, Channel string
		} `json:"reminders"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || doc.Schema != 1 || len(doc.Reminders) != 2 {
		t.Fatalf("JSON %v:\n%s", err, out)
	}
	mails := d.mails()
	if len(mails) != 2 || mails[0].To != "alice@contoso.com" || mails[1].To != "bob@contoso.com" {
		t.Fatalf("outbox mails = %+v; want one to alice and one to bob", mails)
	}
	if a := mails[0].Text; !strings.Contains(a, "mfa-onboard start") || !strings.Contains(a, "+1 ***-***-0100") || strings.Contains(a, "5550100") {
		t.Errorf("alice's reminder:\n%s", a)
	}
	if b := mails[1].Text; !strings.Contains(b, "Your technician will call you") || !strings.Contains(b, "read them the code") {
		t.Errorf("bob's reminder:\n%s", b)
	}

	// The same day, again: nothing.
	d.clock.Advance(3 * time.Hour)
	if out, _ := d.remind(ExitOK); !strings.Contains(out, "Nothing is due") || len(d.mails()) != 2 {
		t.Errorf("a second remind the same day sent something (%d mails):\n%s", len(d.mails()), out)
	}

	for range 2 { // reminders 2 and 3
		d.clock.Advance(24 * time.Hour)
		d.remind(ExitOK)
	}
	d.clock.Advance(24 * time.Hour)
	out, _ = d.remind(ExitOK)
	golden(t, "remind.txt", []byte(out))
	mails = d.mails()
	if len(mails) != 8 {
		t.Fatalf("%d mails; want 3 reminders each and 2 escalations", len(mails))
	}
	to := []string{mails[6].To, mails[7].To}
	if to[0] != "support@example.com" || to[1] != "carol@contoso.com" {
		t.Errorf("escalations went to %v; want the support desk for alice (no manager) and carol for bob", to)
	}
	if !strings.Contains(mails[7].Text, "bob@contoso.com has not finished") || !strings.Contains(mails[7].Text, "reminded 3 times") {
		t.Errorf("carol's mail:\n%s", mails[7].Text)
	}

	// Escalated: nothing more, ever, for this wait.
	d.clock.Advance(10 * 24 * time.Hour)
	if d.remind(ExitOK); len(d.mails()) != 8 {
		t.Errorf("after the escalations %d mails; want no more", len(d.mails()))
	}

	// A reminder is not a run of their procedure: who ran it last stays as it was.
	if after, _ := store.Load("bob@contoso.com"); after.LastRun == nil || *after.LastRun != *before.LastRun || after.Remind == nil || after.Remind.EscalatedTo != "carol@contoso.com" {
		t.Errorf("bob's state after: last run %+v (was %+v), reminders %+v", after.LastRun, before.LastRun, after.Remind)
	}

	c, err := audit.Read(filepath.Join(d.home, "audit.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, e := range c.Entries {
		if strings.HasPrefix(e.Action, "remind") {
			count[e.Action+" "+e.Result]++
			if e.Provider != "fake" || e.IDs["message_id"] == "" || e.IDs["receipt"] == "" || e.Technician.OSUser != "jtech" {
				t.Errorf("audit entry %+v; want the channel, the ids and who ran it", e)
			}
		}
	}
	if count["remind sent"] != 6 || count["remind-escalate sent"] != 2 || len(count) != 2 {
		t.Errorf("audit holds %v; want 6 reminders and 2 escalations, all sent", count)
	}
}

func TestRemindExitsOneWhenSendsFail(t *testing.T) {
	d := newRemindDesk(t)
	d.waitAtVerify()
	d.clock.Advance(73 * time.Hour)
	// The demo's mail cannot be written (a folder where the outbox goes).
	box := filepath.Join(d.home, "outbox.jsonl")
	os.Remove(box)
	if err := os.Mkdir(box, 0o700); err != nil {
		t.Fatal(err)
	}
	out, _ := d.remind(ExitFailed)
	if !strings.Contains(out, "failed") || !strings.Contains(out, "2 failed") {
		t.Errorf("the table does not say the sends failed:\n%s", out)
	}
	c, _ := audit.Read(filepath.Join(d.home, "audit.jsonl"))
	failed := 0
	for _, e := range c.Entries {
		if e.Action == "remind" && e.Result == "failed" {
			failed++
		}
	}
	if failed != 2 {
		t.Errorf("%d failed reminders in the audit; want 2", failed)
	}
	// Fixed, the next remind sends them: a failure does not count as sent.
	os.Remove(box)
	d.remind(ExitOK)
	if n := len(d.mails()); n != 2 {
		t.Errorf("%d mails after the fix; want 2", n)
	}
}

func TestRemindNeedsAChannelThatReachesPeople(t *testing.T) {
	d := newRemindDesk(t)
	cfg := filepath.Join(d.home, "teams.yaml")
	os.WriteFile(cfg, []byte("providers:\n  notify: [teams]\nnotify:\n  teams: {url_env: TEAMS_URL}\n"), 0o600)
	code, _, stderr := d.run("remind", "--config", cfg)
	if code != ExitUsage || !strings.Contains(stderr, "can reach people") || !strings.Contains(stderr, "graph-mail") || !strings.Contains(stderr, "smtp") {
		t.Errorf("exit %d; want 2 naming graph-mail and smtp\n%s", code, stderr)
	}
	bad := filepath.Join(d.home, "bad.yaml")
	os.WriteFile(bad, []byte("remind:\n  every: often\n"), 0o600)
	if code, _, stderr := d.run("remind", "--config", bad); code != ExitUsage || !strings.Contains(stderr, "remind.every") {
		t.Errorf("exit %d; want 2 naming remind.every\n%s", code, stderr)
	}
	if code, _, stderr := d.run("remind", "--output", "yaml"); code != ExitUsage || !strings.Contains(stderr, "--output") {
		t.Errorf("exit %d; want 2 naming --output\n%s", code, stderr)
	}
}

func TestRemindWorksForTheProfileGiven(t *testing.T) {
	d := newRemindDesk(t)
	if code, _, stderr := d.run("profiles", "add", "contoso"); code != ExitOK {
		t.Fatalf("profiles add: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := d.run("start", "--profile", "contoso", "--user", "alice@contoso.com", "--phone", "+12015550100"); code != ExitWaiting {
		t.Fatalf("start: exit %d\n%s", code, stderr)
	}
	d.clock.Advance(73 * time.Hour)
	if out, _ := d.remind(ExitOK); !strings.Contains(out, "Nobody waits on their part") {
		t.Errorf("the default customer sees contoso's people:\n%s", out)
	}
	out, _ := d.remind(ExitOK, "--profile", "contoso")
	if !strings.Contains(out, "alice@contoso.com") || !strings.Contains(out, "Sent 1 reminder") {
		t.Errorf("contoso's remind:\n%s", out)
	}
	msgs, _ := outbox.Read(filepath.Join(d.home, "profiles", "contoso", "outbox.jsonl"))
	if len(msgs) == 0 || msgs[len(msgs)-1].To != "alice@contoso.com" {
		t.Errorf("contoso's outbox = %+v; want the reminder there", msgs)
	}
}

func TestBatchRemindRemindsThePeopleOfItsFile(t *testing.T) {
	d := newRemindDesk(t)
	// alice started on her own and is not in the file.
	if code, _, stderr := d.run("start", "--user", "alice@contoso.com", "--phone", "+12015550100"); code != ExitWaiting {
		t.Fatalf("alice's start: exit %d\n%s", code, stderr)
	}
	csv := filepath.Join(d.home, "users.csv")
	os.WriteFile(csv, []byte("user,phone,country,platform\nbob@contoso.com,+12015550101,US,ios\ndan@contoso.com,+12015550102,US,android\n"), 0o600)
	if code, out, stderr := d.run("batch", csv); code != ExitWaiting {
		t.Fatalf("batch: exit %d\n%s\n%s", code, out, stderr)
	}
	d.clock.Advance(73 * time.Hour)
	code, out, stderr := d.run("batch", csv, "--remind", "--dry-run")
	if code != ExitOK || !strings.Contains(out, "Would send 2 reminders") || len(d.mails()) != 0 {
		t.Fatalf("batch --remind --dry-run: exit %d, %d mails\n%s\n%s", code, len(d.mails()), out, stderr)
	}
	code, out, stderr = d.run("batch", csv, "--remind", "--output", "json")
	if code != ExitWaiting || !strings.Contains(stderr, "Sent 2 reminders") {
		t.Fatalf("batch --remind: exit %d; want 3, the people still waiting, with the reminders on stderr\n%s\n%s", code, out, stderr)
	}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if !json.Valid([]byte(line)) {
			t.Errorf("stdout is not JSON Lines any more: %q", line)
		}
	}
	var to []string
	for _, m := range d.mails() {
		to = append(to, m.To)
	}
	if strings.Join(to, ",") != "bob@contoso.com,dan@contoso.com" {
		t.Errorf("reminders went to %v; want the file's two people only", to)
	}
}

// In Spanish the table and the reminders the people receive (the built-in texts:
// the demo configures none of its own) are Spanish; the JSON is the same in every
// language.
func TestRemindInSpanish(t *testing.T) {
	d := newRemindDesk(t)
	d.waitAtVerify()
	d.clock.Advance(73 * time.Hour)
	en, _ := d.remind(ExitOK, "--dry-run", "--output", "json", "--lang", "en")
	es, _ := d.remind(ExitOK, "--dry-run", "--output", "json", "--lang", "es")
	if es != en {
		t.Errorf("the JSON in Spanish:\n%s\nin English:\n%s", es, en)
	}
	out, _ := d.remind(ExitOK, "--lang", "es")
	for _, want := range []string{"USUARIO", "EN ESPERA EN", "DESDE (UTC)", "recordatorio 1 de 3", "enviado",
		"Enviados: 2 recordatorios y 0 avisos a un responsable o al soporte. 2 personas tienen pendiente su parte."} {
		if !strings.Contains(out, want) {
			t.Errorf("the Spanish table does not say %q:\n%s", want, out)
		}
	}
	mails := d.mails()
	if len(mails) != 2 {
		t.Fatalf("%d mails; want 2", len(mails))
	}
	for _, want := range []string{"Hola:", "Usted empezó a configurar la verificación en dos pasos", "hace 3 días",
		"Demuestre que su teléfono móvil (+1 ***-***-0100) es suyo", "  mfa-onboard start", "Este es el recordatorio 1 de 3."} {
		if !strings.Contains(mails[0].Text, want) {
			t.Errorf("alice's Spanish reminder does not say %q:\n%s", want, mails[0].Text)
		}
	}
}
