package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/audit"
	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/clock"
)

var auditStart = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

// technicianRun runs a command line with no terminal as the technician "jtech" on
// the computer "desk-7", on clk.
func technicianRun(t *testing.T, clk clock.Clock, env map[string]string, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	all := map[string]string{"CI": "true"}
	for k, v := range env {
		all[k] = v
	}
	f := &Factory{
		IO:     &IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
		Getenv: func(k string) string { return all[k] },
		Clock:  clk,
		Whoami: func() (string, string) { return "jtech", "desk-7" },
	}
	code := Run(context.Background(), f, args)
	return code, out.String(), errOut.String()
}

// sampleAudit is a customer's audit as a few runs leave it, ending in a line a
// killed run cut short.
func sampleAudit(t *testing.T, dir string) {
	t.Helper()
	clk := clock.NewFake(auditStart)
	path := filepath.Join(dir, "audit.jsonl")
	jo := audit.New(path, audit.Actor{Technician: audit.Technician{Name: "Jo Tech", OSUser: "jtech"}, Machine: "desk-7"}, clk)
	sam := audit.New(path, audit.Actor{Technician: audit.Technician{OSUser: "sam"}, Machine: "LAPTOP-SAM"}, clk)
	entries := []struct {
		log *audit.Log
		e   audit.Entry
	}{
		{jo, audit.Entry{Action: "phone", User: "alice@contoso.com", Provider: "twilio,graph", Result: "done", Phone: "+12015550100"}},
		{jo, audit.Entry{Action: "verify", User: "alice@contoso.com", Provider: "twilio,graph", Result: "done", Phone: "+12015550100", IDs: map[string]string{"method_id": "3179e48a-750b-4051-897c-87b9720928f7"}}},
		{jo, audit.Entry{Action: "notify-support", User: "alice@contoso.com", Provider: "graph-mail,graph", Result: "done",
			IDs: map[string]string{"notice_id": "mfa-onboard-0123456789abcdef", "receipt.graph-mail": "sent"}, Reason: "per-user MFA enforced: no Conditional Access policy requires MFA"}},
		{sam, audit.Entry{Action: "duo-enroll", User: "bob@contoso.com", Provider: "duo", Result: "waiting", Phone: "+447700900123",
			IDs: map[string]string{"duo_user_id": "DU3RP8MA7ZOTTN1YYE7Q", "duo_phone_id": "DPFZRS9FB0D46QFTM899"}, Reason: "waiting for Duo Mobile to be activated"}},
		{sam, audit.TrustedPhone("carol@contoso.com", "+12015550123", "graph", "she read the code to me but the call dropped")},
		{sam, audit.Entry{Action: audit.ActionReset, User: "carol@contoso.com", Result: "done"}},
		{jo, audit.Entry{Action: "verify", User: "eve\x1b[31m@contoso.com", Provider: "twilio", Result: "failed", Reason: "Twilio said \u202eok\u202c\tthen \x07nothing"}},
	}
	for i, x := range entries {
		clk.Advance(time.Duration(i+1) * time.Minute)
		if err := x.log.Append(x.e); err != nil {
			t.Fatal(err)
		}
	}
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o600)
	f.WriteString(`{"time":"2026-11-25T09:40:00Z","technician":{"os_u`)
	f.Close()
}

func TestAuditGolden(t *testing.T) {
	home := t.TempDir()
	sampleAudit(t, home)
	now := clock.NewFake(auditStart.Add(time.Hour))
	for _, tt := range []struct {
		args   []string
		golden string
	}{
		{[]string{"audit"}, "audit.txt"},
		{[]string{"audit", "--output", "json"}, "audit.json"},
	} {
		code, stdout, stderr := technicianRun(t, now, nil, append(tt.args, "--home", home)...)
		if code != 0 {
			t.Fatalf("%v: exit %d\n%s", tt.args, code, stderr)
		}
		if !strings.Contains(stderr, "line 8 was cut short") {
			t.Errorf("%v: no note of the torn line on stderr:\n%s", tt.args, stderr)
		}
		golden(t, tt.golden, []byte(stdout))
	}
}

