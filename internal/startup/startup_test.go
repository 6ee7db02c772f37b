package startup_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// Every package-level variable's value and every init function runs at each start
// of the program, even for "mfa-onboard version". Compiling a regular expression
// there costs every start; sync.OnceValue defers it to the first use.

// notShipped holds the folders, from the module root, whose code is not part of the
// program a user starts, or (third_party) is checked by its own tests.
var notShipped = []string{"third_party", "bench", "e2e", "faults", "scripts", "cmd/mfa-onboard-man"}

// regexpCompilers are the regexp functions that compile a pattern.
var regexpCompilers = map[string]bool{"Compile": true, "CompilePOSIX": true, "MustCompile": true, "MustCompilePOSIX": true}

// compileCall is one call of a regexp compiler found in the module's source.
type compileCall struct {
	where   string // file:line, the file relative to the module root
	file    string // relative to the module root, with forward slashes
	owner   string // the package-level variable whose value holds it, or "init"
	atStart bool   // whether it runs when the package is initialised
	call    *ast.CallExpr
}

// TestNoRegexpCompiledAtStart fails on each regular expression that a package
// compiles when it is initialised: in a package-level variable's value (outside a
// function literal) or in an init function.
func TestNoRegexpCompiledAtStart(t *testing.T) {
	for _, c := range findCompileCalls(t) {
		if !c.atStart {
			continue
		}
		what := "the variable " + c.owner
		if c.owner == "init" {
			what = "an init function"
		}
		t.Errorf("%s: %s compiles a regular expression at every start of the program; make it a sync.OnceValue variable so it compiles on first use",
			c.where, what)
	}
}

// TestDeferredRegexpsCompile compiles each pattern that a package-level variable
// defers to its first use, so that a bad pattern fails here, as it would have at
// start, rather than on a user's first use of it.
func TestDeferredRegexpsCompile(t *testing.T) {
	checked := 0
	for _, c := range findCompileCalls(t) {
		if c.atStart || c.owner == "init" || len(c.call.Args) != 1 {
			continue
		}
		pattern, ok := constantString(c.call.Args[0])
		if !ok {
			continue
		}
		checked++
		compile := regexp.Compile
		if strings.HasSuffix(c.call.Fun.(*ast.SelectorExpr).Sel.Name, "POSIX") {
			compile = regexp.CompilePOSIX
		}
		if _, err := compile(pattern); err != nil {
			t.Errorf("%s: %s does not compile: %v", c.where, c.owner, err)
		}
	}
	if checked == 0 {
		t.Error("found no deferred pattern to compile; the search for them is broken")
	}
}

// constantString gives the value of a string literal, or of literals joined by +.
func constantString(expr ast.Expr) (string, bool) {
	switch e := expr.(type) {
	case *ast.BasicLit:
		if e.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(e.Value)
		return s, err == nil
	case *ast.BinaryExpr:
		if e.Op != token.ADD {
			return "", false
		}
		x, ok := constantString(e.X)
		if !ok {
			return "", false
		}
		y, ok := constantString(e.Y)
		return x + y, ok
	case *ast.ParenExpr:
		return constantString(e.X)
	}
	return "", false
}

// findCompileCalls parses every non-test Go file of the module outside notShipped
// and gives each regexp compiler call in a package-level variable's value or an
// init function.
func findCompileCalls(t *testing.T) []compileCall {
	t.Helper()
	root := moduleRoot(t)
	fset := token.NewFileSet()
	var calls []compileCall
	files := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel := filepath.ToSlash(must(filepath.Rel(root, path)))
		if d.IsDir() {
			name := d.Name()
			if rel != "." && (slices.Contains(notShipped, rel) || name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(rel, ".go") || strings.HasSuffix(rel, "_test.go") {
			return nil
		}
		file, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files++
		compiler := compilerCheck(file)
		record := func(owner string, body ast.Node, funcLitsRunLater bool) {
			ast.Inspect(body, func(n ast.Node) bool {
				if lit, ok := n.(*ast.FuncLit); ok && funcLitsRunLater {
					// Runs when called, not at start; still recorded so its
					// patterns can be compiled by TestDeferredRegexpsCompile.
					ast.Inspect(lit.Body, func(n ast.Node) bool {
						if call, ok := n.(*ast.CallExpr); ok && compiler(call) {
							calls = append(calls, compileCall{position(fset, root, call), rel, owner, false, call})
						}
						return true
					})
					return false
				}
				if call, ok := n.(*ast.CallExpr); ok && compiler(call) {
					calls = append(calls, compileCall{position(fset, root, call), rel, owner, true, call})
				}
				return true
			})
		}
		for _, decl := range file.Decls {
			switch decl := decl.(type) {
			case *ast.FuncDecl:
				if decl.Recv == nil && decl.Name.Name == "init" && decl.Body != nil {
					// A function literal in init may well be called there.
					record("init", decl.Body, false)
				}
			case *ast.GenDecl:
				if decl.Tok != token.VAR {
					continue
				}
				for _, spec := range decl.Specs {
					value := spec.(*ast.ValueSpec)
					for i, expr := range value.Values {
						owner := value.Names[0].Name
						if len(value.Names) == len(value.Values) {
							owner = value.Names[i].Name
						}
						record(owner, expr, true)
					}
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Fatalf("parsed only %d files under %s; the walk of the module is broken", files, root)
	}
	return calls
}

// compilerCheck tells, for one file, whether a call is a regexp compiler, under
// whatever name the file imports the regexp package.
func compilerCheck(file *ast.File) func(*ast.CallExpr) bool {
	local := ""
	for _, imp := range file.Imports {
		if path, _ := strconv.Unquote(imp.Path.Value); path == "regexp" {
			local = "regexp"
			if imp.Name != nil {
				local = imp.Name.Name
			}
		}
	}
	return func(call *ast.CallExpr) bool {
		switch fun := call.Fun.(type) {
		case *ast.SelectorExpr:
			x, ok := fun.X.(*ast.Ident)
			return ok && local != "" && x.Name == local && regexpCompilers[fun.Sel.Name]
		case *ast.Ident:
			return local == "." && regexpCompilers[fun.Name]
		}
		return false
	}
}

// position gives file:line with the file relative to the module root.
func position(fset *token.FileSet, root string, n ast.Node) string {
	p := fset.Position(n.Pos())
	return filepath.ToSlash(must(filepath.Rel(root, p.Filename))) + ":" + strconv.Itoa(p.Line)
}

// moduleRoot is the nearest folder at or above the working directory with a go.mod.
func moduleRoot(t *testing.T) string {
	t.Helper()
	dir := must(os.Getwd())
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("no go.mod at or above the working directory")
		}
		dir = parent
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
