package batch_test

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/batch"
	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

var results = []batch.Result{
	{Line: 2, User: "alice@contoso.com", Outcome: batch.Outcome{Status: batch.Completed}},
	{Line: 3, User: "=cmd@contoso.com", Outcome: batch.Outcome{Status: batch.Waiting, Step: "verify", Reason: "needs the code texted to +1 ***-***-0100"}},
	{Line: 4, User: "bob@contoso.com", Outcome: batch.Outcome{Status: batch.Failed, Step: "duo-enroll", Reason: "-Duo said\x1b[31m no"}, Earlier: true},
	{Line: 5, Outcome: batch.Outcome{Status: batch.Skipped, Reason: "the phone for x: that number is too short"}},
}

func summaryOf(res []batch.Result) batch.Summary {
	s := batch.Summary{Counts: map[batch.Status]int{}}
	for _, r := range res {
		s.Rows++
		s.Counts[r.Status]++
	}
	return s
}

func TestTextPrinterSaysEachRowAndWhatToDoNext(t *testing.T) {
	var out bytes.Buffer
	p := batch.NewTextPrinter(&out, "users.csv", true)
	for _, r := range results {
		p.Result(r)
	}
	if err := p.Summary(summaryOf(results)); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"line 3  =cmd@contoso.com  waiting at verify: needs the code",
		"line 4  bob@contoso.com  failed at duo-enroll: -Duo said[31m no (in an earlier run; --retry-failed runs it again)",
		"line 5  skipped: the phone for x",
		"users.csv: 4 rows: 1 completed, 1 waiting, 1 failed, 1 skipped.",
		"--retry-failed",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the text output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "\x1b") {
		t.Error("an escape character from a reason reached the terminal")
	}
}

func TestJSONPrinterWritesOneObjectPerRowThenTheSummary(t *testing.T) {
	var out bytes.Buffer
	p := batch.NewJSONPrinter(&out, "users.csv", false)
	for _, r := range results {
		p.Result(r)
	}
	if err := p.Summary(summaryOf(results)); err != nil {
		t.Fatal(err)
	}
	var lines []map[string]any
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		var v map[string]any
		if err := json.Unmarshal(sc.Bytes(), &v); err != nil {
			t.Fatalf("line %q is not JSON: %v", sc.Text(), err)
		}
		lines = append(lines, v)
	}
	if len(lines) != len(results)+1 {
		t.Fatalf("%d lines, want one per row and the summary", len(lines))
	}
	if lines[2]["status"] != "failed" || lines[2]["step"] != "duo-enroll" || lines[2]["earlier"] != true || lines[2]["reason"] != "-Duo said\x1b[31m no" {
		t.Errorf("the failed row = %v", lines[2])
	}
	sum, ok := lines[len(lines)-1]["summary"].(map[string]any)
	if !ok || sum["rows"] != float64(4) || sum["failed"] != float64(1) || sum["file"] != "users.csv" || sum["stopped"] != false {
		t.Errorf("the summary line = %v", lines[len(lines)-1])
	}
	if bytes.Contains(out.Bytes(), []byte("\x1b")) {
		t.Error("a raw escape character is in the JSON; it must be written as \\u001b")
	}
}

func TestCSVPrinterNeutralisesFormulaCells(t *testing.T) {
	var out bytes.Buffer
	p := batch.NewCSVPrinter(&out)
	for _, r := range results {
		p.Result(r)
	}
	if err := p.Summary(summaryOf(results)); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != strings.Join(batch.CSVColumns, ",") {
		t.Errorf("header = %v", rows[0])
	}
	if rows[2][1] != "'=cmd@contoso.com" {
		t.Errorf("the user cell starting with = is %q, want it quoted with '", rows[2][1])
	}
	if rows[3][4] != "'-Duo said[31m no" {
		t.Errorf("the reason starting with - is %q, want it quoted with ' and without the escape", rows[3][4])
	}
}

func TestLiveShowsCountsAndRequestRates(t *testing.T) {
	var out bytes.Buffer
	var sent atomic.Int64
	l := batch.NewLive(&out, "users.csv", []batch.Meter{{Name: "graph", Count: sent.Load}}, nil)
	for _, r := range results {
		sent.Add(3)
		l.Result(r)
	}
	l.Close()
	for _, want := range []string{"users.csv", "4 rows: 1 completed, 1 waiting, 1 failed, 1 skipped", "requests: graph", "line 4  bob@contoso.com  failed at duo-enroll"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the live display lacks %q:\n%q", want, out.String())
		}
	}
}

// A hint about one row says "row" and "it"; about several, "rows" and "them".
func TestHintsCountRowsInWords(t *testing.T) {
	for n, want := range map[int]string{
		1: "1 row was skipped: correct it in the file and run the same command again.",
		2: "2 rows were skipped: correct them in the file and run the same command again.",
	} {
		got := batch.Hints(nil, batch.Summary{Counts: map[batch.Status]int{batch.Skipped: n}})
		if len(got) != 1 || got[0] != want {
			t.Errorf("Hints with %d skipped = %q; want %q", n, got, want)
		}
	}
}

