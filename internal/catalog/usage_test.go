package catalog

import (
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/text/language"
)

// repoRoot is the module's root, from this package's folder.
const repoRoot = "../.."

var idPattern = regexp.MustCompile(`^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$`)

// call is one use of a message in the program's code.
type call struct {
	pos    string
	id     string
	values []string // nil when the values cannot be read from the code (args...)
}

// scan reads every non-test Go file of the module: the message uses (T, NewError,
// Wrap with a literal ID), every string literal that looks like an ID, and the
// prose literals of the packages in catalogued.
func scan(t *testing.T) (calls []call, literals map[string]bool, prose []string) {
	t.Helper()
	literals = map[string]bool{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(repoRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && p != repoRoot && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "dist") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, p, src, parser.ParseComments)
		if err != nil {
			return err
		}
		if ast.IsGenerated(f) {
			return nil // the compiled catalogue holds every ID and sentence
		}
		rel, _ := filepath.Rel(repoRoot, p)
		rel = filepath.ToSlash(rel)
		checkProse := catalogued(filepath.ToSlash(filepath.Dir(rel)))
		exempt := exemptLines(fset, f)
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.ImportSpec:
				return false
			case *ast.CallExpr:
				if c, ok := messageCall(n); ok {
					c.pos = fset.Position(n.Pos()).String()
					calls = append(calls, c)
				}
			case *ast.BasicLit:
				if n.Kind != token.STRING {
					return true
				}
				s, err := strconv.Unquote(n.Value)
				if err != nil {
					return true
				}
				if idPattern.MatchString(s) {
					literals[s] = true
				}
				line := fset.Position(n.Pos()).Line
				if checkProse && isProse(s) && !exempt[line] && !exempt[line-1] {
					prose = append(prose, fset.Position(n.Pos()).String()+": "+strconv.Quote(s))
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return calls, literals, prose
}

// exemptLines are the lines with an "untranslated:" comment, which says why the
// literal on it (or on the next line) is not for a person to read.
func exemptLines(fset *token.FileSet, f *ast.File) map[int]bool {
	lines := map[int]bool{}
	for _, g := range f.Comments {
		for _, c := range g.List {
			if strings.Contains(c.Text, "untranslated:") {
				lines[fset.Position(c.Pos()).Line] = true
			}
		}
	}
	// Struct tags are for encoders, never for people.
	ast.Inspect(f, func(n ast.Node) bool {
		if fld, ok := n.(*ast.Field); ok && fld.Tag != nil {
			lines[fset.Position(fld.Tag.Pos()).Line] = true
		}
		return true
	})
	return lines
}

var words = regexp.MustCompile(`[A-Za-z]{2,}`)

// isProse is true for a literal a person would read as words: two words or more
// with a space between, some of them lower case, and not SQL (a statement, or a
// clause of one, begins with an upper-case keyword).
func isProse(s string) bool {
	if !strings.Contains(s, " ") || strings.ToUpper(s) == s || sqlKeyword.MatchString(s) {
		return false
	}
	return len(words.FindAllString(s, -1)) >= 2
}

var sqlKeyword = regexp.MustCompile(`^\s*(SELECT|INSERT|UPDATE|DELETE|SET|CREATE|DROP|ALTER|GRANT|REVOKE|WITH|WHERE|FROM|ORDER BY) `)

// messageCall recognises T("id", name, value, …), NewError("id", …) and
// Wrap(err, "id", …).
func messageCall(n *ast.CallExpr) (call, bool) {
	var name string
	switch fn := n.Fun.(type) {
	case *ast.SelectorExpr:
		name = fn.Sel.Name
	case *ast.Ident:
		name = fn.Name
	}
	first := 0
	switch name {
	case "T", "NewError":
	case "Wrap":
		first = 1
	default:
		return call{}, false
	}
	if len(n.Args) <= first {
		return call{}, false
	}
	lit, ok := n.Args[first].(*ast.BasicLit)
	if !ok || lit.Kind != token.STRING {
		return call{}, false
	}
	id, _ := strconv.Unquote(lit.Value)
	if !idPattern.MatchString(id) {
		return call{}, false
	}
	c := call{id: id, values: []string{}}
	if name == "Wrap" {
		c.values = append(c.values, "Err")
	}
	if n.Ellipsis.IsValid() {
		c.values = nil
		return c, true
	}
	rest := n.Args[first+1:]
	for i := 0; i < len(rest); i += 2 {
		l, ok := rest[i].(*ast.BasicLit)
		if !ok || l.Kind != token.STRING {
			c.values = nil
			return c, true
		}
		v, _ := strconv.Unquote(l.Value)
		c.values = append(c.values, v)
	}
	return c, true
}

// TestTheCodeAsksOnlyForMessagesThatExist checks the program against its English
// catalogue: every ID the code asks for exists, with exactly the values its text
// names, and every message is asked for somewhere (by a literal, so that an ID can
// be found with grep).
func TestTheCodeAsksOnlyForMessagesThatExist(t *testing.T) {
	en, err := parseMessages(source, language.English)
	if err != nil {
		t.Fatal(err)
	}
	calls, literals, _ := scan(t)
	for _, c := range calls {
		m, ok := en[c.id]
		if !ok {
			t.Errorf("%s: message %q is not in the English catalogue", c.pos, c.id)
			continue
		}
		if c.values == nil {
			continue
		}
		got := append([]string(nil), c.values...)
		sort.Strings(got)
		if want := Values(m); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s: %q is given %v; its text names %v", c.pos, c.id, got, want)
		}
	}
	for _, id := range sortedIDs(en) {
		if !literals[id] {
			t.Errorf("message %q is in the catalogue but no code asks for it", id)
		}
	}
}

