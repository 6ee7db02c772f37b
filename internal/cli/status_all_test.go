package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/state"
	"github.com/mfa-onboard/mfa-onboard/steps"
)

// formulaUser is an address a spreadsheet would run as a formula; a state file may
// hold anything.
const formulaUser = "=1+1@contoso.com"

// customer is a small customer's state folder: one person of each kind, saved by
// the technicians named, at times a test can print.
func customer(t *testing.T) string {
	t.Helper()
	home := t.TempDir()
	t0 := time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC)
	ids := make([]string, 0, 8)
	for _, s := range steps.All() {
		ids = append(ids, s.ID())
	}
	jo := state.Runner{OSUser: "jo", Machine: "PC-7"}
	people := []struct {
		user   string
		runner state.Runner
		done   int // steps done, in order
		next   state.Status
		reason string
		guide  []string
	}{
		{"alice@contoso.com", jo, 8, "", "", nil},
		{"bob@contoso.com", jo, 1, state.Waiting, "needs an answer: give \"verify.code\"",
			[]string{"Give the 6-digit code texted to +1 ***-***-0100 before 2026-11-24 10:10 UTC"}},
		{"carol@contoso.com", state.Runner{OSUser: "sam", Machine: "LAPTOP-SAM", Technician: "Sam Tech"}, 6, state.Failed,
			"-Duo refused the activation: +12015550199 is not a mobile number", nil},
		{"dave@contoso.com", jo, 0, "", "", nil},
		{"erin@contoso.com", state.Runner{OSUser: "sam", Machine: "LAPTOP-SAM", Technician: "Sam Tech"}, 7, state.Waiting,
			"@push sent; waiting for approval", nil},
		{formulaUser, jo, 2, state.Waiting, "+waiting", nil},
	}
	for i, p := range people {
		store := state.NewFiles(filepath.Join(home, "state"))
		store.SetRunner(p.runner)
		at := t0.Add(time.Duration(i) * time.Hour)
		st := state.New(p.user, at)
		for _, id := range ids[:p.done] {
			at = at.Add(time.Minute)
			st.Mark(id, state.Done, "", at)
		}
		if p.next != "" {
			at = at.Add(time.Minute)
			st.Mark(ids[p.done], p.next, p.reason, at)
			st.Steps[ids[p.done]].Guidance = p.guide
		}
		if p.done > 0 {
			st.Phone = &state.PhoneAnswer{E164: "+12015550100", Country: "US", Source: state.FromAnswers}
		}
		if err := store.Save(st); err != nil {
			t.Fatal(err)
		}
	}
	// Saved by a version that did not record who ran it.
	writeState(t, home, "frank@contoso.com.json", `{"schema": 1, "user": "frank@contoso.com", "updated": "2026-11-20T15:00:00Z",
		"steps": {"phone": {"status": "done", "changed": "2026-11-20T15:00:00Z"}, "verify": {"status": "waiting", "changed": "2026-11-20T15:00:00Z"}}}`)
	return home
}

func TestStatusAllGolden(t *testing.T) {
	home := customer(t)
	for _, tt := range []struct{ output, golden string }{
		{"table", "status-all.txt"},
		{"text", "status-all.txt"},
		{"json", "status-all.json"},
		{"csv", "status-all.csv"},
	} {
		t.Run(tt.output, func(t *testing.T) {
			code, stdout, stderr := run(t, nil, "status", "--all", "--home", home, "--output", tt.output)
			if code != 0 || stderr != "" {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			golden(t, tt.golden, []byte(stdout))
		})
	}
}

// Every table line fits an 80-column terminal: a domain everyone shares is said once,
// in the heading, and only then are the longest addresses cut.
func TestStatusAllTableFits80Columns(t *testing.T) {
	tests := []struct {
		name  string
		users []string
		want  []string
	}{
		{"short addresses stay whole", []string{"alice@contoso.com", "bob@contoso.com"},
			[]string{"USER  ", "alice@contoso.com  ", "bob@contoso.com  "}},
		{"one domain is said once", []string{"alexandra.longname-smith@contoso.com", "bob@contoso.com"},
			[]string{"USER (@contoso.com)  ", "alexandra.longname-smith  ", "bob  "}},
		{"otherwise long addresses are cut", []string{"alexandra.longname-smith@contoso.com", "bob@fabrikam.com"},
			[]string{"USER  ", "alexandra.longname-smith@cont…  ", "bob@fabrikam.com  "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			store := state.NewFiles(filepath.Join(home, "state"))
			store.SetRunner(state.Runner{OSUser: "jo", Machine: "PC-7"})
			for _, u := range tt.users {
				st := state.New(u, time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC))
				st.Mark("phone", state.Done, "", st.Created)
				st.Mark("verify", state.Waiting, "", st.Created)
				st.Mark("notify-support", state.Waiting, "", st.Created)
				if err := store.Save(st); err != nil {
					t.Fatal(err)
				}
			}
			_, stdout, _ := run(t, nil, "status", "--all", "--home", home)
			lines := strings.Split(stdout, "\n")
			for i, want := range tt.want {
				if !strings.HasPrefix(lines[i], want) {
					t.Errorf("line %d = %q; want it to start %q", i, lines[i], want)
				}
			}
			for _, line := range lines {
				if n := len([]rune(line)); n > 80 {
					t.Errorf("%d columns: %q", n, line)
				}
			}
		})
	}
}

