package httpclient

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
)

// Explain turns a request that got no answer into one sentence naming service (a
// vendor name, or a host when that is all that may be shown) and leaving out the URL,
// which can hold a user's name or a webhook's secret.
func Explain(ctx context.Context, service string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("the request to %s was stopped (%w)", service, ctx.Err())
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if Untrusted(err) {
		return fmt.Errorf("this computer does not trust the certificate %s presents (%w): if a proxy inspects TLS, give its CA bundle in the config's ca_file", service, err)
	}
	return fmt.Errorf("could not reach %s (%w): check this computer's network connection and any proxy", service, err)
}

// Untrusted reports whether err is a TLS certificate this computer does not trust.
func Untrusted(err error) bool {
	var unknownCA x509.UnknownAuthorityError
	var verify *tls.CertificateVerificationError
	return errors.As(err, &unknownCA) || errors.As(err, &verify)
}
