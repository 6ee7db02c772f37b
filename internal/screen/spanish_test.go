package screen

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/qr"
)

// TestTheScreenSaysItsOwnWordsInSpanish: the heading, the demo label, the accessible
// marks, the demo phone, the QR code's link and why no code is drawn.
func TestTheScreenSaysItsOwnWordsInSpanish(t *testing.T) {
	es := catalog.New(language.Spanish)
	var out bytes.Buffer
	plain := New(&out, Options{Plain: true, Text: es})
	plain.Heading(2, 8, "Demostrar que el teléfono es suyo", true)
	plain.OK("listo")
	plain.Problem("falló")
	plain.PhoneMessage("sms", "+1 ***-***-0100", "Su código es 123456.")
	small := New(&out, Options{Text: es, Size: func() (qr.Size, bool) { return qr.Size{Cols: 40, Rows: 10}, true }})
	small.DrawQR(QR{Content: link, Reserve: 2})
	New(&out, Options{Text: es}).DrawQR(QR{Content: "otpauth://totp/Example?secret=ABCDEFGH"})
	got := out.String()
	for _, want := range []string{
		"Paso 2 de 8: Demostrar que el teléfono es suyo",
		"[Paso de demostración: no se envía nada",
		"Hecho: listo",
		"Problema: falló",
		"El teléfono de demostración recibió un mensaje (sms a +1 ***-***-0100): Su código es 123456.",
		"(la ventana es demasiado pequeña para el",
		"(aquí no se puede dibujar un código QR: use el enlace)",
		"Enlace: " + link,
		"O añádalo a mano: en la aplicación elija introducir una clave",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("the screen does not say %q:\n%s", want, got)
		}
	}
	for _, english := range []string{"Step ", "Demo step", "Done:", "Problem:", "demo phone", "Link:", "too small", "cannot be drawn", "by hand"} {
		if strings.Contains(got, english) {
			t.Errorf("the Spanish screen says %q:\n%s", english, got)
		}
	}
}

func TestACountdownSaysWhatItIsGiven(t *testing.T) {
	var out bytes.Buffer
	s := New(&out, Options{})
	text := CountdownText{
		Left:  func(n int) string { return "Faltan " + strings.Repeat("·", n) },
		Short: func(n int) string { return "no se usa" },
		Over:  "Ya.",
	}
	if err := s.Countdown(context.Background(), clock.NewFake(time.Now()), 2*time.Second, text); err != nil {
		t.Fatal(err)
	}
	if out.String() != "Faltan ··\nYa.\n" {
		t.Errorf("a countdown without a terminal said %q", out.String())
	}
}
