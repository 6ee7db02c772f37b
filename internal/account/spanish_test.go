package account

import (
	"testing"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

func TestRefusalsAreSaidInSpanish(t *testing.T) {
	es := catalog.New(language.Spanish)
	for in, want := range map[string]string{
		"":                    "escriba su dirección de correo electrónico del trabajo, como alice@contoso.com",
		"alice@contoso":       `"contoso" no es un dominio de correo: escriba la dirección completa, como alice@contoso.com`,
		"ali\u202ece@x.com":   "la dirección contiene un carácter invisible o de control (U+202E): escríbala de nuevo con caracteres normales",
		"Alice <a@contoso.x>": "escriba una dirección de correo electrónico como alice@contoso.com (solo la dirección, sin nombre ni <>)",
	} {
		_, err := Parse(in)
		if got := es.Error(err); got != want {
			t.Errorf("Parse(%q) in Spanish = %q; want %q", in, got, want)
		}
	}
}
