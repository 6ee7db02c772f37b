package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/batch"
	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
	"github.com/mfa-onboard/mfa-onboard/steps"
)

// batchDesk is a technician's computer with a batch file of people on the demo.
type batchDesk struct {
	t    *testing.T
	home string
	now  *clock.Fake
	file string
}

func newBatchDesk(t *testing.T, rows ...string) *batchDesk {
	d := &batchDesk{t: t, home: t.TempDir(), now: clock.NewFake(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))}
	d.file = filepath.Join(t.TempDir(), "users.csv")
	text := "user,phone,country,platform,department\n" + strings.Join(rows, "\n") + "\n"
	if err := os.WriteFile(d.file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return d
}

func (d *batchDesk) factory(out, errOut *bytes.Buffer) *Factory {
	return &Factory{
		IO:       &IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut},
		Getenv:   func(string) string { return "" },
		Clock:    d.now,
		Whoami:   func() (string, string) { return "tech", "PC-1" },
		HomeFlag: d.home,
	}
}

// cli runs mfa-onboard batch as a person types it.
func (d *batchDesk) cli(args ...string) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	code = Run(context.Background(), d.factory(&out, &errOut), append([]string{"--home", d.home, "batch"}, args...))
	return code, out.String(), errOut.String()
}

// batch runs the batch with run as each person's run, as start --for will make it.
func (d *batchDesk) batch(ctx context.Context, run batch.RunOne, mod func(*BatchOptions)) (code int, stdout, stderr string) {
	var out, errOut bytes.Buffer
	o := &BatchOptions{F: d.factory(&out, &errOut), File: d.file, Jobs: 2, Output: "text", run: run}
	if mod != nil {
		mod(o)
	}
	if err := o.check(); err != nil {
		d.t.Fatal(err)
	}
	err := runBatch(ctx, o)
	code = ExitCode(err)
	if err != nil && code != ExitInterrupted && code != ExitWaiting {
		printError(&errOut, nil, 0, err, code)
	}
	return code, out.String(), errOut.String()
}

// store is the state store of the desk's customer, as runs there use it.
func (d *batchDesk) store() state.Store {
	f := d.factory(&bytes.Buffer{}, &bytes.Buffer{})
	dir, err := f.Dir()
	if err != nil {
		d.t.Fatal(err)
	}
	s, err := f.Store(dir)
	if err != nil {
		d.t.Fatal(err)
	}
	return s
}

// finish saves user's state with every step done, as a run that completed does.
func (d *batchDesk) finish(user string) {
	st := state.New(user, d.now.Now())
	for _, s := range steps.All() {
		st.Mark(s.ID(), state.Done, "", d.now.Now())
	}
	if err := d.store().Save(st); err != nil {
		d.t.Fatal(err)
	}
}

// people is a fake per-person run: it completes everyone, except those ends says
// otherwise for, and counts the runs that did something.
type people struct {
	d    *batchDesk
	mu   sync.Mutex
	runs map[string]int
	ends map[string]batch.Outcome
	// stopAt is the person whose run stops the batch, as Ctrl-C would.
	stopAt string
	stop   context.CancelFunc
}

func newPeople(d *batchDesk) *people {
	return &people{d: d, runs: map[string]int{}, ends: map[string]batch.Outcome{}}
}

func (p *people) run(ctx context.Context, row batch.Row) (batch.Outcome, error) {
	if err := ctx.Err(); err != nil {
		return batch.Outcome{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.runs[row.User]++
	if row.User == p.stopAt {
		p.stop()
	}
	if end, ok := p.ends[row.User]; ok {
		if end.Status == batch.Failed {
			return batch.Outcome{Step: end.Step}, errors.New(end.Reason)
		}
		return end, nil
	}
	p.d.finish(row.User)
	return batch.Outcome{Status: batch.Completed}, nil
}

func rows(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("p%02d@contoso.com,+1201555%04d,US,ios,sales", i, i))
	}
	return out
}

