package batch_test

import (
	"errors"
	"io"
	"strings"
	"testing"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/batch"
	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// readAll reads every row of a CSV, the way the engine does: a bad row is reported
// and skipped, and only a bad header stops the reading.
func readAll(t *testing.T, text string) (rows []batch.Row, bad []*batch.RowError, err error) {
	t.Helper()
	r, err := batch.NewReader(strings.NewReader(text), "US")
	if err != nil {
		return nil, nil, err
	}
	for {
		row, err := r.Next()
		if errors.Is(err, io.EOF) {
			return rows, bad, nil
		}
		var re *batch.RowError
		if errors.As(err, &re) {
			bad = append(bad, re)
			continue
		}
		if err != nil {
			t.Fatalf("Next: %v (only a *RowError or io.EOF may come after the header)", err)
		}
		rows = append(rows, row)
	}
}

const header = "user,phone,country,platform\n"

func TestReaderRefusesAFileWhoseHeaderIsNotOne(t *testing.T) {
	tests := []struct {
		name, csv, want string
	}{
		{"empty file", "", "is empty"},
		{"data where the header belongs", "alice@contoso.com,+12015550100,US,ios\n", "first line must name the columns"},
		{"missing column", "user,phone,country\nalice@contoso.com,+12015550100,US\n", `no "platform" column`},
		{"column named twice", "user,phone,country,platform,Phone\n", `"phone" twice`},
		{"column without a name", "user,phone,,country,platform\n", "column 3 has no name"},
		{"header longer than a line may be", "user,phone,country,platform," + strings.Repeat("x", 70<<10) + "\n", "longer than 64 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readAll(t, tt.csv)
			var he *batch.HeaderError
			if !errors.As(err, &he) {
				t.Fatalf("err = %v, want a *HeaderError", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q, want it to say %q", err, tt.want)
			}
		})
	}
}

func TestReaderReportsEachBadRowWithItsLineAndCarriesOn(t *testing.T) {
	big := strings.Repeat("A", 1<<20)
	tests := []struct {
		name     string
		csv      string
		wantLine int
		want     string
	}{
		{"missing cell", header + "alice@contoso.com,+12015550100,US\n", 2, "has 3 cells"},
		{"extra cell", header + "alice@contoso.com,+12015550100,US,ios,more\n", 2, "has 5 cells"},
		{"no user", header + ",+12015550100,US,ios\n", 2, "no user"},
		{"bad address", header + "alice.contoso.com,+12015550100,US,ios\n", 2, "user"},
		{"bad phone", header + "alice@contoso.com,12345,US,ios\n", 2, "phone"},
		{"landline-looking nonsense", header + "alice@contoso.com,+1 000 000 0000,US,ios\n", 2, "phone"},
		{"no phone", header + "alice@contoso.com,,US,ios\n", 2, "no phone"},
		{"unknown country", header + "alice@contoso.com,2015550100,XX,ios\n", 2, "country"},
		{"unknown platform", header + "alice@contoso.com,+12015550100,US,blackberry\n", 2, "platform"},
		{"bad manager", "user,phone,country,platform,manager\nalice@contoso.com,+12015550100,US,ios,bob\n", 2, "manager"},
		{"duplicate user", header + "alice@contoso.com,+12015550100,US,ios\nAlice@Contoso.com,+12015550101,US,android\n", 3, "already on line 2"},
		{"1 MB cell", header + "alice@contoso.com,+12015550100,US," + big + "\n", 2, "longer than 64 KiB"},
		{"1 MB quoted cell", header + `alice@contoso.com,+12015550100,US,"` + big + "\"\n", 2, "longer than 64 KiB"},
		{"cell over 4 KiB", "user,phone,country,platform,note\nalice@contoso.com,+12015550100,US,ios," + strings.Repeat("n", 5<<10) + "\n", 2, `"note" is longer than 4 KiB`},
		{"quote never closed", header + "alice@contoso.com,+12015550100,US,\"ios\n", 2, "quote"},
		{"stray quote", header + "alice@contoso.com,+1201\"5550100,US,ios\n", 2, "quote"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A good row after the bad one shows the batch carries on, at the right line.
			first, _, _ := strings.Cut(tt.csv, "\n")
			text := tt.csv + "carol@contoso.com,+12015550102,US,android" + strings.Repeat(",", strings.Count(first, ",")-3) + "\n"
			rows, bad, err := readAll(t, text)
			if err != nil {
				t.Fatalf("the file was refused (%v); a bad row must only skip itself", err)
			}
			if len(bad) != 1 {
				t.Fatalf("bad rows = %v, want exactly one", bad)
			}
			if bad[0].Line != tt.wantLine || !strings.Contains(bad[0].Error(), tt.want) {
				t.Errorf("bad row = %q at line %d, want line %d saying %q", bad[0].Error(), bad[0].Line, tt.wantLine, tt.want)
			}
			if len(bad[0].Error()) > 600 {
				t.Errorf("the report is %d bytes long; it must not quote a huge cell", len(bad[0].Error()))
			}
			last := rows[len(rows)-1]
			if last.User != "carol@contoso.com" {
				t.Fatalf("the row after the bad one was lost: rows = %+v", rows)
			}
			if want := strings.Count(text, "\n"); last.Line != want && tt.name != "quote never closed" {
				t.Errorf("the row after the bad one is reported at line %d, want %d", last.Line, want)
			}
		})
	}
}

