package audit_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/audit"
	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/clock"
)

var (
	start = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	who   = audit.Actor{Technician: audit.Technician{Name: "Jo Tech", OSUser: "jtech"}, Machine: "desk-7"}
)

func newLog(t *testing.T) (*audit.Log, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "contoso", "audit.jsonl")
	return audit.New(path, who, clock.NewFake(start)), path
}

func TestAnEntryIsOneJSONLineWithWhoWhenAndWhere(t *testing.T) {
	log, path := newLog(t)
	err := log.Append(audit.Entry{
		Action: "duo-enroll", User: "alice@contoso.com", Provider: "duo", Result: "done",
		IDs: map[string]string{"duo_user_id": "DU123", "duo_phone_id": "DP456"},
	})
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"time":"2026-11-25T09:00:00Z","technician":{"name":"Jo Tech","os_user":"jtech"},"machine":"desk-7","action":"duo-enroll","user":"alice@contoso.com","provider":"duo","result":"done","ids":{"duo_phone_id":"DP456","duo_user_id":"DU123"}}` + "\n"
	if string(data) != want {
		t.Errorf("the line is\n%s\nwant\n%s", data, want)
	}
}

func TestTheFileAndFolderAreTheOwnersAlone(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no mode bits")
	}
	log, path := newLog(t)
	if err := log.Append(audit.Entry{Action: "reset", User: "a@b.co", Result: "done"}); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s is %v; want %v", p, got, want)
		}
	}
}

func TestALooserFileIsTightenedBeforeTheNextLine(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("Windows has no mode bits")
	}
	log, path := newLog(t)
	os.MkdirAll(filepath.Dir(path), 0o700)
	os.WriteFile(path, nil, 0o644)
	if err := log.Append(audit.Entry{Action: "reset", Result: "done"}); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("the audit is %v after an append; want 0600", fi.Mode().Perm())
	}
}

func TestNumbersAreMaskedAndControlCharactersEscaped(t *testing.T) {
	log, path := newLog(t)
	err := log.Append(audit.Entry{
		Action: "verify", User: "eve\x1b[2J@contoso.com", Result: "failed", Phone: "+12015550100",
		Reason: "the number +12015550100 is a landline\u202e; call \u009b support\nnow",
	})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	line := string(data)
	if strings.Contains(line, "2015550100") || strings.Contains(line, "5550100") {
		t.Errorf("the line holds the whole number:\n%s", line)
	}
	if !strings.Contains(line, "0100") {
		t.Errorf("the masked number lost its last digits:\n%s", line)
	}
	for _, raw := range []string{"\x1b", "\u202e", "\u009b", "\n now", "now\n" + "x"} {
		if strings.Contains(strings.TrimSuffix(line, "\n"), raw) {
			t.Errorf("the line holds %q raw:\n%s", raw, line)
		}
	}
	if strings.Count(line, "\n") != 1 {
		t.Errorf("the entry is not one line:\n%s", line)
	}
	got, err := audit.Read(path)
	if err != nil || len(got.Entries) != 1 {
		t.Fatalf("Read = %+v, %v", got, err)
	}
	// Escaped, not lost: the reader gets the text back as it was given.
	if e := got.Entries[0]; e.User != "eve\x1b[2J@contoso.com" || !strings.Contains(e.Reason, "\u202e") {
		t.Errorf("read back %+v", e)
	}
}

func TestALineStaysBoundedWhateverItIsGiven(t *testing.T) {
	log, path := newLog(t)
	huge := strings.Repeat("\u202e", 100_000)
	ids := map[string]string{}
	for i := range 100 {
		ids[fmt.Sprintf("id-%03d-%s", i, huge[:300])] = huge[:3000]
	}
	err := log.Append(audit.Entry{Action: huge, User: huge, Provider: huge, Result: huge, Reason: huge, IDs: ids})
	if err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if len(data) > audit.MaxLine {
		t.Errorf("the line is %d bytes; the bound is %d", len(data), audit.MaxLine)
	}
	if got, err := audit.Read(path); err != nil || len(got.Entries) != 1 || len(got.Skipped) != 0 {
		t.Errorf("the cut line does not read back as one entry: %+v, %v", got, err)
	}
}

func TestSeveralAppendersAtOnceNeverMixTheirLines(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.jsonl")
	const writers, each = 8, 50
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// One Log each, as separate processes have: only the file lock keeps them apart.
			log := audit.New(path, audit.Actor{Technician: audit.Technician{OSUser: fmt.Sprintf("w%d", w)}, Machine: "m"}, clock.Real{})
			for i := range each {
				errs <- log.Append(audit.Entry{Action: "verify", User: fmt.Sprintf("u%d-%d@contoso.com", w, i), Result: "done", Reason: strings.Repeat("x", 1500)})
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := audit.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Entries) != writers*each || len(got.Skipped) != 0 {
		t.Fatalf("read %d entries and skipped %v; want %d whole entries", len(got.Entries), got.Skipped, writers*each)
	}
	seen := map[string]bool{}
	for _, e := range got.Entries {
		if seen[e.User] {
			t.Errorf("%s is in the audit twice", e.User)
		}
		seen[e.User] = true
	}
}

func TestATornLineIsSkippedWithANoteAndTheNextAppendStartsAFreshLine(t *testing.T) {
	log, path := newLog(t)
	if err := log.Append(audit.Entry{Action: "phone", User: "a@contoso.com", Result: "done"}); err != nil {
		t.Fatal(err)
	}
	// A run killed while it wrote, or a full disk: the line stops half-way.
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0o600)
	f.WriteString(`{"time":"2026-11-25T09:00:00Z","technician":{"os_user":"jt`)
	f.Close()

	got, err := audit.Read(path)
	if err != nil {
		t.Fatalf("a torn last line made Read fail: %v", err)
	}
	if len(got.Entries) != 1 || len(got.Skipped) != 1 || got.Skipped[0].Line != 2 || !got.Skipped[0].Torn {
		t.Fatalf("Read = %+v; want one entry and line 2 skipped as torn", got)
	}
	if note := got.Skipped[0].String(); !strings.Contains(note, "line 2") || !strings.Contains(note, "cut short") {
		t.Errorf("the note %q does not say which line was cut short", note)
	}

	if err := log.Append(audit.Entry{Action: "verify", User: "a@contoso.com", Result: "waiting"}); err != nil {
		t.Fatal(err)
	}
	got, err = audit.Read(path)
	if err != nil || len(got.Entries) != 2 || got.Entries[1].Action != "verify" || len(got.Skipped) != 1 {
		t.Fatalf("after the next append, Read = %+v, %v; want the new entry whole", got, err)
	}
}

func TestALineThatIsNotAnEntryIsSkippedNotFatal(t *testing.T) {
	_, path := newLog(t)
	os.MkdirAll(filepath.Dir(path), 0o700)
	good := `{"time":"2026-11-25T09:00:00Z","technician":{"os_user":"jt"},"machine":"m","action":"phone","result":"done"}`
	os.WriteFile(path, []byte(good+"\nedited by hand\n\n"+strings.Repeat("y", 100_000)+"\n"+good+"\n"), 0o600)
	got, err := audit.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Entries) != 2 || len(got.Skipped) != 2 || got.Skipped[0].Line != 2 || got.Skipped[0].Torn || got.Skipped[1].Line != 4 {
		t.Errorf("Read = %+v; want 2 entries, lines 2 and 4 skipped", got)
	}
}