func TestBatchRefusesWhatItCannotUse(t *testing.T) {
	tests := []struct {
		name string
		// file replaces the desk's good file when set; FILE in args is its path.
		file *string
		args []string
		want string
	}{
		{name: "no file", args: []string{}, want: "batch takes one CSV file"},
		{name: "missing file", args: []string{"/nonexistent/users.csv"}, want: "cannot be opened"},
		{name: "a folder", args: []string{"/"}, want: "is not a file"},
		{name: "header without platform", file: ptr("user,phone,country\nalice@contoso.com,+12015550100,US\n"), args: []string{"FILE", "--dry-run"}, want: `no "platform" column`},
		{name: "no header", file: ptr("alice@contoso.com,+12015550100,US,ios\n"), args: []string{"FILE", "--dry-run"}, want: "first line must name the columns"},
		{name: "empty", file: ptr(""), args: []string{"FILE", "--dry-run"}, want: "is empty"},
		{name: "bad -j", args: []string{"FILE", "-j", "0"}, want: "-j 0"},
		{name: "bad output", args: []string{"FILE", "--output", "xml"}, want: `--output "xml"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newBatchDesk(t, rows(2)...)
			if tt.file != nil {
				os.WriteFile(d.file, []byte(*tt.file), 0o600)
			}
			var args []string
			for _, a := range tt.args {
				args = append(args, strings.ReplaceAll(a, "FILE", d.file))
			}
			code, _, stderr := d.cli(args...)
			if code != ExitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 saying %q", code, stderr, tt.want)
			}
		})
	}
}

func ptr(s string) *string { return &s }

// TestBatchRunsEachPersonAsStartForWould: on the demo, each row is a technician's
// start --for: the code is texted and the run waits for the person to read it back;
// a second batch texts nobody again while those codes still work.
func TestBatchRunsEachPersonAsStartForWould(t *testing.T) {
	d := newBatchDesk(t, rows(6)...)
	code, stdout, stderr := d.cli(d.file, "-j", "3")
	if code != ExitWaiting {
		t.Fatalf("exit %d; want 3, everyone waiting on their code\n%s\n%s", code, stdout, stderr)
	}
	texts := func() int {
		data, _ := os.ReadFile(filepath.Join(d.home, "outbox.jsonl"))
		return strings.Count(string(data), "verification code")
	}
	if n := texts(); n != 6 {
		t.Errorf("%d codes texted; want one per person", n)
	}
	if !strings.Contains(stdout+stderr, "line 2  p00@contoso.com  waiting at verify: Ask p00@contoso.com for the 6-digit code texted to +1 ***-***-0000") {
		t.Errorf("the batch does not say whom to ask for what:\n%s%s", stdout, stderr)
	}
	for i := range 6 {
		st, err := d.store().Load(fmt.Sprintf("p%02d@contoso.com", i))
		if err == nil && st.Manager != "" {
			t.Errorf("p%02d: manager %q; the file names none", i, st.Manager)
		}
		if err != nil || st.Phone.E164 != fmt.Sprintf("+1201555%04d", i) || st.Verify.SentAt.IsZero() {
			t.Errorf("p%02d: state %+v (%v); want the row's number with a code texted", i, st, err)
		}
	}
	var out, errOut bytes.Buffer
	Run(context.Background(), d.factory(&out, &errOut), []string{"--home", d.home, "status", "--user", "p01@contoso.com"})
	if !strings.Contains(out.String(), `next step is "verify"; run mfa-onboard start --for p01@contoso.com to carry on`) {
		t.Errorf("status does not say to carry on as the technician:\n%s%s", out.String(), errOut.String())
	}
	if code, _, _ := d.cli(d.file); code != ExitWaiting || texts() != 6 {
		t.Errorf("second batch: exit %d, %d codes texted in all; want still waiting and no new text", code, texts())
	}
}

// TestBatchTrustingTheFileRegistersEveryNumber: with --trust-phone the technician
// vouches for the file's numbers; each is registered without a code, and each is in
// the audit with the reason.
func TestBatchTrustingTheFileRegistersEveryNumber(t *testing.T) {
	d := newBatchDesk(t, rows(4)...)
	if code, _, stderr := d.cli(d.file, "--trust-phone"); code != ExitUsage || !strings.Contains(stderr, "--reason") {
		t.Errorf("--trust-phone alone: exit %d, %q; want a usage error asking for --reason", code, stderr)
	}
	code, stdout, stderr := d.cli(d.file, "--trust-phone", "--reason", "numbers from Contoso's HR export")
	if code != ExitWaiting {
		t.Fatalf("exit %d; want 3, everyone waiting on their Duo activation\n%s\n%s", code, stdout, stderr)
	}
	audit, _ := os.ReadFile(filepath.Join(d.home, "audit.jsonl"))
	for i := range 4 {
		user := fmt.Sprintf("p%02d@contoso.com", i)
		st, err := d.store().Load(user)
		if err != nil || st.Verify.RegisteredAt.IsZero() || st.Verify.TrustReason != "numbers from Contoso's HR export" {
			t.Errorf("%s: verify %+v (%v); want registered on the technician's word", user, st.Verify, err)
		}
		if !strings.Contains(string(audit), `"user":"`+user+`"`) || !strings.Contains(string(audit), "HR export") {
			t.Errorf("the audit lacks %s's trusted number:\n%s", user, audit)
		}
	}
	var out, errOut bytes.Buffer
	Run(context.Background(), d.factory(&out, &errOut), []string{"--home", d.home, "status", "--user", "p00@contoso.com"})
	if !strings.Contains(out.String(), "trusted without proof: numbers from Contoso's HR export (vouched for by") {
		t.Errorf("status does not say the number was trusted without proof:\n%s%s", out.String(), errOut.String())
	}
}

func TestBatchDryRunSaysWhatWouldBeDoneForEachPerson(t *testing.T) {
	d := newBatchDesk(t, append(rows(3), "bad@contoso.com,12345,US,ios,x")...)
	d.finish("p01@contoso.com")
	code, stdout, stderr := d.cli(d.file, "--dry-run")
	if code != ExitFailed {
		t.Errorf("exit %d; a dry run over a file with a bad row ends 1 (the row cannot be run)\n%s", code, stderr)
	}
	for _, want := range []string{
		"line 2  p00@contoso.com  would run phone, verify",
		"line 3  p01@contoso.com  unchanged: already finished before this batch",
		"line 5  skipped: the phone for bad@contoso.com",
		"4 rows: 1 skipped, 1 unchanged, 2 would-run.",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the dry run does not say %q:\n%s", want, stdout)
		}
	}
	if _, err := d.store().Load("p00@contoso.com"); !errors.Is(err, state.ErrNotFound) {
		t.Errorf("a dry run saved state: %v", err)
	}
	if _, err := os.Stat(filepath.Join(d.home, batchDir)); !errors.Is(err, os.ErrNotExist) {
		t.Error("a dry run wrote a journal")
	}

	// Rows end in any order: the runs are concurrent.
	_, stdout, _ = d.cli(d.file, "--dry-run", "--output", "json")
	found := false
	for _, text := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var line struct {
			User      string   `json:"user"`
			Status    string   `json:"status"`
			Remaining []string `json:"remaining"`
		}
		if err := json.Unmarshal([]byte(text), &line); err != nil {
			t.Fatalf("%q is not JSON: %v", text, err)
		}
		if line.User == "p00@contoso.com" {
			found = true
			if line.Status != "would-run" || len(line.Remaining) != len(steps.All()) {
				t.Errorf("p00's JSON line = %s; want would-run with every step", text)
			}
		}
	}
	if !found {
		t.Errorf("no JSON line for p00:\n%s", stdout)
	}
}

func TestBatchExitCodeSaysHowTheBatchEnded(t *testing.T) {
	tests := []struct {
		name string
		ends map[string]batch.Outcome
		want int
		says string
	}{
		{name: "everyone completed", want: ExitOK, says: "3 rows: 3 completed."},
		{name: "someone waits", ends: map[string]batch.Outcome{"p01@contoso.com": {Status: batch.Waiting, Step: "verify", Reason: "needs the texted code"}}, want: ExitWaiting, says: "line 3  p01@contoso.com  waiting at verify: needs the texted code"},
		{name: "someone failed", ends: map[string]batch.Outcome{"p02@contoso.com": {Status: batch.Failed, Step: "duo-enroll", Reason: "Duo refused the phone"}}, want: ExitFailed, says: "line 4  p02@contoso.com  failed at duo-enroll: Duo refused the phone"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newBatchDesk(t, rows(3)...)
			p := newPeople(d)
			for k, v := range tt.ends {
				p.ends[k] = v
			}
			code, stdout, stderr := d.batch(context.Background(), p.run, nil)
			if code != tt.want || !strings.Contains(stdout, tt.says) {
				t.Errorf("exit %d, stdout:\n%s\nstderr: %s\nwant exit %d saying %q", code, stdout, stderr, tt.want, tt.says)
			}
		})
	}
}

func TestBatchStoppedWithCtrlCCarriesOnWhereItStopped(t *testing.T) {
	d := newBatchDesk(t, rows(10)...)
	p := newPeople(d)
	p.ends["p07@contoso.com"] = batch.Outcome{Status: batch.Failed, Step: "duo-enroll", Reason: "Duo refused the phone"}
	ctx, cancel := context.WithCancel(context.Background())
	p.stopAt, p.stop = "p03@contoso.com", cancel
	code, stdout, _ := d.batch(ctx, p.run, func(o *BatchOptions) { o.Jobs = 1 })
	if code != ExitInterrupted || !strings.Contains(stdout, "Stopped before the end of the file") {
		t.Fatalf("exit %d, stdout:\n%s\nwant 130 and the summary", code, stdout)
	}
	code, stdout, _ = d.batch(context.Background(), p.run, nil)
	if code != ExitFailed {
		t.Errorf("the second run ended %d, want 1 (one person failed)\n%s", code, stdout)
	}
	for _, want := range []string{"line 2  p00@contoso.com  completed (by an earlier run of this batch)", "10 rows: 9 completed, 1 failed."} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the second run does not say %q:\n%s", want, stdout)
		}
	}
	for user, n := range p.runs {
		if n != 1 {
			t.Errorf("%s was run %d times", user, n)
		}
	}
	code, stdout, _ = d.batch(context.Background(), p.run, nil)
	if code != ExitFailed || !strings.Contains(stdout, "(in an earlier run; --retry-failed runs it again)") || p.runs["p07@contoso.com"] != 1 {
		t.Errorf("without --retry-failed the failed person was run again (%d runs), exit %d:\n%s", p.runs["p07@contoso.com"], code, stdout)
	}
	delete(p.ends, "p07@contoso.com")
	code, _, _ = d.batch(context.Background(), p.run, func(o *BatchOptions) { o.RetryFailed = true })
	if code != ExitOK || p.runs["p07@contoso.com"] != 2 {
		t.Errorf("with --retry-failed: exit %d after %d runs of the failed person; want 0 after 2", code, p.runs["p07@contoso.com"])
	}
}

func TestBatchWritesJSONLinesAndNeutralisedCSV(t *testing.T) {
	d := newBatchDesk(t, append(rows(2), "bad@contoso.com,12345,US,ios,x")...)
	p := newPeople(d)
	p.ends["p01@contoso.com"] = batch.Outcome{Status: batch.Waiting, Step: "verify", Reason: "=HYPERLINK(\"http://evil\")"}
	_, stdout, stderr := d.batch(context.Background(), p.run, func(o *BatchOptions) { o.Output = "json" })
	var lines []map[string]any
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		var v map[string]any
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("stdout line %q is not JSON: %v", sc.Text(), err)
		}
		lines = append(lines, v)
	}
	if len(lines) != 4 {
		t.Fatalf("%d JSON lines, want one per row and a summary:\n%s", len(lines), stdout)
	}
	sum, _ := lines[3]["summary"].(map[string]any)
	if sum["completed"] != float64(1) || sum["waiting"] != float64(1) || sum["skipped"] != float64(1) {
		t.Errorf("summary = %v", lines[3])
	}
	if !strings.Contains(stderr, "3 rows: 1 completed, 1 waiting, 1 skipped.") {
		t.Errorf("stderr does not sum up for the person watching: %q", stderr)
	}

	d2 := newBatchDesk(t, rows(2)...)
	p2 := newPeople(d2)
	p2.ends["p01@contoso.com"] = p.ends["p01@contoso.com"]
	_, stdout, _ = d2.batch(context.Background(), p2.run, func(o *BatchOptions) { o.Output = "csv" })
	records, err := csv.NewReader(strings.NewReader(stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range records {
		if r[1] == "p01@contoso.com" && r[4] != `'=HYPERLINK("http://evil")` {
			t.Errorf("the reason cell is %q; a cell starting with = must be neutralised", r[4])
		}
	}
}

