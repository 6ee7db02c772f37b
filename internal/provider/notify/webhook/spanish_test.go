package webhook_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/webhook"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/webhook/webhooktest"
)

func TestRefusalsSpeakThePrintersLanguage(t *testing.T) {
	srv := webhooktest.New(t)
	srv.FailNext(401, "", "")
	_, err := newNotifier(t, srv, webhook.KindTeams, clock.NewFake(start)).Notify(context.Background(), notice())
	const en = "teams refused the post (HTTP 401): the workflow URL's signature is wrong or the workflow was turned off; copy the URL again from the workflow"
	if err == nil || err.Error() != en {
		t.Fatalf("err = %v; want %q", err, en)
	}
	var msg *catalog.Error
	if !errors.As(err, &msg) {
		t.Fatalf("err = %#v; not a catalogue message", err)
	}
	const es = "Teams rechazó la publicación (HTTP 401): la firma de la URL del flujo de trabajo es incorrecta o el flujo se desactivó; vuelva a copiar la URL desde el flujo de trabajo"
	if got := catalog.New(language.Spanish).Error(err); got != es {
		t.Errorf("Spanish = %q; want %q", got, es)
	}
}

func TestConfigErrorsSpeakThePrintersLanguage(t *testing.T) {
	_, err := webhook.New(webhook.Config{Kind: "discord", URL: "https://example.com/hook"})
	if err == nil || err.Error() != `the webhook kind "discord" is not known; use teams (a Teams Workflows webhook) or slack` {
		t.Fatalf("err = %v", err)
	}
	if got := catalog.New(language.Spanish).Error(err); !strings.HasPrefix(got, `no se conoce el tipo de webhook "discord"`) {
		t.Errorf("Spanish = %q", got)
	}
}
