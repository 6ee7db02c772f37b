package httpcall_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/httpcall"
)

func TestFailuresAreSaidInSpanish(t *testing.T) {
	es := catalog.New(language.Spanish)
	cut := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", "100")
		io.WriteString(w, `{"id":`)
	}))
	defer cut.Close()
	svc := httpcall.Service{Name: "Example Vendor", HTTP: cut.Client(), Clock: clock.NewFake(time.Now())}
	_, err := svc.Do(context.Background(), httpcall.Request{Method: http.MethodGet, URL: cut.URL})
	if got := es.Error(err); !strings.Contains(got, "la respuesta de Example Vendor se cortó (la respuesta se cortó: ") {
		t.Errorf("in Spanish: %q", got)
	}
	if !errors.Is(err, httpcall.ErrBrokeOff) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("%v no longer is ErrBrokeOff and the network's own error", err)
	}

	ok := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "<html>proxy</html>")
	}))
	defer ok.Close()
	a, err := service(ok, clock.NewFake(time.Now())).Do(context.Background(), httpcall.Request{Method: http.MethodGet, URL: ok.URL})
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	err = a.Decode(&v)
	var syntax *json.SyntaxError
	if got := es.Error(err); !strings.HasPrefix(got, "la respuesta no es el JSON de Example Vendor (") || !errors.As(err, &syntax) {
		t.Errorf("Decode in Spanish: %q (%T); want Spanish that still wraps the JSON error", got, err)
	}
	if got := httpcall.HostIn(es, "::"); got != "la dirección configurada" {
		t.Errorf("HostIn(es, ::) = %q", got)
	}
}
