package fake

import "github.com/mfa-onboard/mfa-onboard/internal/provider"

// Set serves every role from the demo services; supportEmail addresses the notice.
func (s *Services) Set(supportEmail string) provider.Set {
	return set{s: s, supportEmail: supportEmail}
}

type set struct {
	s            *Services
	supportEmail string
}

func (f set) Codes() (provider.CodeSender, error)         { return f.s.Codes(), nil }
func (f set) Registrar() (provider.PhoneRegistrar, error) { return f.s.Registrar(), nil }
func (f set) Enroller() (provider.Enroller, error)        { return f.s.Duo(), nil }
func (f set) Pusher() (provider.Pusher, error)            { return f.s.Duo(), nil }
func (f set) Enforcer() (provider.Enforcer, error)        { return nil, nil }
func (f set) Demo() bool                                  { return true }
func (f set) DemoRole(provider.Role) bool                 { return true }
func (f set) Notifiers() ([]provider.Notifier, error) {
	return []provider.Notifier{f.s.Notifier(f.supportEmail)}, nil
}
