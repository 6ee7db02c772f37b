package connectwise_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/connectwise"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/connectwise/connectwisetest"
)

// ConnectWise's refusal is an *Error a caller can inspect, said in the run's
// language, what was being done included; ConnectWise's own words stay its own.
func TestRefusalsSpeakThePrintersLanguage(t *testing.T) {
	srv := server(t)
	srv.Deny(connectwisetest.TicketAdd)
	_, err := newNotifier(t, config(srv)).Notify(context.Background(), notice())
	var cerr *connectwise.Error
	if !errors.As(err, &cerr) || cerr.Status != http.StatusForbidden {
		t.Fatalf("err = %#v; want a *connectwise.Error for HTTP 403", err)
	}
	if len(cerr.Messages) == 0 {
		t.Fatalf("err = %#v; ConnectWise's words are missing", cerr)
	}
	said := cerr.Messages[0]
	en := "ConnectWise does not let the API member of company contoso create the ticket (HTTP 403: " + said +
		"): give its security role Add and Inquire on Service Desk → Service Tickets, and Inquire on Companies → Company Maintenance"
	if err.Error() != en {
		t.Errorf("English = %q; want %q", err, en)
	}
	es := "ConnectWise no permite al miembro de API de la empresa contoso crear el ticket (HTTP 403: " + said +
		"): dé a su rol de seguridad Add e Inquire en Service Desk → Service Tickets, e Inquire en Companies → Company Maintenance"
	if got := catalog.New(language.Spanish).Error(err); got != es {
		t.Errorf("Spanish = %q; want %q", got, es)
	}
}

func TestConfigErrorsSpeakThePrintersLanguage(t *testing.T) {
	cfg := config(server(t))
	cfg.ClientID = "not-a-guid"
	_, err := connectwise.New(cfg)
	const en = `the ConnectWise clientId "not-a-guid" is not a GUID; give the one registered for this integration at developer.connectwise.com`
	if err == nil || err.Error() != en {
		t.Fatalf("err = %v; want %q", err, en)
	}
	const es = `el clientId de ConnectWise "not-a-guid" no es un GUID; indique el que se registró para esta integración en developer.connectwise.com`
	if got := catalog.New(language.Spanish).Error(err); got != es {
		t.Errorf("Spanish = %q; want %q", got, es)
	}
}