func TestReadingNoAuditIsEmpty(t *testing.T) {
	got, err := audit.Read(filepath.Join(t.TempDir(), "audit.jsonl"))
	if err != nil || len(got.Entries) != 0 {
		t.Fatalf("Read of no file = %+v, %v", got, err)
	}
}

func TestAnAuditThatIsALinkIsRefused(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symbolic links need privileges on Windows")
	}
	log, path := newLog(t)
	os.MkdirAll(filepath.Dir(path), 0o700)
	elsewhere := filepath.Join(t.TempDir(), "open.jsonl")
	os.WriteFile(elsewhere, nil, 0o644)
	os.Symlink(elsewhere, path)
	err := log.Append(audit.Entry{Action: "reset", Result: "done"})
	if err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Fatalf("Append through a link = %v; want it refused", err)
	}
	if data, _ := os.ReadFile(elsewhere); len(data) != 0 {
		t.Errorf("the entry went through the link: %s", data)
	}
}

func TestFilter(t *testing.T) {
	e := audit.Entry{Time: start, Action: "verify", User: "alice@contoso.com"}
	tests := []struct {
		name string
		f    audit.Filter
		want bool
	}{
		{"nothing asked", audit.Filter{}, true},
		{"the user", audit.Filter{User: "alice@contoso.com"}, true},
		{"the user in other case", audit.Filter{User: "Alice@Contoso.com"}, true},
		{"another user", audit.Filter{User: "bob@contoso.com"}, false},
		{"the action", audit.Filter{Action: "verify"}, true},
		{"another action", audit.Filter{Action: "reset"}, false},
		{"since before", audit.Filter{Since: start.Add(-time.Hour)}, true},
		{"since the very time", audit.Filter{Since: start}, true},
		{"since after", audit.Filter{Since: start.Add(time.Second)}, false},
	}
	for _, tt := range tests {
		if got := tt.f.Match(e); got != tt.want {
			t.Errorf("%s: Match = %v; want %v", tt.name, got, tt.want)
		}
	}
}

