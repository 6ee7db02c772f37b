package httpclient

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

func TestFailuresAreSaidInSpanish(t *testing.T) {
	es := catalog.New(language.Spanish)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }))
	defer srv.Close()
	plain, err := New(5*time.Second, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = plain.Get(srv.URL)
	err = Explain(context.Background(), "Example Vendor", err)
	if got := es.Error(err); !strings.HasPrefix(got, "este equipo no confía en el certificado que presenta Example Vendor (") || !Untrusted(err) {
		t.Errorf("an untrusted certificate in Spanish: %q; want Spanish that still wraps the TLS error", got)
	}

	_, err = New(time.Second, filepath.Join(t.TempDir(), "missing.pem"))
	if got := es.Error(err); !strings.HasPrefix(got, "no se pudo leer el paquete de CA ") || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a missing CA bundle in Spanish: %q; want Spanish that still wraps the file error", got)
	}
	empty := filepath.Join(t.TempDir(), "empty.pem")
	if err := os.WriteFile(empty, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(time.Second, empty); !strings.Contains(es.Error(err), "no contiene ningún certificado PEM") {
		t.Errorf("a bundle without certificates in Spanish: %q", es.Error(err))
	}
}
