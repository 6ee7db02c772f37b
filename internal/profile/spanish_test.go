package profile_test

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/profile"
)

func TestProfileErrorsAreSaidInSpanish(t *testing.T) {
	es := catalog.New(language.Spanish)
	home := t.TempDir()
	if _, err := profile.Add(home, "contoso", ""); err != nil {
		t.Fatal(err)
	}

	err := profile.CheckName("Contoso")
	var bad *profile.NameError
	if !errors.As(err, &bad) || bad.Name != "Contoso" {
		t.Fatalf("CheckName(Contoso) = %v; want a *NameError naming it", err)
	}
	if want := `el nombre de perfil "Contoso" solo puede contener letras minúsculas, dígitos y '-'; use "contoso"`; es.Error(err) != want {
		t.Errorf("in Spanish: %q; want %q", es.Error(err), want)
	}
	if want := `profile name "Contoso" may hold only lower-case letters, digits and '-'; use "contoso"`; err.Error() != want || bad.Reason != want {
		t.Errorf("in English: %q (Reason %q); want %q", err, bad.Reason, want)
	}

	_, err = profile.Open(home, "northwind")
	var nf *profile.NotFoundError
	if !errors.As(err, &nf) {
		t.Fatalf("Open(northwind) = %v; want a *NotFoundError", err)
	}
	if want := `no existe el perfil "northwind" (los perfiles son: contoso); añádalo con "mfa-onboard profiles add northwind" o elija otro con --profile`; es.Error(err) != want {
		t.Errorf("in Spanish: %q; want %q", es.Error(err), want)
	}

	_, err = profile.Add(home, "contoso", "")
	if got := es.Error(err); !strings.HasPrefix(got, `el perfil "contoso" ya existe, en `) {
		t.Errorf("in Spanish: %q", got)
	}

	_, err = profile.Add(home, "fabrikam", filepath.Join(t.TempDir(), "missing.yaml"))
	if got := es.Error(err); !strings.HasPrefix(got, "no se pudo leer el archivo de configuración ") || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("in Spanish: %q; want Spanish that still wraps the missing file", got)
	}
}