func TestAuditJSONIsOneDocumentSafeToPrint(t *testing.T) {
	home := t.TempDir()
	sampleAudit(t, home)
	_, stdout, _ := technicianRun(t, clock.NewFake(auditStart.Add(time.Hour)), nil, "audit", "--home", home, "--output", "json")
	for _, raw := range []string{"\x1b", "\u202e", "\x07"} {
		if strings.Contains(stdout, raw) {
			t.Errorf("the document holds %q raw", raw)
		}
	}
	var doc struct {
		Schema  int           `json:"schema"`
		Entries []audit.Entry `json:"entries"`
	}
	dec := json.NewDecoder(strings.NewReader(stdout))
	if err := dec.Decode(&doc); err != nil || dec.More() {
		t.Fatalf("not one JSON document (%v):\n%s", err, stdout)
	}
	if doc.Schema != 1 || len(doc.Entries) != 7 || doc.Entries[6].User != "eve\x1b[31m@contoso.com" {
		t.Errorf("document = %+v", doc)
	}
}

func TestAuditFilters(t *testing.T) {
	home := t.TempDir()
	sampleAudit(t, home)
	// The entries are at 09:01, 09:03, 09:06, 09:10, 09:15, 09:21 and 09:28.
	now := clock.NewFake(auditStart.Add(time.Hour))
	tests := []struct {
		name string
		args []string
		want []string // actions, in order
	}{
		{"a user", []string{"--user", "alice@contoso.com"}, []string{"phone", "verify", "notify-support"}},
		{"a user in other case", []string{"--user", "Carol@Contoso.com"}, []string{"trust-phone", "reset"}},
		{"an action", []string{"--action", "verify"}, []string{"verify", "verify"}},
		{"a duration", []string{"--since", "45m"}, []string{"trust-phone", "reset", "verify"}},
		{"days", []string{"--since", "1d"}, []string{"phone", "verify", "notify-support", "duo-enroll", "trust-phone", "reset", "verify"}},
		{"a time", []string{"--since", "2026-11-25T09:10:00Z"}, []string{"duo-enroll", "trust-phone", "reset", "verify"}},
		{"a date", []string{"--since", "2026-11-26"}, nil},
		{"all together", []string{"--user", "carol@contoso.com", "--action", "reset", "--since", "1h"}, []string{"reset"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := technicianRun(t, now, nil, append([]string{"audit", "--home", home, "--output", "json"}, tt.args...)...)
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			var doc struct{ Entries []audit.Entry }
			json.Unmarshal([]byte(stdout), &doc)
			var got []string
			for _, e := range doc.Entries {
				got = append(got, e.Action)
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("actions = %v; want %v", got, tt.want)
			}
		})
	}
}

func TestAuditRefusesWhatItCannotRead(t *testing.T) {
	home := t.TempDir()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--since", "yesterday"}, "--since"},
		{[]string{"--since", "-3h"}, "--since"},
		{[]string{"--user", "not an address"}, "--user"},
		{[]string{"--output", "yaml"}, "--output"},
	}
	for _, tt := range tests {
		code, _, stderr := technicianRun(t, clock.NewFake(auditStart), nil, append([]string{"audit", "--home", home}, tt.args...)...)
		if code != ExitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d; want 2 naming %s\n%s", tt.args, code, tt.want, stderr)
		}
	}
}

func TestAnEmptyAuditSaysSo(t *testing.T) {
	home := t.TempDir()
	code, stdout, _ := technicianRun(t, clock.NewFake(auditStart), nil, "audit", "--home", home)
	if code != 0 || !strings.Contains(stdout, "No audit entries") {
		t.Errorf("exit %d:\n%s", code, stdout)
	}
	code, stdout, _ = technicianRun(t, clock.NewFake(auditStart), nil, "audit", "--home", home, "--output", "json")
	if code != 0 || !strings.Contains(stdout, `"schema": 1`) || !strings.Contains(stdout, `"entries": []`) {
		t.Errorf("exit %d:\n%s", code, stdout)
	}
}

