package twilio_test

import (
	"context"
	"errors"
	"testing"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/twilio"
)

// TestErrorsSpeakThePersonsLanguage: Twilio refusing the credentials is said in
// Spanish to a Spanish run, is still a *twilio.Error with Twilio's code, and keeps its
// English for everyone else.
func TestErrorsSpeakThePersonsLanguage(t *testing.T) {
	c, _, _ := setup(t, func(c *twilio.Config) { c.AuthToken = "nope" })
	_, err := c.SendCode(context.Background(), "+12015550100")
	var te *twilio.Error
	if !errors.As(err, &te) || te.Status != 401 {
		t.Fatalf("SendCode with a wrong token = %v; want Twilio's 401", err)
	}
	if got, want := catalog.New(language.Spanish).Error(err), "Twilio rechazó las credenciales: compruebe twilio.account_sid y el token de autenticación"; got != want {
		t.Errorf("in Spanish: %q; want %q", got, want)
	}
	if got, want := err.Error(), "Twilio refused the credentials: check twilio.account_sid and the auth token"; got != want {
		t.Errorf("in English: %q; want %q", got, want)
	}
}

// TestCheckInSpanish: a check's detail, Twilio's service name in it, is said in the
// person's language.
func TestCheckInSpanish(t *testing.T) {
	c, _, _ := setup(t)
	got := c.Check(context.Background())
	if len(got) == 0 {
		t.Fatal("no checks")
	}
	if s := got[0].Say(catalog.New(language.Spanish)); s != "el servicio Example MSP responde" {
		t.Errorf("%s in Spanish: %q", got[0].Name, s)
	}
}
