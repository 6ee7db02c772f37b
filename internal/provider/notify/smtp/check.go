package smtp

import (
	"context"
	"fmt"

	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

// Check connects, says EHLO, starts TLS and logs in, then quits without sending.
func (s *Notifier) Check(ctx context.Context) []provider.Check {
	name := "smtp " + s.server()
	c, err := s.client()
	if err != nil {
		return []provider.Check{{Name: name, Detail: err.Error()}}
	}
	if err := c.DialWithContext(ctx); err != nil {
		return []provider.Check{{Name: name, Detail: s.explain(ctx, err).Error()}}
	}
	_ = c.Close()
	what := "connected"
	switch s.cfg.TLS {
	case TLSStartTLS:
		what += ", STARTTLS"
	case TLSImplicit:
		what += " over TLS"
	}
	if s.cfg.Username != "" {
		what += ", logged in as " + s.cfg.Username
	}
	return []provider.Check{{Name: name, OK: true, Detail: fmt.Sprintf("%s; nothing was sent", what)}}
}