func TestWhoNamesTheTechnicianAndTheAccount(t *testing.T) {
	tests := []struct {
		tech audit.Technician
		want string
	}{
		{audit.Technician{OSUser: "jtech"}, "jtech"},
		{audit.Technician{Name: "Jo Tech", OSUser: "jtech"}, "Jo Tech (jtech)"},
		{audit.Technician{Name: "jtech", OSUser: "jtech"}, "jtech"},
	}
	for _, tt := range tests {
		if got := (audit.Entry{Technician: tt.tech}).Who(); got != tt.want {
			t.Errorf("Who() of %+v = %q; want %q", tt.tech, got, tt.want)
		}
	}
}

func TestTrustedPhoneSaysWhoTrustedWhatAndWhy(t *testing.T) {
	log, path := newLog(t)
	if err := log.Append(audit.TrustedPhone("alice@contoso.com", "+12015550100", "graph", "read to me on a call from her desk phone")); err != nil {
		t.Fatal(err)
	}
	got, _ := audit.Read(path)
	e := got.Entries[0]
	if e.Action != audit.ActionTrustPhone || e.Phone == "" || strings.Contains(e.Phone, "555") || e.Reason != "read to me on a call from her desk phone" || e.Technician.Name != "Jo Tech" {
		t.Errorf("entry = %+v", e)
	}
	data, _ := os.ReadFile(path)
	if !json.Valid(bytes.TrimSpace(data)) {
		t.Errorf("not JSON: %s", data)
	}
}

// What the audit says of itself, a skipped line or a file it refuses, is said in the
// language of the Printer that prints it, and in English by String and Error.
func TestTheAuditSpeaksThePrintersLanguage(t *testing.T) {
	es := catalog.New(language.Spanish)
	if got := (audit.Skip{Line: 2, Torn: true}).Localize(es); got != "la línea 2 quedó cortada (una ejecución se detuvo mientras la escribía) y se omite" {
		t.Errorf("a torn line in Spanish = %q", got)
	}
	if got := (audit.Skip{Line: 2, Torn: true}).String(); got != "line 2 was cut short (a run stopped while writing it) and is skipped" {
		t.Errorf("a torn line in English = %q", got)
	}
	log, path := newLog(t)
	os.MkdirAll(path, 0o700) // a folder where the file belongs
	err := log.Append(audit.Entry{Action: "reset", Result: "done"})
	if got := es.Error(err); got != "la auditoría "+path+" no es un archivo normal; muévala a otro sitio y vuelva a ejecutar" {
		t.Errorf("a refused file in Spanish = %q", got)
	}
	if !strings.Contains(err.Error(), "is not a regular file") {
		t.Errorf("a refused file in English = %q", err)
	}
}
