package fake

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/config"
	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

// newDemoIn is newDemo speaking p's language.
func newDemoIn(t *testing.T, p *catalog.Printer) demo {
	dir := t.TempDir()
	c := clock.NewFake(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	box := filepath.Join(dir, "outbox.jsonl")
	opts := OptionsFrom(config.Default()).WithText(p)
	return demo{services: NewServices(filepath.Join(dir, "services.json"), opts, outbox.New(box, nil), c), clock: c, outbox: box}
}

// TestTheDemoPhoneGetsTheRunsLanguage: the demo's words are its own, so the code the
// demo phone receives, and what the demo Duo says of a push, are in the run's
// language; the code in the text is unchanged.
func TestTheDemoPhoneGetsTheRunsLanguage(t *testing.T) {
	d := newDemoIn(t, catalog.New(language.Spanish))
	if _, err := d.services.Codes().SendCode(t.Context(), "+12015550100"); err != nil {
		t.Fatal(err)
	}
	msgs, err := outbox.Read(d.outbox)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("outbox: %v, %d messages", err, len(msgs))
	}
	text := msgs[0].Text
	if !strings.Contains(text, ": su código de verificación es ") || !strings.Contains(text, "Sirve durante 10 minutos.") {
		t.Errorf("the demo text in Spanish = %q", text)
	}
	if d.lastCode(t) == "" {
		t.Errorf("the Spanish text %q carries no code", text)
	}

	if st := pushMessage(string(provider.PushDenied)); st.Localize(catalog.New(language.Spanish)) != "La notificación de Duo Push se rechazó." || st.Error() != "The push was denied." {
		t.Errorf("a denied push = %q in Spanish, %q in English", st.Localize(catalog.New(language.Spanish)), st.Error())
	}
}

// TestTheDemoPhoneSpeaksEnglishByDefault: without a Printer the demo is as before.
func TestTheDemoPhoneSpeaksEnglishByDefault(t *testing.T) {
	d := newDemo(t)
	if _, err := d.services.Codes().SendCode(t.Context(), "+12015550100"); err != nil {
		t.Fatal(err)
	}
	msgs, err := outbox.Read(d.outbox)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("outbox: %v, %d messages", err, len(msgs))
	}
	if text := msgs[0].Text; !strings.Contains(text, ": your verification code is ") || !strings.Contains(text, "It works for 10 minutes. Type it only where you are setting up sign-in") {
		t.Errorf("the demo text = %q", text)
	}
}

// TestErrorsSpeakThePersonsLanguage: a push to a phone the demo never gave is said in
// Spanish, what it wraps too, and is still provider.ErrNotFound.
func TestErrorsSpeakThePersonsLanguage(t *testing.T) {
	d := newDemo(t)
	_, err := d.services.Duo().Push(t.Context(), "alice@example.com", "DP00000009")
	if !errors.Is(err, provider.ErrNotFound) {
		t.Fatalf("a push to an unknown phone = %v; want ErrNotFound", err)
	}
	want := "no se envió ninguna notificación de Duo Push al teléfono DP00000009 (no se encontró): este usuario aún no tiene Duo Mobile activado: termine primero el paso duo-enroll"
	if got := catalog.New(language.Spanish).Error(err); got != want {
		t.Errorf("in Spanish:\n%s\nwant\n%s", got, want)
	}
	if got := err.Error(); !strings.HasPrefix(got, "no push was sent to phone DP00000009 (not found): this user has no activated Duo Mobile yet") {
		t.Errorf("in English: %q", got)
	}
}