// On a terminal of 50 columns the summary and each row break between words, a row
// going on indented; unwrapped, each stays one line, double spaces and all.
func TestTextPrinterBreaksLinesOnATerminal(t *testing.T) {
	sum := batch.Summary{Rows: 3, Stopped: true, Counts: map[batch.Status]int{batch.Waiting: 2, batch.Skipped: 1}}
	var wrapped, plain bytes.Buffer
	for _, p := range []*batch.TextPrinter{batch.NewTextPrinter(&wrapped, "users.csv", true).Wrapped(50), batch.NewTextPrinter(&plain, "users.csv", true)} {
		p.Result(results[3])
		if err := p.Summary(sum); err != nil {
			t.Fatal(err)
		}
	}
	for _, l := range strings.Split(strings.TrimSpace(wrapped.String()), "\n") {
		if len([]rune(l)) > 50 {
			t.Errorf("a line of %d columns on a terminal of 50: %q", len([]rune(l)), l)
		}
	}
	if !strings.Contains(wrapped.String(), "\n    ") {
		t.Errorf("no line goes on indented:\n%s", wrapped.String())
	}
	first, _, _ := strings.Cut(plain.String(), "\n")
	if first != batch.Describe(nil, results[3]) {
		t.Errorf("unwrapped, the row's line is %q; want %q", first, batch.Describe(nil, results[3]))
	}
	if strings.Join(strings.Fields(wrapped.String()), " ") != strings.Join(strings.Fields(plain.String()), " ") {
		t.Errorf("wrapping changed the words:\n%s\nagainst\n%s", wrapped.String(), plain.String())
	}
}

// In Spanish the summary, each row and the hints are Spanish, with the plural forms
// of one row and of several; in English one row is "1 row", not "1 rows".
func TestTextPrinterSpeaksTheRunsLanguageWithItsPlurals(t *testing.T) {
	es := catalog.New(language.Spanish)
	for _, tt := range []struct {
		text    *catalog.Printer
		skipped int
		want    []string
	}{
		{es, 1, []string{"línea 5  omitida: the phone for x", "users.csv: 1 fila: 1 omitido.",
			"Se omitió 1 fila: corríjala en el archivo y ejecute el mismo comando otra vez."}},
		{es, 3, []string{"users.csv: 3 filas: 3 omitidos.",
			"Se omitieron 3 filas: corríjalas en el archivo y ejecute el mismo comando otra vez."}},
		{nil, 1, []string{"line 5  skipped: the phone for x", "users.csv: 1 row: 1 skipped.",
			"1 row was skipped: correct it in the file and run the same command again."}},
	} {
		var out bytes.Buffer
		p := batch.NewTextPrinter(&out, "users.csv", true).WithText(tt.text)
		p.Result(results[3])
		if err := p.Summary(batch.Summary{Rows: tt.skipped, Counts: map[batch.Status]int{batch.Skipped: tt.skipped}}); err != nil {
			t.Fatal(err)
		}
		for _, want := range tt.want {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%s, %d skipped: the output lacks %q:\n%s", tt.text.Tag(), tt.skipped, want, out.String())
			}
		}
	}
	waiting := batch.Hints(es, batch.Summary{Counts: map[batch.Status]int{batch.Waiting: 1, batch.Failed: 2}})
	if len(waiting) != 2 || !strings.HasPrefix(waiting[0], "1 persona tiene pendiente su parte") || !strings.HasPrefix(waiting[1], "2 personas fallaron") {
		t.Errorf("the Spanish hints for 1 waiting and 2 failed = %q", waiting)
	}
}

// A batch the team shares says so: on the live display, how many of the customer's
// batches split each vendor's limit; in each row a teammate's computer ran, whose it
// was; and in the summary how many such rows there were.
func TestATeamsBatchSaysWhatItShares(t *testing.T) {
	var out bytes.Buffer
	l := batch.NewLive(&out, "users.csv", []batch.Meter{{Name: "graph", Count: func() int64 { return 0 }}}, nil).Team(func() int { return 2 })
	l.Close()
	if want := "team: 2 batches of this customer share each vendor's limit (1/2 each)"; !strings.Contains(out.String(), want) {
		t.Errorf("the live display of a shared batch lacks %q:\n%q", want, out.String())
	}
	ana := &state.Runner{Technician: "Ana", Machine: "ana-laptop"}
	row := batch.Result{Line: 3, User: "alice@contoso.com", Outcome: batch.Outcome{Status: batch.Completed}, Earlier: true, By: ana}
	if got, want := batch.Describe(nil, row), "line 3  alice@contoso.com  completed (by Ana on ana-laptop, in this run of the batch)"; got != want {
		t.Errorf("a row Ana's computer ran: %q; want %q", got, want)
	}
	var js bytes.Buffer
	p := batch.NewJSONPrinter(&js, "users.csv", false)
	p.Result(row)
	if err := p.Summary(batch.Summary{Rows: 1, ByTeam: 1, Counts: map[batch.Status]int{batch.Completed: 1}}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(js.String(), `"by":"Ana@ana-laptop"`) || !strings.Contains(js.String(), `"by_team":1`) {
		t.Errorf("the JSON of a row Ana's computer ran lacks whose it was:\n%s", js.String())
	}
	if hints := batch.Hints(nil, batch.Summary{ByTeam: 3}); len(hints) != 1 || !strings.HasPrefix(hints[0], "3 rows were run by other computers of the team") {
		t.Errorf("the summary's hints = %q; want the rows the team's other computers ran counted", hints)
	}
}
