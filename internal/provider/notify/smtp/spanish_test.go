package smtp_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/smtp"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/smtp/smtptest"
)

// When the token cannot be had, the sentence is said in the run's language, and the
// token source's own error is still what errors.Is finds.
func TestTokenFailureSpeaksThePrintersLanguage(t *testing.T) {
	srv := smtptest.New(t, smtptest.Options{User: user, Token: token, Auth: smtptest.AuthXOAUTH2})
	cause := errors.New("the Graph client secret is wrong or expired: check graph.client_secret_env")
	cfg := config(srv)
	cfg.Auth, cfg.Password = smtp.AuthXOAUTH2, ""
	cfg.Token = func(context.Context) (string, error) { return "", cause }
	err := notifyErr(newNotifier(t, cfg))
	if !errors.Is(err, cause) {
		t.Fatalf("err = %v; errors.Is does not find the token source's error", err)
	}
	if want := "could not get the OAuth token to send mail as " + user + ": " + cause.Error(); err.Error() != want {
		t.Errorf("English = %q; want %q", err, want)
	}
	want := "no se pudo obtener el token OAuth para enviar correo como " + user + ": " + cause.Error()
	if got := catalog.New(language.Spanish).Error(err); got != want {
		t.Errorf("Spanish = %q; want %q", got, want)
	}
}

// A refusal by the server wraps go-mail's error, which keeps its own words inside the
// Spanish sentence.
func TestServerRefusalSpeaksThePrintersLanguage(t *testing.T) {
	srv := smtptest.New(t, smtptest.Options{User: user, Password: password})
	cfg := config(srv)
	cfg.Password = "wrong"
	err := notifyErr(newNotifier(t, cfg))
	if err == nil || !strings.Contains(err.Error(), "refused the SMTP username or password (") {
		t.Fatalf("err = %v", err)
	}
	got := catalog.New(language.Spanish).Error(err)
	if !strings.HasPrefix(got, "el servidor de correo "+srv.Host()) || !strings.Contains(got, "rechazó el nombre de usuario o la contraseña de SMTP (") ||
		!strings.Contains(got, "535") {
		t.Errorf("Spanish = %q", got)
	}
}