// Each person in the JSON document is what status --user prints for them.
func TestStatusAllJSONHoldsEachPersonsStatus(t *testing.T) {
	home := customer(t)
	_, stdout, _ := run(t, nil, "status", "--all", "--home", home, "--output", "json")
	var doc struct {
		Schema int               `json:"schema"`
		Users  []json.RawMessage `json:"users"`
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil || doc.Schema != 1 || len(doc.Users) != 7 {
		t.Fatalf("document %v, %d users; want schema 1 and 7 users\n%s", err, len(doc.Users), stdout)
	}
	for _, raw := range doc.Users {
		var who struct{ User string }
		json.Unmarshal(raw, &who)
		if who.User == formulaUser {
			continue // not an address --user takes
		}
		_, one := statusJSON(t, "--home", home, "--user", who.User)
		var a, b bytes.Buffer
		json.Compact(&a, raw)
		json.Compact(&b, []byte(one))
		if a.String() != b.String() {
			t.Errorf("%s in --all:\n%s\nstatus --user:\n%s", who.User, a.String(), b.String())
		}
	}
}

func TestStatusAllCSVNeutralisesFormulas(t *testing.T) {
	_, stdout, _ := run(t, nil, "status", "--all", "--home", customer(t), "--output", "csv")
	rows, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil || len(rows) != 8 {
		t.Fatalf("%d rows, %v; want a header and 7 people\n%s", len(rows), err, stdout)
	}
	for _, row := range rows {
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("cell %q starts a formula", cell)
			}
		}
	}
	if !slices.ContainsFunc(rows, func(row []string) bool { return row[0] == "'"+formulaUser }) {
		t.Errorf("the formula address is not kept, quoted:\n%s", stdout)
	}
}

func TestStatusAllFilters(t *testing.T) {
	home := customer(t)
	tests := []struct {
		args []string
		want []string
	}{
		{nil, []string{formulaUser, "alice", "bob", "carol", "dave", "erin", "frank"}},
		{[]string{"--waiting"}, []string{formulaUser, "bob", "dave", "erin", "frank"}},
		{[]string{"--failed"}, []string{"carol"}},
		{[]string{"--waiting", "--failed"}, []string{formulaUser, "bob", "carol", "dave", "erin", "frank"}},
		{[]string{"--step", "verify"}, []string{"bob", "frank"}},
		{[]string{"--step", "duo-enroll"}, []string{"carol"}},
		{[]string{"--step", "duo-enroll", "--waiting"}, nil},
		{[]string{"--step", "phone"}, []string{"dave"}},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, stdout, stderr := run(t, nil, append([]string{"status", "--all", "--home", home, "--output", "json"}, tt.args...)...)
			var doc struct{ Users []Result }
			if err := json.Unmarshal([]byte(stdout), &doc); err != nil || code != 0 {
				t.Fatalf("exit %d, %v\n%s%s", code, err, stdout, stderr)
			}
			var got, want []string
			for _, u := range doc.Users {
				got = append(got, strings.TrimSuffix(u.User, "@contoso.com"))
			}
			for _, u := range tt.want {
				want = append(want, strings.TrimSuffix(u, "@contoso.com"))
			}
			if !slices.Equal(got, want) {
				t.Errorf("users %q; want %q", got, want)
			}
		})
	}
}

func TestStatusAllUsage(t *testing.T) {
	home := customer(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--all", "--user", "bob@contoso.com"}, "--user"},
		{[]string{"--all", "--step", "bogus"}, "duo-enroll"},
		{[]string{"--waiting"}, "--all"},
		{[]string{"--output", "csv"}, "--all"},
		{[]string{"--all", "--output", "yaml"}, "csv"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, _, stderr := run(t, nil, append([]string{"status", "--home", home}, tt.args...)...)
			if code != ExitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d; want 2 naming %s\n%s", code, tt.want, stderr)
			}
		})
	}
}

func TestStatusAllOfNobody(t *testing.T) {
	home := t.TempDir()
	code, stdout, _ := run(t, nil, "status", "--all", "--home", home)
	if code != 0 || !strings.Contains(stdout, "Nobody has started") {
		t.Errorf("table: exit %d\n%s", code, stdout)
	}
	code, stdout, _ = run(t, nil, "status", "--all", "--home", home, "--output", "json")
	if code != 0 || strings.TrimSpace(stdout) != "{\n  \"schema\": 1,\n  \"users\": []\n}" {
		t.Errorf("json: exit %d\n%s", code, stdout)
	}
}

