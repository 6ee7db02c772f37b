package steps

import (
	"context"
	"errors"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/prompt"
	"github.com/mfa-onboard/mfa-onboard/internal/screen"
)

// inSpanish makes h a run whose language is Spanish: the steps, the screen and the
// questions all speak it.
func inSpanish(h *harness) *harness {
	h.env.Text = catalog.New(language.Spanish)
	h.env.Screen = screen.New(h.out, screen.Options{Text: h.env.Text})
	return h
}

// spanishLink finds the activation under the QR code, which Spanish calls Enlace.
var spanishLink = regexp.MustCompile(`Enlace: (otpauth://\S+)`)

// spanishCode is the code the activation on screen shows stepsAhead 30-second steps
// from now, as Duo Mobile shows it to the person.
func spanishCode(h *harness, stepsAhead int) func() string {
	return func() string {
		links := spanishLink.FindAllStringSubmatch(h.out.String(), -1)
		if len(links) == 0 {
			h.t.Fatalf("no activation link on screen:\n%s", h.out)
		}
		key, err := otp.NewKeyFromURL(links[len(links)-1][1])
		if err != nil {
			h.t.Fatal(err)
		}
		code, err := totp.GenerateCode(key.Secret(), h.clock.Now().Add(time.Duration(stepsAhead)*30*time.Second))
		if err != nil {
			h.t.Fatal(err)
		}
		return code
	}
}

// runAll runs the whole procedure, each step under its heading as the wizard shows
// it, with script answering each step's questions.
func runAll(h *harness, script map[string][]prompt.Step) {
	h.t.Helper()
	all := All()
	for i, step := range all {
		h.env.Screen.Heading(i+1, len(all), step.Title(h.env.Text), false)
		h.env.Guidance = nil
		h.mustRun(step, script[step.ID()]...)
		for _, g := range h.env.Guidance {
			if sentence := englishIn(h.t, g); sentence != "" {
				h.t.Errorf("%s keeps English guidance %q: %q", step.ID(), sentence, g)
			}
		}
	}
}

