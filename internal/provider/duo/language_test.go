package duo_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/duo"
)

// TestErrorsSpeakThePersonsLanguage: a push Duo has forgotten is said in Spanish to a
// Spanish run, Duo's refusal inside it too, and is still provider.ErrNotFound and a
// *duo.Error to the code that branches on it; its English is unchanged.
func TestErrorsSpeakThePersonsLanguage(t *testing.T) {
	f := newFixture(t)
	_, err := f.c.Status(context.Background(), "5c7e2b1a-0000-4000-8000-000000000000")
	if !errors.Is(err, provider.ErrNotFound) {
		t.Fatalf("Status of an unknown txid = %v; want ErrNotFound", err)
	}
	var de *duo.Error
	if !errors.As(err, &de) || de.Code != 40002 {
		t.Fatalf("Status of an unknown txid = %v; want Duo's 40002 inside", err)
	}
	es := catalog.New(language.Spanish)
	got := es.Error(err)
	for _, want := range []string{"no se encontró: Duo ya no conoce esta notificación de Duo Push (Duo rechazó un parámetro (txid))", "envíe una nueva"} {
		if !strings.Contains(got, want) {
			t.Errorf("in Spanish: %q; want it to say %q", got, want)
		}
	}
	if en := err.Error(); !strings.HasPrefix(en, "not found: Duo no longer knows this push (Duo refused a parameter (txid))") {
		t.Errorf("in English: %q", en)
	}
}

// TestReadyReasonInSpanish: why a push cannot be tested is said in the person's
// language, for the step to show as it is.
func TestReadyReasonInSpanish(t *testing.T) {
	f := newFixture(t)
	f.srv.AddUser("alice@contoso.com")
	ok, reason, err := f.c.Ready(context.Background(), "alice@contoso.com", "DP000000000000000009")
	if err != nil || ok || reason == nil {
		t.Fatalf("Ready = %v, %v, %v; want a reason", ok, reason, err)
	}
	if got := catalog.New(language.Spanish).Error(reason); got != "Duo dice que este usuario aún no tiene ningún dispositivo activado: termine duo-enroll" {
		t.Errorf("in Spanish: %q", got)
	}
}

// TestCheckInSpanish: a check's detail is said in the person's language.
func TestCheckInSpanish(t *testing.T) {
	f := newFixture(t)
	for _, ck := range f.c.Check(context.Background()) {
		if ck.Name == "duo auth api" && ck.Say(catalog.New(language.Spanish)) != "las claves de la Auth API funcionan" {
			t.Errorf("%s in Spanish: %q (%v)", ck.Name, ck.Say(catalog.New(language.Spanish)), ck.Detail)
		}
	}
}
