package answers

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

func TestBadFilesAreSaidInSpanish(t *testing.T) {
	es := catalog.New(language.Spanish)
	p := filepath.Join(t.TempDir(), "a.yaml")
	if err := os.WriteFile(p, []byte("phone:\n  numbr: 1\nverfy:\n  code: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(p)
	var bad *Error
	if !errors.As(err, &bad) || bad.File != p {
		t.Fatalf("Load = %v; want an *answers.Error for %s", err, p)
	}
	want := "archivo de respuestas " + p + `: línea 2: "numbr" no es una clave de "phone" (consulte la tabla de respuestas del README); ` +
		`línea 3: "verfy" no es una clave del nivel superior (consulte la tabla de respuestas del README)`
	if got := es.Error(err); got != want {
		t.Errorf("in Spanish: %q; want %q", got, want)
	}

	_, err = Parse([]byte("- a\n"))
	if want := "línea 1: el nivel superior no contiene una lista: escriba sus respuestas como líneas \"clave: valor\""; es.Error(err) != want {
		t.Errorf("in Spanish: %q; want %q", es.Error(err), want)
	}
	if want := "line 1: a list is not what the top level holds: give its answers as \"key: value\" lines"; err.Error() != want {
		t.Errorf("in English: %q; want %q", err, want)
	}
}