// TestEveryStepThatChangedSomethingIsAudited runs the whole demo procedure as a
// pipeline does, then reads the audit as a technician would.
func TestEveryStepThatChangedSomethingIsAudited(t *testing.T) {
	home := t.TempDir()
	p := &pipeline{t: t, home: home, clock: clock.NewFake(auditStart)}
	tech := map[string]string{"MFA_ONBOARD_TECHNICIAN": "Jo Tech"}
	runStart := func(args ...string) int {
		t.Helper()
		code, _, stderr := technicianRun(t, p.clock, tech, append([]string{"start", "--home", home}, args...)...)
		if code != ExitOK && code != ExitWaiting {
			t.Fatalf("start %v: exit %d\n%s", args, code, stderr)
		}
		return code
	}
	runStart("--user", "alice@contoso.com", "--phone", "201 555 0100", "--answers", writeAnswers(t, home))
	p.clock.Advance(time.Minute)
	code := regexp.MustCompile(`\b\d{6}\b`).FindString(p.phone("sms").Text)
	runStart("--code", code)
	p.clock.Advance(time.Minute)
	runStart() // Duo Mobile not activated yet: nothing changes, nothing is recorded
	p.clock.Advance(time.Minute)
	runStart("--code", p.appCode(0))
	p.clock.Advance(time.Minute)
	runStart("--code", p.appCode(1))

	c, err := audit.Read(filepath.Join(home, "audit.jsonl"))
	if err != nil || len(c.Skipped) != 0 {
		t.Fatalf("Read = %+v, %v", c, err)
	}
	want := []struct{ action, result, provider string }{
		{"phone", "done", "fake"},
		{"verify", "waiting", "fake"},
		{"verify", "done", "fake"},
		{"notify-support", "done", "fake"},
		{"office-apps", "done", ""},
		{"mobile-mail", "done", ""},
		{"duo-install", "done", ""},
		{"duo-enroll", "waiting", "fake"},
		{"duo-enroll", "done", "fake"},
		{"duo-test", "waiting", "fake"},
		{"duo-test", "done", "fake"},
	}
	if len(c.Entries) != len(want) {
		for _, e := range c.Entries {
			t.Logf("%s %s %s", e.Action, e.Result, e.Reason)
		}
		t.Fatalf("%d entries; want %d", len(c.Entries), len(want))
	}
	for i, w := range want {
		e := c.Entries[i]
		if e.Action != w.action || e.Result != w.result || e.Provider != w.provider {
			t.Errorf("entry %d = %s %s %q; want %s %s %q", i, e.Action, e.Result, e.Provider, w.action, w.result, w.provider)
		}
		if e.User != "alice@contoso.com" || e.Technician != (audit.Technician{Name: "Jo Tech", OSUser: "jtech"}) || e.Machine != "desk-7" {
			t.Errorf("entry %d is of %q by %+v on %q", i, e.User, e.Technician, e.Machine)
		}
	}
	ids := func(i int, keys ...string) {
		for _, k := range keys {
			if c.Entries[i].IDs[k] == "" {
				t.Errorf("%s has no %s: %v", c.Entries[i].Action, k, c.Entries[i].IDs)
			}
		}
	}
	ids(2, "method_id")
	ids(3, "notice_id", "receipt.fake")
	ids(8, "duo_user_id", "duo_phone_id")
	if c.Entries[0].Phone != "+1 ***-***-0100" {
		t.Errorf("phone = %q; want it masked", c.Entries[0].Phone)
	}

	data, _ := os.ReadFile(filepath.Join(home, "audit.jsonl"))
	for _, secret := range []string{code, "2015550100", "otpauth", "secret="} {
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("the audit holds %q:\n%s", secret, data)
		}
	}
}

func writeAnswers(t *testing.T, dir string) string {
	t.Helper()
	p := filepath.Join(dir, "answers.yaml")
	os.WriteFile(p, []byte("mobile-mail:\n  client: outlook\nduo-install:\n  platform: ios\n"), 0o600)
	return p
}

func TestResetIsAudited(t *testing.T) {
	home := t.TempDir()
	clk := clock.NewFake(auditStart)
	technicianRun(t, clk, nil, "start", "--home", home, "--user", "alice@contoso.com")
	code, _, stderr := technicianRun(t, clk, nil, "reset", "--home", home, "--user", "alice@contoso.com", "--yes", "--technician", "Sam Tech")
	if code != 0 {
		t.Fatalf("reset: exit %d\n%s", code, stderr)
	}
	c, _ := audit.Read(filepath.Join(home, "audit.jsonl"))
	last := c.Entries[len(c.Entries)-1]
	if last.Action != "reset" || last.User != "alice@contoso.com" || last.Result != "done" || last.Technician.Name != "Sam Tech" {
		t.Errorf("the last entry is %+v; want alice's reset by Sam Tech", last)
	}
}

func TestAProfilesAuditIsItsOwn(t *testing.T) {
	home := t.TempDir()
	clk := clock.NewFake(auditStart)
	technicianRun(t, clk, nil, "profiles", "add", "contoso", "--home", home)
	technicianRun(t, clk, nil, "start", "--home", home, "--profile", "contoso", "--user", "alice@contoso.com", "--phone", "201 555 0100")
	if _, err := os.Stat(filepath.Join(home, "audit.jsonl")); err == nil {
		t.Errorf("a profile's run wrote to the home folder's audit")
	}
	_, stdout, _ := technicianRun(t, clk, nil, "audit", "--home", home, "--profile", "contoso", "--output", "json")
	if !strings.Contains(stdout, `"alice@contoso.com"`) {
		t.Errorf("contoso's audit does not show alice:\n%s", stdout)
	}
	_, stdout, _ = technicianRun(t, clk, nil, "audit", "--home", home, "--output", "json")
	if strings.Contains(stdout, "alice") {
		t.Errorf("the default's audit shows contoso's person:\n%s", stdout)
	}
}

