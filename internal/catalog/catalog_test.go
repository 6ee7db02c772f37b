package catalog

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// TestEveryEnglishMessageIsTranslated is the catalogue's contract: each language
// has the same files and the same IDs as English, and each translation names the
// same values and has the same plural forms as its English.
func TestEveryEnglishMessageIsTranslated(t *testing.T) {
	for _, tag := range Languages[1:] {
		t.Run(tag.String(), func(t *testing.T) {
			for _, problem := range compare(t, source, tag) {
				t.Error(problem)
			}
		})
	}
}

// TestCompareFindsWhatIsMissing shows the contract failing: a message with no
// Spanish, a Spanish message that lost a value, and a file only in English.
func TestCompareFindsWhatIsMissing(t *testing.T) {
	fsys := fstest.MapFS{
		"messages/en/a.yaml": {Data: []byte("a.hello: Hello {{.Name}}\na.bye: Bye\na.n:\n  one: one {{.Count}}\n  other: '{{.Count}} of them'\n")},
		"messages/es/a.yaml": {Data: []byte("a.hello: Hola\na.n:\n  other: '{{.Count}} de ellos'\n")},
		"messages/en/b.yaml": {Data: []byte("b.x: X\n")},
	}
	got := strings.Join(compare(t, fsys, language.Spanish), "\n")
	for _, want := range []string{
		`a.bye: no Spanish`,
		`a.hello: Spanish names [] where English names [Name]`,
		`a.n: Spanish has no "one" form`,
		`b.yaml: no Spanish file`,
		`b.x: no Spanish`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("compare did not report %q; it said:\n%s", want, got)
		}
	}
}

func compare(t *testing.T, fsys fs.FS, tag language.Tag) []string {
	t.Helper()
	en, err := parseMessages(fsys, language.English)
	if err != nil {
		t.Fatal(err)
	}
	other, err := parseMessages(fsys, tag)
	if err != nil {
		t.Fatal(err)
	}
	name := languageName(tag)
	var problems []string
	enFiles, _ := fs.Glob(fsys, "messages/en/*.yaml")
	for _, f := range enFiles {
		if _, err := fs.Stat(fsys, path.Join("messages", tag.String(), path.Base(f))); err != nil {
			problems = append(problems, fmt.Sprintf("%s: no %s file", path.Base(f), name))
		}
	}
	for _, id := range sortedIDs(en) {
		m, ok := other[id]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: no %s", id, name))
			continue
		}
		if a, b := Values(en[id]), Values(m); strings.Join(a, ",") != strings.Join(b, ",") {
			problems = append(problems, fmt.Sprintf("%s: %s names %v where English names %v", id, name, b, a))
		}
		if en[id].One != "" && m.One == "" {
			problems = append(problems, fmt.Sprintf("%s: %s has no \"one\" form", id, name))
		}
		if m.Other == "" {
			problems = append(problems, fmt.Sprintf("%s: %s is empty", id, name))
		}
	}
	for _, id := range sortedIDs(other) {
		if _, ok := en[id]; !ok {
			problems = append(problems, fmt.Sprintf("%s: in %s but not in English", id, name))
		}
	}
	return problems
}

func languageName(tag language.Tag) string {
	if tag == language.Spanish {
		return "Spanish"
	}
	return tag.String()
}

func sortedIDs(m map[string]*i18n.Message) []string {
	ids := make([]string, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

var templateValue = regexp.MustCompile(`{{[^}]*?\.([A-Z][A-Za-z0-9]*)`)

// Values are the names of the values a message's texts use, sorted, each once.
func Values(m *i18n.Message) []string {
	seen := map[string]bool{}
	for _, s := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
		for _, sub := range templateValue.FindAllStringSubmatch(s, -1) {
			seen[sub[1]] = true
		}
	}
	out := []string{}
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

func TestPrinterSpeaksTheNearestLanguage(t *testing.T) {
	for _, tc := range []struct {
		tag  string
		want string
	}{
		{"en", "en"}, {"en-GB", "en"}, {"es", "es"}, {"es-MX", "es"}, {"es-419", "es"}, {"fr", "en"}, {"und", "en"},
	} {
		if got := New(language.MustParse(tc.tag)).Tag().String(); got != tc.want {
			t.Errorf("New(%s) speaks %s, want %s", tc.tag, got, tc.want)
		}
	}
}

func TestErrorsSayThemselvesInThePrintersLanguage(t *testing.T) {
	es := New(language.Spanish)
	inner := NewError("locale.unknown", "From", "--lang", "Value", "fr")
	wrapped := fmt.Errorf("plain: %w", inner)
	if got := es.Error(inner); !strings.Contains(got, "habla inglés") {
		t.Errorf("Spanish error = %q", got)
	}
	if got := inner.Error(); !strings.Contains(got, "speaks English") {
		t.Errorf("Error() = %q, want English", got)
	}
	if !errors.Is(Wrap(wrapped, "locale.unknown", "From", "x", "Value", "y"), inner) {
		t.Error("Wrap hides the error it explains from errors.Is")
	}
	if got := es.Error(errors.New("open x: permission denied")); got != "open x: permission denied" {
		t.Errorf("an error from elsewhere changed: %q", got)
	}
	joined := errors.Join(inner, errors.New("second"))
	if got := es.Error(joined); !strings.Contains(got, "habla inglés") || !strings.HasSuffix(got, "\nsecond") {
		t.Errorf("joined = %q", got)
	}
	if got := es.T("no.such.message"); got != "no.such.message" {
		t.Errorf("an unknown ID said %q, want the ID", got)
	}
}

func TestPluralsAndValues(t *testing.T) {
	b := newMessages(tables(t, fstest.MapFS{
		"messages/en/a.yaml": {Data: []byte("a.rows:\n  one: '{{.Count}} row for {{.Who}}'\n  other: '{{.Count}} rows for {{.Who}}'\na.only: only English\n")},
		"messages/es/a.yaml": {Data: []byte("a.rows:\n  one: '{{.Count}} fila para {{.Who}}'\n  other: '{{.Count}} filas para {{.Who}}'\n")},
	}))
	es := newPrinter(b, language.Spanish)
	for _, tc := range []struct {
		count int
		want  string
	}{{1, "1 fila para ana"}, {2, "2 filas para ana"}, {0, "0 filas para ana"}, {1000000, "1000000 filas para ana"}} {
		if got := es.T("a.rows", "Count", tc.count, "Who", "ana"); got != tc.want {
			t.Errorf("count %d: %q, want %q", tc.count, got, tc.want)
		}
	}
	if got := es.T("a.only"); got != "only English" {
		t.Errorf("a message missing in Spanish said %q, want its English", got)
	}
}

func TestRegionIsNamedInTheReadersLanguage(t *testing.T) {
	for _, tc := range []struct {
		tag, code, want string
	}{{"en", "US", "US"}, {"es", "US", "Estados Unidos"}, {"es", "GB", "Reino Unido"}, {"es", "not a code", "not a code"}} {
		if got := New(language.MustParse(tc.tag)).Region(tc.code); got != tc.want {
			t.Errorf("%s Region(%q) = %q, want %q", tc.tag, tc.code, got, tc.want)
		}
	}
}
