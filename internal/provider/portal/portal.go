// Package portal is the route without Graph write access: the person adds their
// phone on Microsoft's security-info page, where Microsoft itself texts and checks
// the code (Graph has no call to do either). With read-only Graph credentials the
// registration is checked afterwards; without them the person's word stands.
package portal

import (
	"context"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

// errSelfService is returned by the code calls, which the steps never make for a
// SelfService sender.
var errSelfService error = catalog.NewError("portal.self-service")

// Codes serves the text-message role by sending the person to the page.
type Codes struct {
	URL string
}

// Page is Microsoft's security-info page.
func (c Codes) Page() string { return c.URL }

// SendCode is never called on the portal route.
func (Codes) SendCode(context.Context, string) (provider.CodeSent, error) {
	return provider.CodeSent{}, errSelfService
}

// CheckCode is never called on the portal route.
func (Codes) CheckCode(context.Context, string, string) (provider.CodeCheck, error) {
	return provider.CodeCheck{}, errSelfService
}

// Registrar serves phone registration on the portal route: the person registers, and
// Reader (read-only Graph, may be nil) checks that they did.
type Registrar struct {
	Reader provider.PhoneRegistrar
}

// MobileMethod reads the registered mobile through Reader, or says it cannot.
func (r Registrar) MobileMethod(ctx context.Context, user string) (string, error) {
	if r.Reader == nil {
		return "", provider.ErrCannotCheck
	}
	return r.Reader.MobileMethod(ctx, user)
}

// RegisterMobile does nothing: on this route the person registered on the page.
func (Registrar) RegisterMobile(context.Context, string, string) (string, error) {
	return "", nil
}
