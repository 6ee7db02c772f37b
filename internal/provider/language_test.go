package provider_test

import (
	"errors"
	"testing"
	"time"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

// TestErrorsSpeakThePersonsLanguage: the roles' shared errors are said in the
// person's language, and a cool-down still is one to errors.As.
func TestErrorsSpeakThePersonsLanguage(t *testing.T) {
	es := catalog.New(language.Spanish)
	var err error = &provider.CoolDownError{Wait: 42*time.Second + 300*time.Millisecond}
	var cool *provider.CoolDownError
	if !errors.As(err, &cool) || cool.Wait < 42*time.Second {
		t.Fatalf("errors.As(%v) did not find the cool-down", err)
	}
	if got, want := es.Error(err), "se podrá enviar un código nuevo dentro de 42s"; got != want {
		t.Errorf("in Spanish: %q; want %q", got, want)
	}
	if got, want := err.Error(), "a new code can be sent in 42s"; got != want {
		t.Errorf("in English: %q; want %q", got, want)
	}
	wrapped := catalog.Wrap(provider.ErrNotFound, "duo.no-user", "User", "alice@contoso.com")
	if !errors.Is(wrapped, provider.ErrNotFound) || es.Error(wrapped) != "no hay ningún usuario de Duo alice@contoso.com: no se encontró" {
		t.Errorf("ErrNotFound wrapped, in Spanish: %q", es.Error(wrapped))
	}
	if provider.ErrNotFound.Error() != "not found" {
		t.Errorf("ErrNotFound in English: %q", provider.ErrNotFound)
	}
}

// TestSayFallsBackToTheWordsGiven: a check, push status or enforcement whose words
// did not come from the catalogue (a vendor's, a test's) is said as it was given.
func TestSayFallsBackToTheWordsGiven(t *testing.T) {
	es := catalog.New(language.Spanish)
	if got := (provider.Check{Detail: "as given"}).Say(es); got != "as given" {
		t.Errorf("Check.Say = %q", got)
	}
	if got := (provider.PushStatus{Message: "Login request denied."}).Say(es); got != "Login request denied." {
		t.Errorf("PushStatus.Say = %q", got)
	}
	if got := (provider.Enforcement{Reason: "as given"}).Say(es); got != "as given" {
		t.Errorf("Enforcement.Say = %q", got)
	}
	ck := provider.NewCheck("x", false, provider.ErrRateLimited)
	if ck.Detail != "too many attempts for now" || ck.Say(es) != "demasiados intentos por ahora" {
		t.Errorf("NewCheck = %+v, said %q", ck, ck.Say(es))
	}
}