// A damaged file hides nobody else: everyone readable is listed, and the file is
// named, with exit 1, so that a script notices.
func TestStatusAllNamesADamagedFileAndShowsTheRest(t *testing.T) {
	home := customer(t)
	bad := state.NewFiles(filepath.Join(home, "state")).Path("zed@contoso.com")
	if err := os.WriteFile(bad, []byte(`{"schema": 1, "user": "ze`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, output := range []string{"table", "json", "csv"} {
		code, stdout, stderr := run(t, nil, "status", "--all", "--home", home, "--output", output)
		if code != ExitFailed || !strings.Contains(stderr, bad) || !strings.Contains(stdout, "erin@contoso.com") {
			t.Errorf("%s: exit %d; want 1, erin listed and %s named\n%s%s", output, code, bad, stdout, stderr)
		}
	}
	_, stdout, _ := run(t, nil, "status", "--all", "--home", home, "--output", "json")
	var doc struct{ Problems []string }
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil || len(doc.Problems) != 1 || !strings.Contains(doc.Problems[0], bad) {
		t.Errorf("problems %q, %v; want the damaged file named", doc.Problems, err)
	}
}

// The table says who is being worked on right now.
func TestStatusAllShowsARunInProgress(t *testing.T) {
	home := customer(t)
	unlock, err := state.NewFiles(filepath.Join(home, "state")).Lock("bob@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	_, stdout, _ := run(t, nil, "status", "--all", "--home", home)
	seen := 0
	for line := range strings.Lines(stdout) {
		if strings.HasPrefix(line, "bob@contoso.com ") {
			seen++
			if !strings.Contains(line, "running") {
				t.Errorf("bob's line does not say a run is in progress: %q", line)
			}
		}
		if strings.HasPrefix(line, "alice@contoso.com ") {
			seen++
			if strings.Contains(line, "running") {
				t.Errorf("alice's line says a run is in progress: %q", line)
			}
		}
	}
	if seen != 2 {
		t.Errorf("no line for alice or bob:\n%s", stdout)
	}
}

// status --user says who ran the last run, in the same place --all does.
func TestStatusSaysWhoRanItLast(t *testing.T) {
	res, doc := statusJSON(t, "--home", customer(t), "--user", "carol@contoso.com")
	var who struct {
		RanBy *state.Runner `json:"ran_by"`
	}
	json.Unmarshal([]byte(doc), &who)
	if res.User != "carol@contoso.com" || who.RanBy == nil || *who.RanBy != (state.Runner{OSUser: "sam", Machine: "LAPTOP-SAM", Technician: "Sam Tech"}) {
		t.Errorf("ran_by = %+v\n%s", who.RanBy, doc)
	}
}

// In Spanish the table's headings, statuses and totals are Spanish; the addresses,
// step ids and DONE counts are the same.
func TestStatusAllTableInSpanish(t *testing.T) {
	home := customer(t)
	code, stdout, stderr := run(t, nil, "status", "--all", "--home", home, "--lang", "es")
	if code != 0 || stderr != "" {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	lines := strings.Split(stdout, "\n")
	if got := strings.Fields(lines[0]); !slices.Equal(got, []string{"USUARIO", "HECHOS", "ESTADO", "EN", "ESPERA", "EN", "CAMBIO", "EJECUTÓ"}) {
		t.Errorf("the Spanish headings = %q", lines[0])
	}
	for _, line := range lines {
		if n := len([]rune(line)); n > 80 {
			t.Errorf("%d columns: %q", n, line)
		}
	}
	words := strings.Join(strings.Fields(stdout), " ")
	for _, want := range []string{"alice@contoso.com 8/8 hecho -", "carol@contoso.com 6/8 falló duo-enroll", "dave@contoso.com 0/8 nuevo phone",
		"bob@contoso.com 1/8 en espera verify 24/11 09:02", "7 personas: hecho 1, en espera 4, falló 1, sin empezar 1."} {
		if !strings.Contains(words, want) {
			t.Errorf("the Spanish table does not say %q:\n%s", want, stdout)
		}
	}
	_, stdout, _ = run(t, nil, "status", "--all", "--home", home, "--lang", "es", "--failed", "--step", "phone")
	if stdout != "Ninguna de las 7 personas que han empezado aquí coincide.\n" {
		t.Errorf("none matching, in Spanish: %q", stdout)
	}
}

// The CSV is for scripts: its header, statuses and cells are the same in every
// language.
func TestStatusAllCSVIsTheSameInEveryLanguage(t *testing.T) {
	home := customer(t)
	_, en, _ := run(t, nil, "status", "--all", "--home", home, "--output", "csv", "--lang", "en")
	_, es, _ := run(t, nil, "status", "--all", "--home", home, "--output", "csv", "--lang", "es")
	if es != en || !strings.HasPrefix(es, "user,status,steps_done,waiting_on,note,updated,os_user,machine,technician,phone,") {
		t.Errorf("the CSV in Spanish:\n%s\nin English:\n%s", es, en)
	}
}