func TestReaderTakesBOMCRLFQuotesAndFormulaCellsAsData(t *testing.T) {
	text := "\ufeffUser, Phone ,Country,Platform,Manager,Department\r\n" +
		"alice@contoso.com,(201) 555-0100,US,iOS,bob@contoso.com,Sales\r\n" +
		"\r\n" +
		"\"carol@contoso.com\",\"+44 7400 123456\",,Android,,\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\r\n" +
		"dave@contoso.com,2015550103,us,android,,\"two\r\nlines, one cell\"\r\n" +
		"erin@contoso.com,2015550104,US,ios,,-1\r\n"
	rows, bad, err := readAll(t, text)
	if err != nil || len(bad) > 0 {
		t.Fatalf("err = %v, bad = %v; want every row read", err, bad)
	}
	want := []batch.Row{
		{Line: 2, User: "alice@contoso.com", Phone: "+12015550100", Country: "US", Platform: "ios", Manager: "bob@contoso.com", Extra: map[string]string{"Department": "Sales"}},
		{Line: 4, User: "carol@contoso.com", Phone: "+447400123456", Country: "GB", Platform: "android", Extra: map[string]string{"Department": `=HYPERLINK("http://x","y")`}},
		{Line: 5, User: "dave@contoso.com", Phone: "+12015550103", Country: "US", Platform: "android", Extra: map[string]string{"Department": "two\nlines, one cell"}},
		{Line: 7, User: "erin@contoso.com", Phone: "+12015550104", Country: "US", Platform: "ios", Extra: map[string]string{"Department": "-1"}},
	}
	if len(rows) != len(want) {
		t.Fatalf("rows = %+v, want %d", rows, len(want))
	}
	for i, w := range want {
		g := rows[i]
		if g.Line != w.Line || g.User != w.User || g.Phone != w.Phone || g.Country != w.Country || g.Platform != w.Platform || g.Manager != w.Manager || len(g.Extra) != len(w.Extra) || g.Extra["Department"] != w.Extra["Department"] {
			t.Errorf("row %d = %+v, want %+v", i, g, w)
		}
	}
}

func TestFingerprintChangesWithTheRowOnly(t *testing.T) {
	a := batch.Row{Line: 2, User: "alice@contoso.com", Phone: "+12015550100", Country: "US", Platform: "ios", Extra: map[string]string{"x": "1", "y": "2"}}
	b := a
	b.Line = 9
	b.Extra = map[string]string{"y": "2", "x": "1"}
	if a.Fingerprint() != b.Fingerprint() {
		t.Error("the same row on another line, or with its extra columns in another order, has another fingerprint")
	}
	c := a
	c.Phone = "+12015550101"
	if a.Fingerprint() == c.Fingerprint() {
		t.Error("a row with another phone has the same fingerprint")
	}
}

// A Reader given a Spanish Printer gives the reasons of the rows it skips in Spanish,
// and a bad header says itself in Spanish to a Spanish Printer (in English to Error).
func TestReaderSpeaksTheRunsLanguage(t *testing.T) {
	es := catalog.New(language.Spanish)
	r, err := batch.NewReader(strings.NewReader(header+"alice@contoso.com,+12015550100,US,blackberry\n"), "US")
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.WithText(es).Next()
	var re *batch.RowError
	if !errors.As(err, &re) || re.Reason != `plataforma "blackberry" para alice@contoso.com: use ios o android (el tipo de teléfono, para Duo Mobile)` {
		t.Errorf("the skipped row's reason = %v", err)
	}
	if es.Error(err) != "línea 2: "+re.Reason {
		t.Errorf("the row error in Spanish = %q", es.Error(err))
	}
	_, err = batch.NewReader(strings.NewReader("user,phone,country\n"), "US")
	if got := es.Error(err); got != `el encabezado no tiene la columna "platform": la primera línea debe nombrar al menos user,phone,country,platform (opcionales: manager, y cualquier otra para el aviso)` {
		t.Errorf("the header error in Spanish = %q", got)
	}
	if !strings.HasPrefix(err.Error(), `the header has no "platform" column`) {
		t.Errorf("the header error in English = %q", err)
	}
}