func TestTheStateAndTheAuditNameTheSameTechnician(t *testing.T) {
	home := t.TempDir()
	technicianRun(t, clock.NewFake(auditStart), nil, "start", "--home", home, "--user", "alice@contoso.com", "--technician", "Sam Tech")
	files, _ := filepath.Glob(filepath.Join(home, "state", "alice@contoso.com-*.json"))
	if len(files) != 1 {
		t.Fatalf("state files: %v", files)
	}
	data, _ := os.ReadFile(files[0])
	var st struct {
		LastRun struct {
			OSUser     string `json:"os_user"`
			Machine    string `json:"machine"`
			Technician string `json:"technician"`
		} `json:"last_run"`
	}
	json.Unmarshal(data, &st)
	if st.LastRun.Technician != "Sam Tech" || st.LastRun.OSUser != "jtech" || st.LastRun.Machine != "desk-7" {
		t.Errorf("the state says the run was %+v; want Sam Tech as jtech on desk-7", st.LastRun)
	}
}

// In a terminal of 80 columns, where a line an entry would not fit, each entry
// takes two lines: what happened to whom, then, indented and broken between words,
// who did it, where, through what, and the details.
func TestAuditTableFitsAnEightyColumnTerminal(t *testing.T) {
	home := t.TempDir()
	sampleAudit(t, home)
	var entries []audit.Entry
	if _, err := audit.Each(filepath.Join(home, "audit.jsonl"), func(e audit.Entry) error { entries = append(entries, e); return nil }); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := writeAuditTable(&out, nil, entries, 80); err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(out.String(), "\n") {
		if len([]rune(l)) > 80 {
			t.Errorf("a line of %d columns: %q", len([]rune(l)), l)
		}
	}
	golden(t, "audit-80.txt", out.Bytes())
}

// In Spanish the table's headings, results and the second line of each entry are
// Spanish; the actions (which --action takes), ids and recorded reasons are not
// words of the table, and the JSON is the same in every language.
func TestAuditInSpanish(t *testing.T) {
	home := t.TempDir()
	sampleAudit(t, home)
	code, stdout, stderr := run(t, nil, "audit", "--home", home, "--lang", "es")
	if code != 0 || !strings.Contains(stderr, "Nota: en la auditoría "+filepath.Join(home, "audit.jsonl")+", la línea 8 quedó cortada") {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	head := strings.Fields(strings.SplitN(stdout, "\n", 2)[0])
	if !slices.Equal(head, []string{"HORA", "(UTC)", "USUARIO", "ACCIÓN", "RESULTADO", "PROVEEDOR", "TÉCNICO", "EQUIPO", "DETALLES"}) {
		t.Errorf("the Spanish headings = %q", head)
	}
	if words := strings.Join(strings.Fields(stdout), " "); !strings.Contains(words, "trust-phone de confianza sin prueba graph sam LAPTOP-SAM") ||
		!strings.Contains(words, "carol@contoso.com reset hecho - sam LAPTOP-SAM -") {
		t.Errorf("the Spanish table:\n%s", stdout)
	}

	var entries []audit.Entry
	if _, err := audit.Each(filepath.Join(home, "audit.jsonl"), func(e audit.Entry) error { entries = append(entries, e); return nil }); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := writeAuditTable(&out, catalog.New(language.Spanish), entries, 80); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"    por Jo Tech (jtech) en desk-7, mediante twilio,graph: +1 ***-***-0100\n",
		"carol@contoso.com    reset           hecho\n    por sam en LAPTOP-SAM\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the narrow Spanish table does not say %q:\n%s", want, out.String())
		}
	}

	_, en, _ := run(t, nil, "audit", "--home", home, "--output", "json", "--lang", "en")
	_, es, _ := run(t, nil, "audit", "--home", home, "--output", "json", "--lang", "es")
	if es != en || !strings.Contains(es, `"result": "trusted without proof"`) {
		t.Errorf("the JSON in Spanish:\n%s\nin English:\n%s", es, en)
	}
}
