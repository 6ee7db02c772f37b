package cli

import (
	"context"
	"crypto/tls"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/config"
	"github.com/mfa-onboard/mfa-onboard/internal/httpcall"
	"github.com/mfa-onboard/mfa-onboard/internal/httpclient"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/duo"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/fake"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/autotask"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/connectwise"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/message"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/smtp"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/webhook"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/portal"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/twilio"
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
	// vendors are the process's vendor clients: this run's own, or the batch's.
	vendors *vendorClients

	notifyOnce sync.Once
	notifiers  []provider.Notifier
	notifyErr  error
}

// vendorClients are one process's clients of the vendors, each built on first use.
// The runs of a batch share one set, so that together they keep to each vendor's
// rate limit, reuse its connections (each run's own would stay open, idle, for the
// transport's 90 s), and reuse what a client has learnt: Graph's token, the
// tenant's MFA policies, the Twilio service's code length. Notifiers stay a run's
// own, since the demo's print to the run's screen; they share the HTTP clients.
type vendorClients struct {
	limits *vendorLimits

	httpMu sync.Mutex
	http   map[string]*http.Client // by the CA files trusted besides the system's

	duoOnce sync.Once
	duo     *duo.Client
	duoErr  error

	twilioOnce sync.Once
	twilio     *twilio.Client
	twilioErr  error

	graphOnce sync.Once
	graph     *graph.Client
	graphErr  error

	credOnce   sync.Once
	cred       azcore.TokenCredential
	credClient *http.Client
	credErr    error
}

func newVendorClients(rates config.Rates, clk clock.Clock) *vendorClients {
	return &vendorClients{limits: newVendorLimits(rates, clk), http: map[string]*http.Client{}}
}

// httpClient is the process's HTTP client trusting the system's CAs and caFiles':
// one per set of files, so that its connections are kept and reused.
func (v *vendorClients) httpClient(caFiles ...string) (*http.Client, error) {
	key := strings.Join(caFiles, "\x00")
	v.httpMu.Lock()
	defer v.httpMu.Unlock()
	if c, ok := v.http[key]; ok {
		return c, nil
	}
	c, err := httpclient.New(callTimeout, caFiles...)
	if err != nil {
		return nil, err
	}
	v.http[key] = c
	return c, nil
}

// vendorLimits are the request limiters of one process, one per vendor API: every
// client of that vendor, in every run, waits at the same one, so the vendor sees at
// most the configured limits.rate from all of them together.
type vendorLimits struct {
	duoAdmin, duoAuth, graph, graphCA, twilio, autotask, connectwise, teams, slack *httpcall.Limiter
}

func newVendorLimits(r config.Rates, clk clock.Clock) *vendorLimits {
	// untranslated: the limiters' names are for the tests and a developer's logs.
	l := func(name, vendor string) *httpcall.Limiter {
		return httpcall.NewLimiter(name, r.PerSecond(vendor), clk)
	}
	return &vendorLimits{
		// untranslated: limiter names, as above.
		duoAdmin: l("duo admin", config.RateDuo), duoAuth: l("duo auth", config.RateDuo),
		// untranslated: limiter names, as above.
		graph: l("graph", config.RateGraph), graphCA: httpcall.NewLimiter("graph conditional access", min(config.ConditionalAccessRate, r.PerSecond(config.RateGraph)), clk),
		twilio: l("twilio", config.RateTwilio), autotask: l("autotask", config.RateAutotask),
		connectwise: l("connectwise", config.RateConnectWise), teams: l("teams", config.RateTeams), slack: l("slack", config.RateSlack),
	}
}

// share keeps every limiter to one of parts equal shares of its rate: the team's
// computers running one batch split each vendor's limit between them.
func (l *vendorLimits) share(parts int) {
	for _, lim := range []*httpcall.Limiter{l.duoAdmin, l.duoAuth, l.graph, l.graphCA, l.twilio, l.autotask, l.connectwise, l.teams, l.slack} {
		lim.SetShare(parts)
	}
}

