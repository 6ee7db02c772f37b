package autotask_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/autotask"
)

// Autotask's refusal is an *Error a caller can inspect, said in the run's language,
// what was being done included.
func TestRefusalsSpeakThePrintersLanguage(t *testing.T) {
	srv := server(t)
	cfg := config(srv)
	cfg.Secret = "wrong"
	_, err := newNotifier(t, cfg).Notify(context.Background(), notice())
	var aerr *autotask.Error
	if !errors.As(err, &aerr) || aerr.Status != http.StatusUnauthorized {
		t.Fatalf("err = %#v; want an *autotask.Error for HTTP 401", err)
	}
	if _, ok := err.(catalog.Localized); !ok {
		t.Fatalf("%T cannot say itself in another language", err)
	}
	const en = "Autotask refused the API user " + apiUser + " (HTTP 401) while trying to create the ticket: check the username, the secret and the integration code, and that the user is an API-only user that is not locked"
	if err.Error() != en {
		t.Errorf("English = %q; want %q", err, en)
	}
	const es = "Autotask rechazó al usuario de API " + apiUser + " (HTTP 401) al intentar crear el ticket: compruebe el nombre de usuario, el secreto y el código de integración, y que sea un usuario solo de API que no esté bloqueado"
	if got := catalog.New(language.Spanish).Error(err); got != es {
		t.Errorf("Spanish = %q; want %q", got, es)
	}
}

// A sentence that explains another catalogue error says both in the run's language.
func TestAWrappedSentenceIsSaidInThePrintersLanguageToo(t *testing.T) {
	srv := server(t)
	srv.FailNext(http.StatusOK, `{"zoneName":"Z","url":"ftp://zone.example/"}`, "")
	_, err := newNotifier(t, config(srv)).Notify(context.Background(), notice())
	const en = `autotask's zone lookup gave no usable URL (the Autotask zone URL "ftp://zone.example/" is not an https URL; fix it or leave it empty)`
	if err == nil || err.Error() != en {
		t.Fatalf("err = %v; want %q", err, en)
	}
	var inner *catalog.Error
	if !errors.As(errors.Unwrap(err), &inner) {
		t.Fatalf("err = %#v; errors.As finds no catalogue error inside", err)
	}
	const es = `la búsqueda de zona de Autotask no dio una URL utilizable (la URL de zona de Autotask "ftp://zone.example/" no es una URL https; corríjala o déjela vacía)`
	if got := catalog.New(language.Spanish).Error(err); got != es {
		t.Errorf("Spanish = %q; want %q", got, es)
	}
}
