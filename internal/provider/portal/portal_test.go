package portal

import (
	"context"
	"errors"
	"testing"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

// TestErrorsSpeakThePersonsLanguage: the code calls, never made on this route, say
// so in the person's language; a registrar with nothing to read with is
// provider.ErrCannotCheck, in Spanish too.
func TestErrorsSpeakThePersonsLanguage(t *testing.T) {
	es := catalog.New(language.Spanish)
	_, err := Codes{}.SendCode(context.Background(), "+12015550100")
	if !errors.Is(err, errSelfService) {
		t.Fatalf("SendCode = %v; want errSelfService", err)
	}
	if got, want := es.Error(err), "en la vía del portal, Microsoft envía y comprueba el código por sí mismo; siga la página de información de seguridad"; got != want {
		t.Errorf("in Spanish: %q; want %q", got, want)
	}
	if got, want := err.Error(), "on the portal route Microsoft sends and checks the code itself; follow the security-info page"; got != want {
		t.Errorf("in English: %q; want %q", got, want)
	}
	_, err = Registrar{}.MobileMethod(context.Background(), "alice@contoso.com")
	if !errors.Is(err, provider.ErrCannotCheck) || es.Error(err) != "no se puede comprobar sin acceso de lectura" {
		t.Errorf("MobileMethod without a reader = %v (%q); want ErrCannotCheck", err, es.Error(err))
	}
}
