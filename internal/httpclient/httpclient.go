// Package httpclient builds the HTTP client every provider uses: the system's
// trusted CAs plus, optionally, the bundle of a TLS-inspecting proxy, and a timeout
// so that no call can hang a run.
package httpclient

import (
	"crypto/tls"
	"crypto/x509"
	"net/http"
	"os"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// New returns a client trusting the system CAs and the PEM certificates in caFiles
// (empty names are skipped).
func New(timeout time.Duration, caFiles ...string) (*http.Client, error) {
	pool, err := Pool(caFiles...)
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: tr, Timeout: timeout}, nil
}

// Pool is the system's trusted CAs plus the PEM certificates in caFiles, for
// connections that are not HTTP (mail).
func Pool(caFiles ...string) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	for _, f := range caFiles {
		if f == "" {
			continue
		}
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, catalog.Wrap(err, "http.ca.read", "Path", f)
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, catalog.NewError("http.ca.no-pem", "Path", f)
		}
	}
	return pool, nil
}
