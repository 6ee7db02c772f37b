package httpclient

import (
	"context"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestTrustsTheExtraCABundle(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(204) }))
	defer srv.Close()
	ca := filepath.Join(t.TempDir(), "ca.pem")
	os.WriteFile(ca, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600)

	plain, err := New(5*time.Second, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := plain.Get(srv.URL); err == nil {
		t.Error("a client without the bundle trusted the test server")
	}
	withCA, err := New(5*time.Second, ca)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := withCA.Get(srv.URL)
	if err != nil {
		t.Fatalf("with the bundle: %v", err)
	}
	resp.Body.Close()
}

func TestBadBundlesAreNamed(t *testing.T) {
	junk := filepath.Join(t.TempDir(), "junk.pem")
	os.WriteFile(junk, []byte("not a certificate"), 0o600)
	for _, f := range []string{junk, filepath.Join(t.TempDir(), "missing.pem")} {
		if _, err := New(time.Second, f); err == nil || !strings.Contains(err.Error(), f) {
			t.Errorf("New(%s) = %v; want an error naming the file", f, err)
		}
	}
}

func TestExplainNamesTheServiceNotTheURL(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer srv.Close()
	plain, _ := New(5 * time.Second)
	_, err := plain.Get(srv.URL + "/users/alice@contoso.com?sig=SECRET")
	got := Explain(context.Background(), "Microsoft Graph", err).Error()
	if !strings.Contains(got, "does not trust the certificate Microsoft Graph presents") || strings.Contains(got, "SECRET") || strings.Contains(got, "alice") {
		t.Errorf("Explain = %q", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if got := Explain(ctx, "Twilio Verify", err).Error(); !strings.Contains(got, "was stopped") {
		t.Errorf("Explain on a cancelled context = %q", got)
	}
}
