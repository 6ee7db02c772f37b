package smtp

import (
	"context"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

// Check connects, says EHLO, starts TLS and logs in (with a fresh token, for XOAUTH2),
// then quits without sending.
func (s *Notifier) Check(ctx context.Context) []provider.Check {
	name := "smtp " + s.server()
	c, token, err := s.client(ctx)
	if err != nil {
		return []provider.Check{{Name: name, Detail: err.Error()}}
	}
	if err := c.DialWithContext(ctx); err != nil {
		return []provider.Check{{Name: name, Detail: s.explain(ctx, err, token).Error()}}
	}
	_ = c.Close()
	// What a passing check says for each TLS mode: connected alone, with a password
	// login, and with an OAuth login; one whole sentence each.
	ids := map[string][3]string{
		TLSStartTLS: {"smtp.check.starttls", "smtp.check.starttls-login", "smtp.check.starttls-oauth"},
		TLSImplicit: {"smtp.check.tls", "smtp.check.tls-login", "smtp.check.tls-oauth"},
		TLSNone:     {"smtp.check.clear", "smtp.check.clear-login", "smtp.check.clear-oauth"},
	}[s.cfg.TLS]
	id := ids[0]
	switch {
	case s.cfg.Auth == AuthXOAUTH2:
		id = ids[2]
	case s.cfg.Username != "":
		id = ids[1]
	}
	// provider.Check's Detail is a string, with no Printer to say it in the person's
	// language, so it is said in English like the errors above.
	return []provider.Check{{Name: name, OK: true, Detail: catalog.English().T(id, "User", s.cfg.Username)}}
}
