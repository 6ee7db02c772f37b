package smtp

import (
	"context"
	"fmt"

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
	what := "connected"
	switch s.cfg.TLS {
	case TLSStartTLS:
		what += ", STARTTLS"
	case TLSImplicit:
		what += " over TLS"
	}
	switch {
	case s.cfg.Auth == AuthXOAUTH2:
		what += ", logged in as " + s.cfg.Username + " with an OAuth token (XOAUTH2)"
	case s.cfg.Username != "":
		what += ", logged in as " + s.cfg.Username
	}
	return []provider.Check{{Name: name, OK: true, Detail: fmt.Sprintf("%s; nothing was sent", what)}}
}
