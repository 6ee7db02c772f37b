package cli

import (
	"slices"
	"sync"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/config"
	"github.com/mfa-onboard/mfa-onboard/internal/httpclient"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/duo"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/fake"
	"github.com/mfa-onboard/mfa-onboard/internal/secret"
)

// callTimeout bounds every provider call: no run can hang on a silent service.
const callTimeout = 30 * time.Second

// roles serves each role from the backend config names for it.
type roles struct {
	f       *Factory
	cfg     *config.Config
	demo    *fake.Services
	demoSet provider.Set

	duoOnce sync.Once
	duo     *duo.Client
	duoErr  error
}

func (r *roles) Codes() (provider.CodeSender, error)         { return r.demoSet.Codes() }
func (r *roles) Registrar() (provider.PhoneRegistrar, error) { return r.demoSet.Registrar() }
func (r *roles) Notifiers() ([]provider.Notifier, error)     { return r.demoSet.Notifiers() }

func (r *roles) Enroller() (provider.Enroller, error) {
	if r.cfg.Providers.Duo == config.DuoName {
		return r.duoClient()
	}
	return r.demoSet.Enroller()
}

func (r *roles) Pusher() (provider.Pusher, error) {
	if r.cfg.Providers.Duo == config.DuoName {
		return r.duoClient()
	}
	return r.demoSet.Pusher()
}

// Demo is true while any role is served by the demo services.
func (r *roles) Demo() bool {
	p := r.cfg.Providers
	return p.SMS == config.Fake || p.PhoneRegistration == config.Fake || p.Duo == config.Fake || slices.Contains(p.Notify, config.Fake)
}

// DemoRole is true when role is served by the demo services.
func (r *roles) DemoRole(role provider.Role) bool {
	p := r.cfg.Providers
	switch role {
	case provider.RoleSMS:
		return p.SMS == config.Fake
	case provider.RolePhoneRegistration:
		return p.PhoneRegistration == config.Fake
	case provider.RoleNotify:
		return slices.Contains(p.Notify, config.Fake)
	case provider.RoleDuo:
		return p.Duo == config.Fake
	}
	return false
}

// Checkers returns the real providers that can prove their credentials; building one
// that is misconfigured is itself a failed check.
func (r *roles) Checkers() map[string]func() (provider.Checker, error) {
	out := map[string]func() (provider.Checker, error){}
	if r.cfg.Providers.Duo == config.DuoName {
		out["duo"] = func() (provider.Checker, error) { return r.duoClient() }
	}
	return out
}

func (r *roles) duoClient() (*duo.Client, error) {
	r.duoOnce.Do(func() { r.duo, r.duoErr = r.buildDuo() })
	return r.duo, r.duoErr
}

func (r *roles) buildDuo() (*duo.Client, error) {
	d := r.cfg.Duo
	adminKey, err := secret.Read(secret.Source{Key: "duo.admin_skey", Env: d.AdminSKeyEnv, File: d.AdminSKeyFile}, r.f.Getenv)
	if err != nil {
		return nil, &config.Error{File: "config", Err: err}
	}
	authKey, err := secret.Read(secret.Source{Key: "duo.auth_skey", Env: d.AuthSKeyEnv, File: d.AuthSKeyFile}, r.f.Getenv)
	if err != nil {
		return nil, &config.Error{File: "config", Err: err}
	}
	client, err := httpclient.New(callTimeout, r.cfg.CAFile, d.CAFile)
	if err != nil {
		return nil, &config.Error{File: "config", Err: err}
	}
	valid := time.Duration(d.ActivationValidSecs) * time.Second
	if valid == 0 {
		valid = r.cfg.Limits.ActivationValid.D()
	}
	return duo.New(duo.Config{
		APIHost:         d.APIHost,
		AdminIKey:       d.AdminIKey,
		AdminSKey:       adminKey,
		AuthIKey:        d.AuthIKey,
		AuthSKey:        authKey,
		HTTPClient:      client,
		ActivationValid: valid,
		CreateUsers:     d.CreateUsers,
		Clock:           r.f.Clock,
		CallTimeout:     callTimeout,
	})
}