// graphFor is the Graph limiter of a request: Conditional Access has its own, much
// lower, limit.
func (l *vendorLimits) graphFor(req *http.Request) *httpcall.Limiter {
	if strings.Contains(req.URL.Path, "/identity/conditionalAccess/") {
		return l.graphCA
	}
	return l.graph
}

// rateLimits are the limiters this set's clients are given.
func (r *roles) rateLimits() *vendorLimits { return r.vendors.limits }

func (r *roles) Codes() (provider.CodeSender, error) {
	switch r.cfg.Providers.SMS {
	case config.TwilioName:
		return r.twilioClient()
	case config.Portal:
		return portal.Codes{URL: r.cfg.Links.SecurityInfo}, nil
	}
	return r.demoSet.Codes()
}

func (r *roles) Registrar() (provider.PhoneRegistrar, error) {
	switch r.cfg.Providers.PhoneRegistration {
	case config.GraphName:
		return r.graphClient()
	case config.Portal:
		if !r.cfg.Graph.Configured() {
			return portal.Registrar{}, nil
		}
		g, err := r.graphClient()
		if err != nil {
			return nil, err
		}
		return portal.Registrar{Reader: g}, nil
	}
	return r.demoSet.Registrar()
}

// Notifiers returns every channel providers.notify names, built once.
func (r *roles) Notifiers() ([]provider.Notifier, error) {
	r.notifyOnce.Do(func() { r.notifiers, r.notifyErr = r.buildNotifiers() })
	return r.notifiers, r.notifyErr
}

func (r *roles) buildNotifiers() ([]provider.Notifier, error) {
	n := r.cfg.Notify
	configErr := func(err error) ([]provider.Notifier, error) { return nil, &config.Error{File: "config", Err: err} }
	if _, err := message.Parse(n.Template); err != nil {
		return configErr(err)
	}
	var out []provider.Notifier
	for _, name := range r.cfg.Providers.Notify {
		one, err := r.buildNotifier(name)
		if err != nil {
			return configErr(err)
		}
		out = append(out, one)
	}
	return out, nil
}

func (r *roles) buildNotifier(name string) (provider.Notifier, error) {
	switch name {
	case config.SMTPName:
		return r.buildSMTP()
	case config.GraphMailName:
		return r.buildGraphMail()
	case config.TeamsName, config.SlackName:
		return r.buildWebhook(name)
	case config.Autotask:
		return r.buildAutotask()
	case config.ConnectWiseName:
		return r.buildConnectWise()
	}
	demo, err := r.demoSet.Notifiers()
	if err != nil {
		return nil, err
	}
	return demo[0], nil
}

func (r *roles) buildSMTP() (provider.Notifier, error) {
	n := r.cfg.Notify
	pw := ""
	var token func(context.Context) (string, error)
	switch {
	case n.SMTP.Auth == smtp.AuthXOAUTH2:
		// The token is the graph: app registration's, for Exchange Online's scope; the
		// smtp package only asks for one per connection.
		cred, _, err := r.graphCredential()
		if err != nil {
			return nil, err
		}
		token = graph.TokenSource(cred, smtp.ExchangeOnlineScope)
	case n.SMTP.PasswordEnv != "" || n.SMTP.PasswordFile != "" || n.SMTP.PasswordKeychain != "":
		var err error
		if pw, err = r.f.Secrets().Read(secret.Source{Key: "notify.smtp.password", Env: n.SMTP.PasswordEnv, File: n.SMTP.PasswordFile, Keychain: n.SMTP.PasswordKeychain}); err != nil {
			return nil, err
		}
	}
	pool, err := httpclient.Pool(r.cfg.CAFile)
	if err != nil {
		return nil, err
	}
	m, err := smtp.New(smtp.Config{
		Host: n.SMTP.Host, Port: n.SMTP.Port, TLS: n.SMTP.TLS, Username: n.SMTP.Username, Password: pw,
		Auth: n.SMTP.Auth, Token: token,
		From: n.SMTP.From, To: n.SMTP.To, Cc: n.SMTP.Cc, TLSConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12},
		Template: n.Template, Clock: r.f.Clock, Timeout: callTimeout,
	})
	if err != nil {
		return nil, catalog.Wrap(err, "cli.error.labelled", "Label", "notify.smtp")
	}
	return m, nil
}