// englishOnly are the sentences of the English catalogue of the procedure (the
// steps, the screen, the questions): the fixed text between a message's values,
// three words or longer. None of them is Spanish, so none may show in Spanish.
func englishOnly(t *testing.T) []string {
	t.Helper()
	en := catalog.Messages(language.English)
	value := regexp.MustCompile(`\{\{[^}]*\}\}`)
	seen := map[string]bool{}
	for id, m := range en {
		area, _, _ := strings.Cut(id, ".")
		if area != "steps" && area != "screen" && area != "prompt" && area != "wizard" {
			continue
		}
		for _, text := range []string{m.One, m.Other} {
			for _, part := range value.Split(text, -1) {
				part = strings.TrimSpace(strings.Trim(strings.TrimSpace(part), ".,:;()"))
				if len(strings.Fields(part)) < 3 {
					continue
				}
				seen[part] = true
			}
		}
	}
	var out []string
	for s := range seen {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// englishIn is the first English-only sentence of the catalogue in text, or "".
func englishIn(t *testing.T, text string) string {
	t.Helper()
	for _, s := range englishOnly(t) {
		if strings.Contains(text, s) {
			return s
		}
	}
	return ""
}

// TestTheWholeProcedureSpeaksSpanish runs every step in a Spanish run, the person's
// own and a technician's: nothing the catalogue says in English reaches the screen
// or the guidance kept, and the Spanish does.
func TestTheWholeProcedureSpeaksSpanish(t *testing.T) {
	for _, tt := range []struct {
		name   string
		actor  func(*harness) *harness
		script func(*harness) map[string][]prompt.Step
		says   []string
	}{
		{"the person", func(h *harness) *harness { return h }, func(h *harness) map[string][]prompt.Step {
			return map[string][]prompt.Step{
				"phone":          {answer(KeyPhoneNumber, "201 555 0100"), answer(KeyPhoneConfirm, "yes")},
				"verify":         {answerWith(KeyVerifyCode, h.lastCode)},
				"office-apps":    {answer(KeyOfficeAck, "yes")},
				"mobile-mail":    {answer(KeyDuoPlatform, PlatformIOS), answer(KeyMailClient, MailOutlook), answer(KeyMailAck, "yes")},
				"duo-install":    {answer(KeyDuoInstalled, "yes")},
				"duo-enroll":     {answerWith(KeyDuoEnrollCode, spanishCode(h, 0))},
				"duo-test":       {answerWith(KeyDuoTestCode, spanishCode(h, 1))},
				"notify-support": nil,
			}
		}, []string{
			"── Paso 1 de 8: Su número de móvil ──",
			"Microsoft 365 enviará por SMS códigos de inicio de sesión a su teléfono móvil. ¿Qué número debe usar?",
			"Va de camino a +1 ***-***-0100 un código de 6 dígitos por SMS. Es válido hasta las {until}.",
			"✔ Ese es el código correcto: el teléfono es suyo.",
			"Paso 4 de 8: Las aplicaciones de Office en su equipo",
			"Abra la aplicación Outlook.",
			"aquí no se puede dibujar un código QR: use el enlace",
			"Enlace: https://apps.apple.com/",
			"Duo Mobile está activado para alice@example.com.",
			"Se aprobó la notificación: el inicio de sesión con Duo (Remote Desktop Gateway) le funciona.",
		}},
		{"a technician", forPerson, func(h *harness) map[string][]prompt.Step {
			return map[string][]prompt.Step{
				"phone":          {answer(KeyPhoneNumber, "201 555 0100"), answer(KeyPhoneConfirm, "yes")},
				"verify":         {answerWith(KeyVerifyCode, h.lastCode)},
				"office-apps":    {answer(KeyOfficeAck, "yes")},
				"mobile-mail":    {answer(KeyDuoPlatform, PlatformAndroid), answer(KeyMailClient, MailSamsung), answer(KeyMailAck, "yes")},
				"duo-install":    {answer(KeyDuoInstalled, "yes")},
				"duo-enroll":     {answerWith(KeyDuoEnrollCode, h.readAloud(0))},
				"duo-test":       {answerWith(KeyDuoTestCode, h.readAloud(1))},
				"notify-support": nil,
			}
		}, []string{
			"Pida a alice@example.com el número de móvil al que Microsoft 365 debe enviar por SMS sus códigos de inicio de sesión.",
			"Pida a alice@example.com que le lea el código de 6 dígitos enviado por SMS a +1 ***-***-0100.",
			"Dígale a alice@example.com:",
			"En su teléfono Android, abrir Google Play",
			"Se envió por SMS el enlace de activación de Duo al teléfono de alice@example.com (+1 ***-***-0100)",
			"Se aprobó la notificación: el inicio de sesión con Duo (Remote Desktop Gateway) funciona para alice@example.com.",
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := inSpanish(tt.actor(newHarness(t)))
			runAll(h, tt.script(h))
			out := h.out.String()
			until := h.env.at(start.Add(h.env.Config.Limits.CodeValid.D()), true)
			for _, s := range tt.says {
				wantOnScreen(t, out, strings.ReplaceAll(s, "{until}", until))
			}
			for _, s := range englishOnly(t) {
				if strings.Contains(out, s) {
					t.Errorf("the Spanish screen says the English %q", s)
				}
			}
			// A few sentences by name, so that the test cannot pass by finding no English
			// to look for.
			for _, english := range []string{"Step 1 of 8", "Your mobile number", "That is the right code", "Done reading?", "Duo Mobile is activated", "Link: "} {
				if strings.Contains(out, english) {
					t.Errorf("the Spanish screen says %q:\n%s", english, out)
				}
			}
		})
	}
}

// TestASpanishRunWithoutAPersonKeepsSpanishGuidance: what a run with nobody at the
// screen records for later is said in the run's language, times included.
func TestASpanishRunWithoutAPersonKeepsSpanishGuidance(t *testing.T) {
	h := inSpanish(verifyHarness(t))
	h.env.Interactive = false
	h.env.Prompt = prompt.NewAnswers(nil)
	err := Verify{}.Run(context.Background(), h.env)
	var need *prompt.NeedsAnswerError
	if !errors.As(err, &need) {
		t.Fatalf("err = %v; want the run to wait for the code", err)
	}
	g := strings.Join(h.env.Guidance, "\n")
	until := start.Add(h.env.Config.Limits.CodeValid.D()).Local()
	want := "Indique el código de 6 dígitos enviado por SMS a +1 ***-***-0100 (clave de respuestas verify.code, o --code) antes de las " +
		until.Format("15:04 MST") + " del " + until.Format("2006-01-02") + "."
	if !strings.Contains(g, want) {
		t.Errorf("guidance = %q; want %q", g, want)
	}
	if e := englishIn(t, g); e != "" {
		t.Errorf("the guidance keeps the English %q", e)
	}
}

// TestSpanishTimesNameTheDayInSpanish: a time that is not today names its day and
// month in the run's language, with the hour first, so that "a las" reads before it.
func TestSpanishTimesNameTheDayInSpanish(t *testing.T) {
	h := inSpanish(newHarness(t))
	// Two days after the harness's today, wherever this test runs.
	later := time.Date(2026, 11, 27, 9, 0, 0, 0, time.Local)
	zone := later.Format("MST")
	if got := h.env.at(later, false); got != "09:00 "+zone+" del viernes 27 de noviembre" {
		t.Errorf("at = %q; want the hour, then the day and month in Spanish", got)
	}
	if got := newHarness(t).env.at(later, false); got != "Fri 27 Nov 09:00 "+zone {
		t.Errorf("English at = %q; want it as before", got)
	}
}

// TestSpanishErrorsSayWhatTheyWrap: an error a step returns is said in Spanish, the
// provider's error inside it too.
func TestSpanishErrorsSayWhatTheyWrap(t *testing.T) {
	es := catalog.New(language.Spanish)
	if got := es.Error(CheckAnswer(KeyVerifyCode, "12", "US")); got != "el código tiene de 4 a 10 dígitos (ha escrito 2 caracteres)" {
		t.Errorf("CheckAnswer says %q", got)
	}
	if got := es.Error((Actor{TrustPhone: "x"}).CheckTrust()); !strings.HasPrefix(got, "solo un técnico") {
		t.Errorf("CheckTrust says %q", got)
	}
	d := &Deferred{failed: []channelError{{"smtp", catalog.NewError("steps.code.digits-only")}}}
	if got := es.Error(d); got != "todavía no se ha avisado al servicio de soporte (smtp: el código solo puede tener dígitos); la próxima ejecución lo vuelve a intentar, y mientras tanto los demás pasos continúan" {
		t.Errorf("Deferred says %q", got)
	}
	if got := d.Error(); !strings.HasPrefix(got, "support is not told yet (smtp: the code is digits only)") {
		t.Errorf("Deferred in English says %q", got)
	}
}
