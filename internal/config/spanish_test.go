package config

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

func TestConfigErrorsNameTheKeyInSpanish(t *testing.T) {
	es := catalog.New(language.Spanish)
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte("organisation: Contoso\ndefault_country: XX\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path, true)
	var cfg *Error
	if !errors.As(err, &cfg) || cfg.File != path {
		t.Fatalf("Load = %v; want a *config.Error for %s", err, path)
	}
	if want := "configuración " + path + `: línea 2: el valor "XX" de default_country debe ser un código de país de dos letras, como US`; es.Error(err) != want {
		t.Errorf("in Spanish: %q; want %q", es.Error(err), want)
	}
	if want := "config " + path + `: line 2: default_country "XX" must be a two-letter country code such as US`; err.Error() != want {
		t.Errorf("in English: %q; want %q", err, want)
	}

	c := Default()
	c.Providers.SMS = TwilioName
	c.Providers.PhoneRegistration = GraphName
	c.Graph = Graph{}
	if got, want := es.Error(&Error{File: "config", Err: c.validate()}), "configuración: falta twilio.account_sid: el Account SID (AC…) de la consola de Twilio"; got != want {
		t.Errorf("in Spanish: %q; want %q", got, want)
	}

	_, err = Load(filepath.Join(t.TempDir(), "missing.yaml"), true)
	if !errors.As(err, &cfg) || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing file: %v; want a *config.Error wrapping it", err)
	}
}