func (r *roles) buildGraphMail() (provider.Notifier, error) {
	g, err := r.graphClient()
	if err != nil {
		return nil, err
	}
	m := r.cfg.Notify.GraphMail
	mailer, err := g.Mailer(graph.MailConfig{From: m.From, To: m.To, Cc: m.Cc, Template: r.cfg.Notify.Template})
	if err != nil {
		return nil, &config.Error{File: "config", Err: err}
	}
	return mailer, nil
}

func (r *roles) buildWebhook(name string) (provider.Notifier, error) {
	hook := r.cfg.Notify.Teams
	if name == config.SlackName {
		hook = r.cfg.Notify.Slack
	}
	url, err := r.f.Secrets().Read(secret.Source{Key: "notify." + name + ".url", Env: hook.URLEnv, File: hook.URLFile, Keychain: hook.URLKeychain})
	if err != nil {
		return nil, err
	}
	client, err := r.vendors.httpClient(r.cfg.CAFile)
	if err != nil {
		return nil, err
	}
	lim := r.rateLimits().teams
	if name == config.SlackName {
		lim = r.rateLimits().slack
	}
	w, err := webhook.New(webhook.Config{Kind: name, URL: url, HTTPClient: httpcall.Limited(client, lim), Template: r.cfg.Notify.Template, Clock: r.f.Clock})
	if err != nil {
		return nil, catalog.Wrap(err, "cli.error.labelled", "Label", "notify."+name)
	}
	return w, nil
}

func (r *roles) buildAutotask() (provider.Notifier, error) {
	a := r.cfg.Notify.Autotask
	sec, err := r.f.Secrets().Read(secret.Source{Key: "notify.autotask.secret", Env: a.SecretEnv, File: a.SecretFile, Keychain: a.SecretKeychain})
	if err != nil {
		return nil, err
	}
	client, err := r.vendors.httpClient(r.cfg.CAFile)
	if err != nil {
		return nil, err
	}
	t, err := autotask.New(autotask.Config{
		APIUser: a.APIUser, Secret: sec, IntegrationCode: a.IntegrationCode, ZoneURL: a.ZoneURL, BaseURL: a.BaseURL,
		CompanyID: a.CompanyID, QueueID: a.QueueID, Status: a.Status, Priority: a.Priority,
		IssueType: a.IssueType, SubIssueType: a.SubIssueType, Fields: a.Fields, HTTPClient: httpcall.Limited(client, r.rateLimits().autotask), Template: r.cfg.Notify.Template, Clock: r.f.Clock,
	})
	if err != nil {
		return nil, catalog.Wrap(err, "cli.error.labelled", "Label", "notify.autotask")
	}
	return t, nil
}

func (r *roles) buildConnectWise() (provider.Notifier, error) {
	c := r.cfg.Notify.ConnectWise
	key, err := r.f.Secrets().Read(secret.Source{Key: "notify.connectwise.private_key", Env: c.PrivateKeyEnv, File: c.PrivateKeyFile, Keychain: c.PrivateKeyKeychain})
	if err != nil {
		return nil, err
	}
	client, err := r.vendors.httpClient(r.cfg.CAFile)
	if err != nil {
		return nil, err
	}
	t, err := connectwise.New(connectwise.Config{
		Site: c.Site, CompanyID: c.CompanyID, PublicKey: c.PublicKey, PrivateKey: key, ClientID: c.ClientID, Codebase: c.Codebase,
		Board: connectwise.Ref{ID: c.Board.ID, Name: c.Board.Name}, Status: connectwise.Ref{ID: c.Status.ID, Name: c.Status.Name},
		Company: connectwise.CompanyRef{ID: c.Company.ID, Identifier: c.Company.Identifier},
		BaseURL: c.BaseURL, HTTPClient: httpcall.Limited(client, r.rateLimits().connectwise), Template: r.cfg.Notify.Template, Clock: r.f.Clock,
	})
	if err != nil {
		return nil, catalog.Wrap(err, "cli.error.labelled", "Label", "notify.connectwise")
	}
	return t, nil
}