// TestBatchKeepsEachPersonsManager: the manager column is where reminders escalate.
func TestBatchKeepsEachPersonsManager(t *testing.T) {
	d := newBatchDesk(t)
	os.WriteFile(d.file, []byte("user,phone,country,platform,manager\nann@contoso.com,+12015550100,US,ios,lead@contoso.com\nbo@contoso.com,+12015550101,US,android,\n"), 0o600)
	if code, stdout, stderr := d.cli(d.file); code != ExitWaiting {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for user, want := range map[string]string{"ann@contoso.com": "lead@contoso.com", "bo@contoso.com": ""} {
		if st, err := d.store().Load(user); err != nil || st.Manager != want {
			t.Errorf("%s: manager %q (%v); want %q", user, st.Manager, err, want)
		}
	}
}

// In Spanish the rows, the summary, its hints and the error are Spanish, each plural
// right for one row and for several.
func TestBatchSpeaksSpanish(t *testing.T) {
	for _, tt := range []struct {
		bad  []string
		want []string
	}{
		{[]string{"bad@contoso.com,12345,US,ios,x"}, []string{
			"línea 2  p00@contoso.com  se ejecutarían phone, verify",
			"línea 3  omitida: el teléfono de bad@contoso.com: ",
			"users.csv: 2 filas: 1 omitido, 1 se ejecutaría.",
			"Se omitió 1 fila: corríjala en el archivo y ejecute el mismo comando otra vez.",
			"Error: 1 fila del archivo no se puede ejecutar: corrija la línea indicada arriba"}},
		{[]string{"bad@contoso.com,12345,US,ios,x", "worse@contoso.com,+12015550100,US,blackberry,x"}, []string{
			"users.csv: 3 filas: 2 omitidos, 1 se ejecutaría.",
			"Se omitieron 2 filas: corríjalas en el archivo y ejecute el mismo comando otra vez.",
			"Error: 2 filas del archivo no se pueden ejecutar: corrija las líneas indicadas arriba"}},
	} {
		d := newBatchDesk(t, append(rows(1), tt.bad...)...)
		code, stdout, stderr := d.cli(d.file, "--dry-run", "--lang", "es")
		if code != ExitFailed {
			t.Errorf("exit %d; want 1\n%s", code, stderr)
		}
		for _, want := range tt.want {
			if !strings.Contains(stdout+stderr, want) {
				t.Errorf("the Spanish batch does not say %q:\n%s%s", want, stdout, stderr)
			}
		}
	}

	d := newBatchDesk(t, rows(3)...)
	p := newPeople(d)
	p.ends["p01@contoso.com"] = batch.Outcome{Status: batch.Failed, Step: "verify", Reason: "boom"}
	_, _, _ = d.batch(context.Background(), p.run, func(o *BatchOptions) { o.F.Text = catalog.New(language.Spanish) })
	_, stdout, _ := d.batch(context.Background(), p.run, func(o *BatchOptions) { o.F.Text = catalog.New(language.Spanish) })
	if !strings.Contains(stdout, "línea 3  p01@contoso.com  falló en verify: boom (en una ejecución anterior; --retry-failed lo vuelve a ejecutar)") ||
		!strings.Contains(stdout, "1 persona falló: corrija lo que dice su línea") {
		t.Errorf("the second Spanish run does not say p01 failed earlier:\n%s", stdout)
	}
	err := batchFailed{failed: 1, skipped: 2}
	if got := catalog.New(language.Spanish).Error(err); !strings.HasPrefix(got, "1 persona falló y se omitieron 2 filas, cada caso indicado arriba") {
		t.Errorf("the Spanish end of a batch = %q", got)
	}
	if got := err.Error(); !strings.HasPrefix(got, "1 person failed and 2 rows were skipped, each named above with why") {
		t.Errorf("the English end of a batch = %q", got)
	}
}

// What scripts read, the JSON Lines and the CSV, is the same in every language.
func TestBatchMachineOutputIsTheSameInEveryLanguage(t *testing.T) {
	d := newBatchDesk(t, rows(3)...)
	d.finish("p01@contoso.com")
	for _, output := range []string{"json", "csv"} {
		_, en, _ := d.cli(d.file, "--dry-run", "-j", "1", "--output", output, "--lang", "en")
		_, es, stderr := d.cli(d.file, "--dry-run", "-j", "1", "--output", output, "--lang", "es")
		if es != en || !strings.Contains(stderr, "3 filas") {
			t.Errorf("--output %s in Spanish:\n%s\nin English:\n%s\n(stderr %s)", output, es, en, stderr)
		}
	}
}
