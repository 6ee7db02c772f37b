package phonenumbers

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// mfa-onboard: these tests keep the package's regular expressions out of its
// start-up cost. See README.mfa-onboard.md.

// initTimeSource is what the package's non-test files run when the package is
// initialised: the values of package-level variables and the bodies of init
// functions.
type initTimeSource struct {
	fset  *token.FileSet
	exprs []ast.Node
	// lazyVars names the package-level variables whose value is a lazy(...) call.
	lazyVars []string
}

func parseInitTimeSource(t *testing.T) initTimeSource {
	t.Helper()
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	src := initTimeSource{fset: token.NewFileSet()}
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(src.fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, decl := range file.Decls {
			switch decl := decl.(type) {
			case *ast.FuncDecl:
				if decl.Recv == nil && decl.Name.Name == "init" {
					src.exprs = append(src.exprs, decl.Body)
				}
			case *ast.GenDecl:
				if decl.Tok != token.VAR {
					continue
				}
				for _, spec := range decl.Specs {
					value := spec.(*ast.ValueSpec)
					for i, expr := range value.Values {
						src.exprs = append(src.exprs, expr)
						if call, ok := expr.(*ast.CallExpr); ok && isIdent(call.Fun, "lazy") {
							src.lazyVars = append(src.lazyVars, value.Names[i].Name)
						}
					}
				}
			}
		}
	}
	sort.Strings(src.lazyVars)
	return src
}

func isIdent(expr ast.Expr, name string) bool {
	ident, ok := expr.(*ast.Ident)
	return ok && ident.Name == name
}

// TestNoRegexpCompiledAtInit fails on any call that compiles a regular
// expression while the package is initialised, which every start of
// mfa-onboard would pay for whether or not it looks at a phone number.
func TestNoRegexpCompiledAtInit(t *testing.T) {
	regexpCompilers := map[string]bool{
		"Compile":          true,
		"CompilePOSIX":     true,
		"MustCompile":      true,
		"MustCompilePOSIX": true,
	}
	src := parseInitTimeSource(t)
	for _, expr := range src.exprs {
		ast.Inspect(expr, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if ok && isIdent(sel.X, "regexp") && regexpCompilers[sel.Sel.Name] {
				t.Errorf("%s: regexp.%s runs at init; use lazy(pattern) instead",
					src.fset.Position(call.Pos()), sel.Sel.Name)
			}
			return true
		})
	}
}

// packageRegexps is every package-level lazyRegexp, by name.
// TestEveryLazyRegexpCompiles checks that none is missing.
func packageRegexps() map[string]*lazyRegexp {
	return map[string]*lazyRegexp{
		"CAPTURING_DIGIT_PATTERN":              CAPTURING_DIGIT_PATTERN,
		"CC_PATTERN":                           CC_PATTERN,
		"DIGITS_PATTERN":                       DIGITS_PATTERN,
		"EXTN_PATTERN":                         EXTN_PATTERN,
		"FG_PATTERN":                           FG_PATTERN,
		"FIRST_GROUP_ONLY_PREFIX_PATTERN":      FIRST_GROUP_ONLY_PREFIX_PATTERN,
		"FIRST_GROUP_PATTERN":                  FIRST_GROUP_PATTERN,
		"NON_DIGITS_PATTERN":                   NON_DIGITS_PATTERN,
		"NOT_SEPARATOR_PATTERN":                NOT_SEPARATOR_PATTERN,
		"NP_PATTERN":                           NP_PATTERN,
		"PLUS_CHARS_PATTERN":                   PLUS_CHARS_PATTERN,
		"RFC3966_DOMAINNAME_PATTERN":           RFC3966_DOMAINNAME_PATTERN,
		"RFC3966_GLOBAL_NUMBER_DIGITS_PATTERN": RFC3966_GLOBAL_NUMBER_DIGITS_PATTERN,
		"SECOND_NUMBER_START_PATTERN":          SECOND_NUMBER_START_PATTERN,
		"SEPARATOR_PATTERN":                    SEPARATOR_PATTERN,
		"UNIQUE_INTERNATIONAL_PREFIX":          UNIQUE_INTERNATIONAL_PREFIX,
		"UNWANTED_END_CHAR_PATTERN":            UNWANTED_END_CHAR_PATTERN,
		"VALID_ALPHA_PHONE_PATTERN":            VALID_ALPHA_PHONE_PATTERN,
		"VALID_PHONE_NUMBER_PATTERN":           VALID_PHONE_NUMBER_PATTERN,
		"VALID_START_CHAR_PATTERN":             VALID_START_CHAR_PATTERN,
	}
}

// TestEveryLazyRegexpCompiles compiles each of the package's patterns, so that
// a bad one fails here rather than on some user's first phone number.
func TestEveryLazyRegexpCompiles(t *testing.T) {
	table := packageRegexps()
	var listed []string
	for name, r := range table {
		listed = append(listed, name)
		if r.re() == nil {
			t.Errorf("%s did not compile", name)
		}
	}
	sort.Strings(listed)
	declared := parseInitTimeSource(t).lazyVars
	if strings.Join(listed, " ") != strings.Join(declared, " ") {
		t.Errorf("packageRegexps lists\n%v\nbut the package declares\n%v", listed, declared)
	}
}

// freshProcessEnv, set to 1, tells a re-run of the test binary that it is the
// re-run.
const freshProcessEnv = "PHONENUMBERS_TEST_FRESH_PROCESS"

// TestLazyRegexpsWaitForFirstUse checks, in a process of its own where no other
// test has used the package, that initialising the package compiled none of
// its patterns.
func TestLazyRegexpsWaitForFirstUse(t *testing.T) {
	if os.Getenv(freshProcessEnv) != "1" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestLazyRegexpsWaitForFirstUse$", "-test.count=1")
		cmd.Env = append(os.Environ(), freshProcessEnv+"=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("in a fresh process: %v\n%s", err, out)
		}
		return
	}
	for name, r := range packageRegexps() {
		if r.rx != nil {
			t.Errorf("%s was compiled before its first use", name)
		}
	}
	if r := PLUS_CHARS_PATTERN; !r.MatchString("+1") || r.rx == nil {
		t.Errorf("PLUS_CHARS_PATTERN did not compile on first use")
	}
}

// TestLazyRegexpPanicsNamingPattern checks that a pattern that does not compile
// panics on first use just as regexp.MustCompile would have at init, naming the
// pattern, and that lazy itself does not panic.
func TestLazyRegexpPanicsNamingPattern(t *testing.T) {
	const bad = "[0-9"
	r := lazy(bad)
	want := panicValue(func() { regexp.MustCompile(bad) })
	got := panicValue(func() { r.MatchString("1") })
	if got != want {
		t.Errorf("first use panicked with %q, want %q", got, want)
	}
	if !strings.Contains(got, bad) {
		t.Errorf("panic %q does not name the pattern %q", got, bad)
	}
}

// panicValue runs f and returns what it panicked with, or "no panic".
func panicValue(f func()) (value string) {
	defer func() {
		if v := recover(); v != nil {
			value = fmt.Sprint(v)
		}
	}()
	f()
	return "no panic"
}