// Enforcer is Graph when this run registers phones through Graph: those credentials
// are a technician's, and enforcing is the support desk's part of the procedure. How
// Graph enforces (graph.enforcement) is its own choice, from the config and the tenant.
func (r *roles) Enforcer() (provider.Enforcer, error) {
	if r.cfg.Providers.PhoneRegistration != config.GraphName {
		return nil, nil
	}
	return r.graphClient()
}

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
	for _, name := range r.cfg.Providers.Notify {
		if name == config.Fake {
			continue
		}
		out[name] = func() (provider.Checker, error) {
			n, err := r.buildNotifier(name)
			if err != nil {
				return nil, &config.Error{File: "config", Err: err}
			}
			c, ok := n.(provider.Checker)
			if !ok {
				return nil, catalog.NewError("cli.check.none", "Key", "notify."+name)
			}
			return c, nil
		}
	}
	if r.cfg.Providers.SMS == config.TwilioName {
		out["twilio"] = func() (provider.Checker, error) { return r.twilioClient() }
	}
	if r.cfg.Providers.PhoneRegistration == config.GraphName || r.cfg.Graph.Configured() {
		out["graph"] = func() (provider.Checker, error) { return r.graphClient() }
	}
	return out
}

func (r *roles) twilioClient() (*twilio.Client, error) {
	v := r.vendors
	v.twilioOnce.Do(func() { v.twilio, v.twilioErr = r.buildTwilio() })
	return v.twilio, v.twilioErr
}

func (r *roles) buildTwilio() (*twilio.Client, error) {
	t := r.cfg.Twilio
	token, err := r.f.Secrets().Read(secret.Source{Key: "twilio.auth_token", Env: t.AuthTokenEnv, File: t.AuthTokenFile, Keychain: t.AuthTokenKeychain})
	if err != nil {
		return nil, &config.Error{File: "config", Err: err}
	}
	client, err := r.vendors.httpClient(r.cfg.CAFile)
	if err != nil {
		return nil, &config.Error{File: "config", Err: err}
	}
	c, err := twilio.New(twilio.Config{
		AccountSID: t.AccountSID, AuthToken: token, ServiceSID: t.VerifyServiceSID, BaseURL: t.BaseURL,
		HTTPClient: httpcall.Limited(client, r.rateLimits().twilio), Clock: r.f.Clock,
		ResendCoolDown: r.cfg.Limits.ResendCoolDown.D(), CodeValid: r.cfg.Limits.CodeValid.D(),
	})
	if err != nil {
		return nil, &config.Error{File: "config", Err: err}
	}
	return c, nil
}

func (r *roles) graphClient() (*graph.Client, error) {
	v := r.vendors
	v.graphOnce.Do(func() { v.graph, v.graphErr = r.buildGraph() })
	return v.graph, v.graphErr
}

// graphEnforcement is graph.enforcement where this run can enforce, and none where
// it never does: only the Graph route enforces (see Enforcer).
func graphEnforcement(cfg *config.Config) string {
	if cfg.Providers.PhoneRegistration != config.GraphName {
		return graph.EnforceNone
	}
	return cfg.Graph.Enforcement
}

// graphNeeds lists the Graph application permissions the configured roles use, so
// providers check asks for exactly those; a role served through Graph adds its own.
func graphNeeds(cfg *config.Config) []graph.Need {
	var needs []graph.Need
	switch cfg.Providers.PhoneRegistration {
	case config.GraphName:
		needs = append(needs, graph.RegisterPhonesNeed())
		needs = append(needs, graph.EnforcementNeeds(graphEnforcement(cfg), cfg.Graph.EnforcementGroup)...)
	case config.Portal:
		needs = append(needs, graph.ReadPhonesNeed())
	}
	if slices.Contains(cfg.Providers.Notify, config.GraphMailName) {
		needs = append(needs, graph.MailSendNeed())
	}
	return needs
}

