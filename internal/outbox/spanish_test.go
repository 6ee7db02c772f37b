package outbox

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

func TestALineThatIsNoMessageIsSaidInSpanish(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	if err := os.WriteFile(path, []byte("not json\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	got := catalog.New(language.Spanish).Error(err)
	if !strings.HasPrefix(got, "la línea 1 de la bandeja de salida "+path+" no es un mensaje JSON (") || !strings.HasSuffix(got, "); elimine esa línea o el archivo") {
		t.Errorf("in Spanish: %q", got)
	}
	if want := "outbox " + path + " line 1 is not a JSON message ("; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("in English: %q; want it to begin %q", err, want)
	}
	var syntax *json.SyntaxError
	if !errors.As(err, &syntax) {
		t.Errorf("%v no longer wraps the JSON error", err)
	}
}
