package secret

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

func TestReadErrorsAreSaidInSpanish(t *testing.T) {
	es := catalog.New(language.Spanish)
	r := Reader{Getenv: func(string) string { return "" }, Keychain: Map{}}

	_, err := r.Read(Source{Key: "duo.admin_skey", Env: "DUO_SKEY"})
	if want := "duo.admin_skey: la variable de entorno DUO_SKEY que indica duo.admin_skey_env está vacía o no existe; asígnele el secreto"; es.Error(err) != want {
		t.Errorf("an empty variable in Spanish: %q; want %q", es.Error(err), want)
	}

	_, err = r.Read(Source{Key: "duo.admin_skey", File: filepath.Join(t.TempDir(), "none")})
	if got := es.Error(err); !strings.HasPrefix(got, "duo.admin_skey: no se puede leer el archivo ") || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing file in Spanish: %q; want Spanish that still wraps the file error", got)
	}

	_, err = Reader{}.Read(Source{Key: "duo.admin_skey", Keychain: "duo-admin"})
	if want := "duo.admin_skey: aquí no hay ningún llavero del sistema disponible; use duo.admin_skey_env o duo.admin_skey_file"; es.Error(err) != want || !errors.Is(err, ErrNoKeychain) {
		t.Errorf("no keychain in Spanish: %q (is ErrNoKeychain: %v); want %q", es.Error(err), errors.Is(err, ErrNoKeychain), want)
	}

	err = Map{}.Delete("duo-admin")
	if want := `"duo-admin": no está en el llavero del sistema`; es.Error(err) != want || !errors.Is(err, ErrNotInKeychain) {
		t.Errorf("a missing entry in Spanish: %q; want %q, still ErrNotInKeychain", es.Error(err), want)
	}
	if want := `"duo-admin": not in the keychain`; err.Error() != want {
		t.Errorf("in English: %q; want %q", err, want)
	}
}
