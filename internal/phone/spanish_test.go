package phone

import (
	"errors"
	"testing"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// The phone question shows the refusal in the person's language (p.Error), while
// Reason and Error stay the English sentence.
func TestRefusalsAreSaidInSpanish(t *testing.T) {
	es := catalog.New(language.Spanish)
	for _, tt := range []struct{ in, region, english, spanish string }{
		{"12", "US", "that number is too short", "ese número es demasiado corto"},
		{"", "US", "enter a phone number", "escriba un número de teléfono"},
		{"+999 123", "US", "+999 is not a country calling code", "+999 no es un código de llamada de ningún país"},
		{"+1 800 555 0100", "US", "that is a toll-free number: a text message cannot reach it; enter a mobile number",
			"es un número gratuito: un SMS no puede llegar a él; escriba un número de móvil"},
	} {
		_, err := Parse(tt.in, tt.region)
		var bad *InvalidError
		if !errors.As(err, &bad) || bad.Input != tt.in {
			t.Fatalf("Parse(%q) = %v; want an *InvalidError keeping the input", tt.in, err)
		}
		if bad.Reason != tt.english || err.Error() != tt.english {
			t.Errorf("Parse(%q): Reason %q, Error %q; want %q", tt.in, bad.Reason, err, tt.english)
		}
		if got := es.Error(err); got != tt.spanish {
			t.Errorf("Parse(%q) in Spanish = %q; want %q", tt.in, got, tt.spanish)
		}
	}
}