// catalogued is true for the packages whose every sentence comes from the
// catalogue: a string literal in them that reads as words must be a message, or say
// on its line (or the line above) "untranslated:" and why nobody reads it in their
// language. That is every package but the developers' tools and test servers.
func catalogued(dir string) bool {
	if *proseIn != "" {
		return dir == *proseIn
	}
	if exempt[dir] || strings.HasSuffix(dir, "test") {
		return false
	}
	for _, top := range []string{"scripts/", "bench/", "faults/", "e2e/", "cmd/mfa-onboard-man/", "third_party/"} {
		if strings.HasPrefix(dir+"/", top) {
			return false
		}
	}
	return true
}

// proseIn lists one package's inline sentences, catalogued or not yet:
// go test ./internal/catalog -run InlineSentences -prose internal/cli
var proseIn = flag.String("prose", "", "list the inline sentences of this package (a folder from the module's root)")

// exempt are packages whose words only developers and test logs read. The folders
// above are too, and third_party/ holds other projects' code, whose words the
// program's own packages put into sentences of the catalogue.
var exempt = map[string]bool{
	"internal/faultpoint":      true, // the fault-injection points of the test builds
	"internal/faultpoint/gate": true,
	"internal/httprecord":      true, // recorded HTTP exchanges for the contract tests
}

// TestCataloguedPackagesHaveNoInlineSentences fails on a sentence written inline
// in a package that speaks the person's language.
func TestCataloguedPackagesHaveNoInlineSentences(t *testing.T) {
	_, _, prose := scan(t)
	for _, p := range prose {
		t.Error("an inline sentence, not from the catalogue: " + p)
	}
}

func TestIsProse(t *testing.T) {
	for s, want := range map[string]bool{
		"Your phone number": true, "steps.phone.ask": false, "application/json": false,
		"%s: %w": false, "Bearer ": false, "SELECT ID FROM": false, "SELECT state FROM person_state WHERE profile = $1": false, " WHERE is_applied": false, "Set the phone": true, "  %-12s %s": false, "no value": true,
	} {
		if isProse(s) != want {
			t.Errorf("isProse(%q) = %v", s, !want)
		}
	}
}
