package httpclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/url"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// Explain turns a request that got no answer into one sentence naming service (a
// vendor name, or a host when that is all that may be shown) and leaving out the URL,
// which can hold a user's name or a webhook's secret.
func Explain(ctx context.Context, service string, err error) error {
	if ctx.Err() != nil {
		return catalog.Wrap(ctx.Err(), "http.request.stopped", "Service", service)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if Untrusted(err) {
		return catalog.Wrap(err, "http.certificate.untrusted", "Service", service)
	}
	return catalog.Wrap(err, "http.unreachable", "Service", service)
}

// Untrusted reports whether err is a TLS certificate this computer does not trust.
func Untrusted(err error) bool {
	var unknownCA x509.UnknownAuthorityError
	var verify *tls.CertificateVerificationError
	return errors.As(err, &unknownCA) || errors.As(err, &verify)
}
