//go:build linux || darwin

package e2e

import (
	"regexp"
	"strings"
	"testing"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// spanish is the demo in Spanish, as a person reads it.
var spanish = &words{
	email:        "Su dirección de correo del trabajo",
	mobile:       "Número de móvil",
	sendCodes:    "¿Enviar los códigos a",
	textCode:     "Código del SMS",
	doneReading:  "¿Ha terminado de leer? Pase al siguiente paso",
	mailApp:      "¿En qué app lee el correo del trabajo?",
	phoneKind:    "¿Qué tipo de teléfono tiene?",
	installed:    "¿Está instalado Duo Mobile?",
	duoCode:      "Código que muestra Duo Mobile",
	pushCode:     "Código que muestra Duo Mobile ahora",
	yes:          "Sí",
	link:         "Enlace: ",
	allDone:      "Los 8 pasos están hechos",
	triesLeft:    "intentos con este código",
	installShows: []string{"Escanee este código con la cámara del teléfono", "busque \"Duo Mobile\""},
	enrollShows:  []string{"¿No tiene cámara? Escriba T"},
}

// TestTheWholeDemoInSpanish runs the wizard from the first question to the last in
// Spanish, chosen each way a person can choose it, in an 80×24 window: every screen
// fits (the QR codes with what to do beside them, no line wider than the window),
// and no English sentence of the catalogue shows anywhere on the way: not in a
// question, a menu's hint, guidance, a heading, the demo phone or the closing screen.
func TestTheWholeDemoInSpanish(t *testing.T) {
	t.Parallel()
	for name, how := range map[string]struct{ env, args []string }{
		"--lang es":        {nil, []string{"--lang", "es", "start"}},
		"LANG=es_MX.UTF-8": {[]string{"LANG=es_MX.UTF-8"}, []string{"start"}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHome(t)
			s, raw := h.startIn(t, termCols, termRows, h.env(how.env...), how.args...)
			s.lang = spanish

			s.provePhone(h, true)
			s.askFirst(spanish.doneReading)
			s.accept(spanish.doneReading)

			s.choose(spanish.phoneKind, []string{"iPhone", "Teléfono Android"}, "iPhone")
			s.choose(spanish.mailApp, []string{"La aplicación Outlook", "Mail de Apple en un iPhone o iPad", "No leo el correo del trabajo en el teléfono"}, "La aplicación Outlook")
			if guidance := s.confirm(spanish.doneReading); !strings.Contains(prose(guidance), "Abra la aplicación Outlook.") {
				s.fatalf("the Outlook app's guidance is not in Spanish:\n%s", guidance)
			}
			s.installDuo("iPhone")
			s.enrollAndTestDuo()
			s.wantExit(0)

			if bad := overwide(raw.String(), termCols, spanish.link); len(bad) > 0 {
				t.Errorf("lines wider than the %d-column window:\n%s", termCols, strings.Join(bad, "\n"))
			}
			shown := prose(s.out.slice(0, s.out.len()))
			for _, want := range []string{"Paso 1 de 8", "Paso 8 de 8", "su código de verificación es", "[flechas: mover; escriba: filtrar]", "por correo electrónico a support@example.com (demostración)"} {
				if !strings.Contains(shown, want) {
					t.Errorf("the Spanish run never said %q", want)
				}
			}
			for _, sentence := range englishSentences() {
				if strings.Contains(shown, sentence) {
					t.Errorf("the Spanish run said, in English: %q", sentence)
				}
			}
		})
	}
}

// englishSentences are the fixed words of every English message, the parts between
// its values that are four words or longer and that its Spanish does not also say
// (a command, a product's name).
func englishSentences() []string {
	value := regexp.MustCompile(`\{\{[^}]*\}\}`)
	es := catalog.Messages(language.Spanish)
	var out []string
	for id, m := range catalog.Messages(language.English) {
		for _, text := range []string{m.One, m.Other} {
			for _, part := range value.Split(text, -1) {
				part = strings.Trim(strings.Join(strings.Fields(part), " "), ".,:;()\"' ")
				if len(strings.Fields(part)) < 4 || strings.Contains(es[id].Other, part) {
					continue
				}
				out = append(out, part)
			}
		}
	}
	return out
}