func (r *roles) buildGraph() (*graph.Client, error) {
	g := r.cfg.Graph
	cred, client, err := r.graphCredential()
	if err != nil {
		return nil, err
	}
	// The token requests keep the credential's own client: they go to the authority,
	// not to Graph, and do not count against Graph's limits.
	c, err := graph.New(graph.Config{TenantID: g.TenantID, ClientID: g.ClientID, Credential: cred, BaseURL: g.BaseURL, HTTPClient: httpcall.LimitedBy(client, r.rateLimits().graphFor), Clock: r.f.Clock,
		Needs: graphNeeds(r.cfg), Enforcement: graphEnforcement(r.cfg), EnforcementGroup: g.EnforcementGroup})
	if err != nil {
		return nil, &config.Error{File: "config", Err: err}
	}
	return c, nil
}

// graphCredential is the app registration's credential, built once: every use of the
// tenant (Graph calls, mail through Graph, SMTP's OAuth token) shares it and so its
// token cache.
func (r *roles) graphCredential() (azcore.TokenCredential, *http.Client, error) {
	v := r.vendors
	v.credOnce.Do(func() { v.cred, v.credClient, v.credErr = r.buildGraphCredential() })
	return v.cred, v.credClient, v.credErr
}

func (r *roles) buildGraphCredential() (azcore.TokenCredential, *http.Client, error) {
	g := r.cfg.Graph
	client, err := r.vendors.httpClient(r.cfg.CAFile)
	if err != nil {
		return nil, nil, &config.Error{File: "config", Err: err}
	}
	var cred azcore.TokenCredential
	if g.ClientCertificateFile != "" {
		cred, err = graph.NewCertificateCredential(g.TenantID, g.ClientID, g.ClientCertificateFile, g.AuthorityHost, client)
	} else {
		var sec string
		sec, err = r.f.Secrets().Read(secret.Source{Key: "graph.client_secret", Env: g.ClientSecretEnv, File: g.ClientSecretFile, Keychain: g.ClientSecretKeychain})
		if err == nil {
			cred, err = graph.NewSecretCredential(g.TenantID, g.ClientID, sec, g.AuthorityHost, client)
		}
	}
	if err != nil {
		return nil, nil, &config.Error{File: "config", Err: err}
	}
	return cred, client, nil
}

func (r *roles) duoClient() (*duo.Client, error) {
	v := r.vendors
	v.duoOnce.Do(func() { v.duo, v.duoErr = r.buildDuo() })
	return v.duo, v.duoErr
}

func (r *roles) buildDuo() (*duo.Client, error) {
	d := r.cfg.Duo
	adminKey, err := r.f.Secrets().Read(secret.Source{Key: "duo.admin_skey", Env: d.AdminSKeyEnv, File: d.AdminSKeyFile, Keychain: d.AdminSKeyKeychain})
	if err != nil {
		return nil, &config.Error{File: "config", Err: err}
	}
	authKey, err := r.f.Secrets().Read(secret.Source{Key: "duo.auth_skey", Env: d.AuthSKeyEnv, File: d.AuthSKeyFile, Keychain: d.AuthSKeyKeychain})
	if err != nil {
		return nil, &config.Error{File: "config", Err: err}
	}
	client, err := r.vendors.httpClient(r.cfg.CAFile, d.CAFile)
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
		HTTPClient:      duo.Limited(client, r.rateLimits().duoAdmin, r.rateLimits().duoAuth),
		ActivationValid: valid,
		CreateUsers:     d.CreateUsers,
		Clock:           r.f.Clock,
		CallTimeout:     callTimeout,
	})
}
