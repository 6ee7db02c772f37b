// Package config holds the organisation's settings: names, links, which provider
// serves each role and the limits. With no file at all the embedded default runs the
// whole procedure on the offline demo providers.
package config

import (
	"bytes"
	"cmp"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/phone"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/autotask"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/message"
)

//go:embed default.yaml
var defaultYAML []byte

// Config is the whole configuration.
type Config struct {
	Organisation string `yaml:"organisation"`
	// UserDomain is the mail domain the email question gives in its example (never a
	// guessed address: a guess would be saved as the person).
	UserDomain     string    `yaml:"user_domain"`
	Support        Support   `yaml:"support"`
	DefaultCountry string    `yaml:"default_country"`
	Links          Links     `yaml:"links"`
	Providers      Providers `yaml:"providers"`
	Limits         Limits    `yaml:"limits"`
	// CAFile is an extra CA bundle every provider trusts (a TLS-inspecting proxy).
	CAFile string `yaml:"ca_file"`
	Duo    Duo    `yaml:"duo"`
	Graph  Graph  `yaml:"graph"`
	Twilio Twilio `yaml:"twilio"`
	Notify Notify `yaml:"notify"`
	Remind Remind `yaml:"remind"`
	// Store is where people's progress is kept: files on this computer, or a
	// PostgreSQL database a team of technicians shares.
	Store Store `yaml:"store"`
}

// Store kinds.
const (
	StoreFiles    = "files"
	StorePostgres = "postgres"
)

// Store says where progress is kept. A PostgreSQL connection string may hold a
// password, so it is never written here: only the variable, file or keychain entry
// that holds it.
type Store struct {
	Kind        string `yaml:"kind"`
	DSNEnv      string `yaml:"dsn_env"`
	DSNFile     string `yaml:"dsn_file"`
	DSNKeychain string `yaml:"dsn_keychain"`
}

// Shared reports whether progress is kept in a database rather than in files.
func (s Store) Shared() bool { return s.Kind == StorePostgres }

func (s Store) validate() error {
	switch s.Kind {
	case "", StoreFiles:
		if s.DSNEnv != "" || s.DSNFile != "" || s.DSNKeychain != "" {
			return bad(catalog.NewError("config.store.dsn-for-files", "Key", "store.kind"))
		}
		return nil
	case StorePostgres:
		if s.DSNEnv == "" && s.DSNFile == "" && s.DSNKeychain == "" {
			return bad(catalog.NewError("config.store.no-dsn", "Key", "store.dsn_env"))
		}
		return nil
	}
	return bad(catalog.NewError("config.value.not-one-of", "Key", "store.kind", "Value", strconv.Quote(s.Kind), "Allowed", StoreFiles+", "+StorePostgres))
}

// Notify configures each way of telling the support desk named in providers.notify.
type Notify struct {
	// Template is the MSP's own message (Go text/template); empty is the built-in one.
	Template string        `yaml:"template"`
	SMTP     SMTP          `yaml:"smtp"`
	Teams    Webhook       `yaml:"teams"`
	Slack    Webhook       `yaml:"slack"`
	Autotask AutotaskNotes `yaml:"autotask"`
	// GraphMail sends the notice through Microsoft Graph with the graph: app
	// registration, where Exchange Online no longer takes a password over SMTP.
	GraphMail GraphMail `yaml:"graph_mail"`
	// ConnectWise files the notice as a ConnectWise PSA service ticket.
	ConnectWise ConnectWise `yaml:"connectwise"`
}

// GraphMail is who the notice is mailed from (a licensed or shared mailbox) and to.
type GraphMail struct {
	From string   `yaml:"from"`
	To   []string `yaml:"to"`
	Cc   []string `yaml:"cc"`
}

// SMTP is the mail server the notice goes through.
type SMTP struct {
	Host             string   `yaml:"host"`
	Port             int      `yaml:"port"`
	TLS              string   `yaml:"tls"`
	Username         string   `yaml:"username"`
	PasswordEnv      string   `yaml:"password_env"`
	PasswordFile     string   `yaml:"password_file"`
	PasswordKeychain string   `yaml:"password_keychain"`
	From             string   `yaml:"from"`
	To               []string `yaml:"to"`
	Cc               []string `yaml:"cc"`
	// Auth is plain (the default: username and password) or xoauth2 (an OAuth token
	// from the graph: app registration, for Exchange Online; username is the mailbox).
	Auth string `yaml:"auth"`
}

// Webhook is a chat webhook; its URL holds a secret, so it comes from env or a file.
type Webhook struct {
	URLEnv      string `yaml:"url_env"`
	URLFile     string `yaml:"url_file"`
	URLKeychain string `yaml:"url_keychain"`
}

// AutotaskNotes is the PSA the notice is filed in as a ticket.
type AutotaskNotes struct {
	APIUser         string `yaml:"api_user"`
	SecretEnv       string `yaml:"secret_env"`
	SecretFile      string `yaml:"secret_file"`
	SecretKeychain  string `yaml:"secret_keychain"`
	IntegrationCode string `yaml:"integration_code"`
	ZoneURL         string `yaml:"zone_url"`
	BaseURL         string `yaml:"base_url"`
	CompanyID       int64  `yaml:"company_id"`
	QueueID         int64  `yaml:"queue_id"`
	Status          int    `yaml:"status"`
	Priority        int    `yaml:"priority"`
	IssueType       int    `yaml:"issue_type"`
	SubIssueType    int    `yaml:"sub_issue_type"`
	// Fields are further ticket fields the tenant requires (billingCodeID: 29682801,
	// ticketCategory: 3…), sent into the ticket as written.
	Fields AutotaskFields `yaml:"fields"`
}

// AutotaskFields are extra ticket fields, each one YAML value kept as written: a
// number, true/false or text (a date stays the text it was written as, since the
// ticket takes it as text).
type AutotaskFields map[string]any

// UnmarshalYAML takes a map of single values, naming the field and its line otherwise.
func (f *AutotaskFields) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return catalog.NewError("config.autotask.fields.not-a-map", "Line", n.Line)
	}
	out := AutotaskFields{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if v.Kind == yaml.AliasNode {
			v = v.Alias
		}
		key := "notify.autotask.fields." + k.Value
		switch {
		case v.Kind != yaml.ScalarNode:
			return catalog.NewError("config.autotask.field.not-single", "Line", v.Line, "Key", key)
		case v.Tag == "!!null":
			return catalog.NewError("config.autotask.field.empty", "Line", k.Line, "Key", key)
		case v.Tag == "!!timestamp":
			out[k.Value] = v.Value
		default:
			var value any
			if err := v.Decode(&value); err != nil {
				return catalog.Wrap(err, "config.line.key", "Line", v.Line, "Key", key)
			}
			out[k.Value] = value
		}
	}
	*f = out
	return nil
}

// ConnectWise is the ConnectWise PSA (Manage) company the notice is filed in as a
// service ticket. The API member's private key is never written here, only where to
// find it.
type ConnectWise struct {
	// Site is the API host, such as api-na.myconnectwise.net.
	Site string `yaml:"site"`
	// CompanyID is the company typed at ConnectWise's login.
	CompanyID          string `yaml:"company_id"`
	PublicKey          string `yaml:"public_key"`
	PrivateKeyEnv      string `yaml:"private_key_env"`
	PrivateKeyFile     string `yaml:"private_key_file"`
	PrivateKeyKeychain string `yaml:"private_key_keychain"`
	// ClientID is the integration's GUID from developer.connectwise.com.
	ClientID string `yaml:"client_id"`
	// Codebase is the path before apis/3.0 ("v4_6_release/"); empty asks the site.
	Codebase string             `yaml:"codebase"`
	Board    ConnectWiseRef     `yaml:"board"`
	Status   ConnectWiseRef     `yaml:"status"`
	Company  ConnectWiseCompany `yaml:"company"`
	// BaseURL replaces https://<site>/ (tests).
	BaseURL string `yaml:"base_url"`
}

// ConnectWiseRef names a board or a status by id or by name.
type ConnectWiseRef struct {
	ID   int64  `yaml:"id"`
	Name string `yaml:"name"`
}

// ConnectWiseCompany names the customer company by id or by identifier.
type ConnectWiseCompany struct {
	ID         int64  `yaml:"id"`
	Identifier string `yaml:"identifier"`
}

// Graph is the Entra ID app registration that registers phone methods. The client
// secret (or certificate) is never written here, only where to find it.
type Graph struct {
	TenantID              string `yaml:"tenant_id"`
	ClientID              string `yaml:"client_id"`
	ClientSecretEnv       string `yaml:"client_secret_env"`
	ClientSecretFile      string `yaml:"client_secret_file"`
	ClientSecretKeychain  string `yaml:"client_secret_keychain"`
	ClientCertificateFile string `yaml:"client_certificate_file"`
	// AuthorityHost and BaseURL are for national clouds and tests.
	AuthorityHost string `yaml:"authority_host"`
	BaseURL       string `yaml:"base_url"`
	// Enforcement is how a technician's run makes MFA required: auto (from what the
	// tenant uses; "" is auto), per-user, group or none.
	Enforcement string `yaml:"enforcement"`
	// EnforcementGroup is the object id of the group the tenant's Conditional Access
	// policies require MFA of; needed by group, used by auto where those policies decide.
	EnforcementGroup string `yaml:"enforcement_group"`
}

// The values of graph.enforcement.
const (
	EnforceAuto    = "auto"
	EnforcePerUser = "per-user"
	EnforceGroup   = "group"
	EnforceNone    = "none"
)

// objectID is the form of an Entra ID object id (a GUID).
var objectID = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
})

// Configured reports whether Graph credentials are given at all (the portal route
// uses them, read-only, when they are).
func (g Graph) Configured() bool { return g.TenantID != "" || g.ClientID != "" }

// Twilio is the Verify service that texts and checks codes.
type Twilio struct {
	AccountSID        string `yaml:"account_sid"`
	AuthTokenEnv      string `yaml:"auth_token_env"`
	AuthTokenFile     string `yaml:"auth_token_file"`
	AuthTokenKeychain string `yaml:"auth_token_keychain"`
	VerifyServiceSID  string `yaml:"verify_service_sid"`
	BaseURL           string `yaml:"base_url"`
}

// Duo is the Duo account: the Admin API integration enrolls, the Auth API one pushes.
// Secret keys are never written here, only where to find them.
type Duo struct {
	APIHost             string `yaml:"api_host"`
	AdminIKey           string `yaml:"admin_ikey"`
	AdminSKeyEnv        string `yaml:"admin_skey_env"`
	AdminSKeyFile       string `yaml:"admin_skey_file"`
	AdminSKeyKeychain   string `yaml:"admin_skey_keychain"`
	AuthIKey            string `yaml:"auth_ikey"`
	AuthSKeyEnv         string `yaml:"auth_skey_env"`
	AuthSKeyFile        string `yaml:"auth_skey_file"`
	AuthSKeyKeychain    string `yaml:"auth_skey_keychain"`
	CAFile              string `yaml:"ca_file"`
	ActivationValidSecs int    `yaml:"activation_valid_secs"`
	CreateUsers         bool   `yaml:"create_users"`
}

// Provider names.
const (
	Fake       = "fake"
	DuoName    = "duo"
	TwilioName = "twilio"
	GraphName  = "graph"
	SMTPName   = "smtp"
	TeamsName  = "teams"
	SlackName  = "slack"
	Autotask   = "autotask"
	// GraphMailName is mail through Microsoft Graph's sendMail.
	GraphMailName = "graph-mail"
	// ConnectWiseName is a ConnectWise PSA service ticket.
	ConnectWiseName = "connectwise"
	// Portal is the route without Graph write access: the person adds the phone on
	// Microsoft's own security-info page, and Microsoft texts the code.
	Portal = "portal"
)

// Support is the desk that is told when a user is done.
type Support struct {
	Name  string `yaml:"name"`
	Email string `yaml:"email"`
}

// Links are the addresses people are sent to.
type Links struct {
	OfficePortal string `yaml:"office_portal"`
	SecurityInfo string `yaml:"security_info"`
	AppStore     string `yaml:"app_store"`
	GooglePlay   string `yaml:"google_play"`
}

// Providers names the backend serving each role.
type Providers struct {
	SMS               string   `yaml:"sms"`
	PhoneRegistration string   `yaml:"phone_registration"`
	Notify            []string `yaml:"notify"`
	Duo               string   `yaml:"duo"`
}

// Limits are the numbers that keep codes and pushes safe.
type Limits struct {
	CodeAttempts    int      `yaml:"code_attempts"`
	CodeValid       Duration `yaml:"code_valid"`
	ResendCoolDown  Duration `yaml:"resend_cooldown"`
	ActivationValid Duration `yaml:"activation_valid"`
	PushValid       Duration `yaml:"push_valid"`
	// Rate is how many requests a second this process sends each vendor's API, all
	// its runs together (a batch's workers share one limiter per vendor).
	Rate Rates `yaml:"rate"`
}

// Rates are limits.rate: requests a second per vendor; one left out (zero) is the
// vendor's default (DefaultRates).
type Rates struct {
	// Duo applies to the Admin API and the Auth API each.
	Duo         Rate `yaml:"duo"`
	Graph       Rate `yaml:"graph"`
	Twilio      Rate `yaml:"twilio"`
	Autotask    Rate `yaml:"autotask"`
	ConnectWise Rate `yaml:"connectwise"`
	Teams       Rate `yaml:"teams"`
	Slack       Rate `yaml:"slack"`
}

// The vendors limits.rate names.
const (
	RateDuo         = "duo"
	RateGraph       = "graph"
	RateTwilio      = "twilio"
	RateAutotask    = "autotask"
	RateConnectWise = "connectwise"
	RateTeams       = "teams"
	RateSlack       = "slack"
)

// DefaultRates are requests a second per vendor, kept under what each vendor
// publishes, so that a batch is never the reason a tenant is throttled:
//   - duo 5/s (each API): Duo publishes no request rate for the Admin and Auth API
//     endpoints used, only object and SSO limits, and answers 429 (code 42901)
//     beyond its own (https://duo.com/docs/rate-limits).
//   - graph 10/s: Microsoft Graph's identity and access limits allow an app 3,500
//     resource units per 10 s in a tenant under 50 users and 3,000 writes per 150 s
//     (20/s); 10/s leaves half the write quota to the tenant's other apps
//     (https://learn.microsoft.com/graph/throttling-limits#identity-and-access-service-limits).
//     Conditional Access reads, limited to 1/s per tenant for all apps, have their
//     own limiter (ConditionalAccessRate).
//   - twilio 10/s: Twilio limits each account's concurrent requests (error 20429,
//     https://www.twilio.com/docs/api/errors/20429) and Verify's status checks
//     (https://www.twilio.com/docs/verify/api/rate-limits-and-timeouts); a batch
//     makes a few calls a person.
//   - autotask 1/s: 3,600 an hour, under the 10,000 an hour one Autotask database
//     allows all its integrations together, and under the half of it past which
//     Autotask slows every answer down
//     (https://ww1.autotask.net/help/DeveloperHelp/Content/APIs/REST/General_Topics/REST_Thresholds_Limits.htm);
//     at this rate calls also stay within its 3 threads per endpoint
//     (https://ww1.autotask.net/help/DeveloperHelp/Content/APIs/General/ThreadLimiting.htm).
//   - connectwise 2/s: ConnectWise PSA publishes no number, and answers 429 with
//     Retry-After when it throttles (https://developer.connectwise.com); a ticket
//     search and a create per person.
//   - teams 1/s, slack 1/s: Slack allows posting one message a second, short bursts
//     aside (https://api.slack.com/docs/rate-limits); Microsoft documents no rate for a
//     Teams Workflows webhook, and one notice a second is plenty.
var DefaultRates = map[string]float64{
	RateDuo: 5, RateGraph: 10, RateTwilio: 10, RateAutotask: 1, RateConnectWise: 2, RateTeams: 1, RateSlack: 1,
}

// ConditionalAccessRate is Microsoft Graph's limit on Conditional Access requests:
// 1 a second per tenant, for all apps together
// (https://learn.microsoft.com/graph/throttling-limits#identity-protection-and-conditional-access-service-limits).
const ConditionalAccessRate = 1.0

// PerSecond is vendor's rate: the configured one, else its default.
func (r Rates) PerSecond(vendor string) float64 {
	set := map[string]Rate{
		RateDuo: r.Duo, RateGraph: r.Graph, RateTwilio: r.Twilio, RateAutotask: r.Autotask,
		RateConnectWise: r.ConnectWise, RateTeams: r.Teams, RateSlack: r.Slack,
	}[vendor]
	if set > 0 {
		return float64(set)
	}
	return DefaultRates[vendor]
}

// maxRate bounds a configured rate: no vendor here takes more, and a larger number
// is a typo that would take the limit away.
const maxRate = 1000

// Rate is requests a second, written 10/s, 600/min or 3600/h (a bare number is per
// second).
type Rate float64

// UnmarshalYAML reads a rate in its unit.
func (r *Rate) UnmarshalYAML(n *yaml.Node) error {
	num, unit, _ := strings.Cut(strings.TrimSpace(n.Value), "/")
	per := map[string]float64{"": 1, "s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600, "hour": 3600}[strings.TrimSpace(unit)]
	v, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	switch {
	case err != nil || per == 0 || math.IsNaN(v) || math.IsInf(v, 0):
		return catalog.NewError("config.rate.invalid", "Line", n.Line, "Value", strconv.Quote(n.Value))
	case v <= 0:
		return catalog.NewError("config.rate.zero", "Line", n.Line, "Value", strconv.Quote(n.Value))
	case v/per > maxRate:
		return catalog.NewError("config.rate.too-fast", "Line", n.Line, "Value", strconv.Quote(n.Value), "Max", maxRate)
	}
	*r = Rate(v / per)
	return nil
}

// Duration is a time.Duration written the Go way in YAML ("30s", "10m").
type Duration time.Duration

// D returns the duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// UnmarshalYAML reads "30s"-style durations.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil || v <= 0 {
		return catalog.NewError("config.duration.invalid", "Line", n.Line, "Value", strconv.Quote(n.Value))
	}
	*d = Duration(v)
	return nil
}

// Error is a configuration problem; the run stops with exit code 2.
type Error struct {
	File string
	Err  error
}

func (e *Error) Error() string { return e.Localize(nil) }

// Localize is the problem in p's language.
func (e *Error) Localize(p *catalog.Printer) string {
	if e.File == "" || e.File == "config" {
		// A problem found after loading (a secret the config points at), not in a file.
		return p.T("config.error", "Err", e.Err)
	}
	return p.T("config.error.file", "File", e.File, "Err", e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// Default returns the embedded demo configuration.
func Default() *Config {
	c, err := decode(bytes.NewReader(defaultYAML), &Config{})
	if err != nil {
		// The embedded file is part of the program; a test covers it.
		panic(fmt.Sprintf("embedded default config: %v", err)) // untranslated: a broken build, which the tests catch
	}
	return c
}

// MaxFileSize is the most Load reads of a config file. A configuration is a few
// kilobytes; a far larger file is not one (a log, a disk image named by mistake), and
// reading it would hold it all in memory and could quote a huge value in an error.
const MaxFileSize = 256 << 10

// Load reads path over the embedded default. A missing file is the default, unless
// required (the user named it with --config).
func Load(path string, required bool) (*Config, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) && !required {
		return Default(), nil
	}
	if err != nil {
		return nil, &Error{File: path, Err: err}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, &Error{File: path, Err: err}
	}
	if len(data) > MaxFileSize {
		return nil, &Error{File: path, Err: catalog.NewError("config.file.too-large")}
	}
	c, err := decode(bytes.NewReader(data), Default())
	if err != nil {
		return nil, &Error{File: path, Err: err}
	}
	if err := checkTemplate(c.Notify.Template, data); err != nil {
		return nil, &Error{File: path, Err: err}
	}
	return c, nil
}

// checkTemplate fills notify.template in with a sample notice, as every support
// channel will, so that a mistake in it (a syntax error, an unknown function or
// field) stops the run at load, with exit code 2 and its line, rather than at the
// notify step, after the phone was verified, as a step waiting with exit code 3.
func checkTemplate(tmpl string, data []byte) error {
	if strings.TrimSpace(tmpl) == "" {
		return nil // the built-in message
	}
	sample := provider.Notice{
		ID: "mfa-onboard-config-check", User: "alice@example.com", Organisation: "Example",
		// untranslated: a sample notice the template is tried on, which nobody reads
		MaskedPhone: "+1 ***-***-0100", Completed: []string{"mobile number verified", "registered as the Microsoft 365 sign-in phone"},
		When: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Computer: "PC-1",
	}
	if _, _, err := message.Render(tmpl, sample); err != nil {
		if line := lineOf(data, "notify.template"); line > 0 {
			return catalog.Wrap(err, "config.line", "Line", line)
		}
		return err
	}
	return nil
}

func decode(r io.Reader, base *Config) (*Config, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(base); err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if err := base.validate(); err != nil {
		var bad *badValue
		if errors.As(err, &bad) {
			if line := lineOf(data, bad.key); line > 0 {
				return nil, catalog.Wrap(err, "config.line", "Line", line)
			}
		}
		return nil, err
	}
	return base, nil
}

// badValue is a value that parsed but is not allowed; key is its dotted path.
type badValue struct {
	key string
	msg *catalog.Error
}

func (e *badValue) Error() string { return e.msg.Error() }

// Localize is the problem in p's language.
func (e *badValue) Localize(p *catalog.Printer) string { return e.msg.Localize(p) }

// bad is the value msg says is not allowed: msg names it as its value Key, which is
// the key lineOf looks for.
func bad(msg *catalog.Error) error {
	b := &badValue{msg: msg}
	for i := 0; i+1 < len(msg.Args); i += 2 {
		if msg.Args[i] == "Key" {
			b.key, _ = msg.Args[i+1].(string)
		}
	}
	return b
}

// lineOf finds the line of a dotted key in a YAML document, 0 if it is not there
// (the value came from the embedded default).
func lineOf(data []byte, key string) int {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return 0
	}
	n := doc.Content[0]
	for _, part := range strings.Split(key, ".") {
		next := (*yaml.Node)(nil)
		for i := 0; n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == part {
				next = n.Content[i+1]
			}
		}
		if next == nil {
			return 0
		}
		n = next
	}
	return n.Line
}

func (c *Config) validate() error {
	if err := c.checkSingleLine(); err != nil {
		return err
	}
	switch {
	case c.Organisation == "":
		return bad(catalog.NewError("config.organisation.empty", "Key", "organisation"))
	case !phone.KnownRegion(c.DefaultCountry):
		return bad(catalog.NewError("config.country.unknown", "Key", "default_country", "Value", strconv.Quote(c.DefaultCountry)))
	case len(c.Providers.Notify) == 0:
		return bad(catalog.NewError("config.notify.none", "Key", "providers.notify"))
	case c.Limits.CodeAttempts < 1 || c.Limits.CodeAttempts > 10:
		return bad(catalog.NewError("config.code-attempts.range", "Key", "limits.code_attempts", "Value", c.Limits.CodeAttempts))
	}
	for key, v := range map[string]struct {
		name    string
		allowed []string
	}{
		"providers.sms":                {c.Providers.SMS, []string{Fake, TwilioName, Portal}},
		"providers.phone_registration": {c.Providers.PhoneRegistration, []string{Fake, GraphName, Portal}},
		"providers.duo":                {c.Providers.Duo, []string{Fake, DuoName}},
	} {
		if !slices.Contains(v.allowed, v.name) {
			return bad(catalog.NewError("config.value.not-one-of", "Key", key, "Value", strconv.Quote(v.name), "Allowed", strings.Join(v.allowed, ", ")))
		}
	}
	notifiers := []string{Fake, SMTPName, GraphMailName, TeamsName, SlackName, Autotask, ConnectWiseName}
	for _, n := range c.Providers.Notify {
		if !slices.Contains(notifiers, n) {
			return bad(catalog.NewError("config.value.not-one-of", "Key", "providers.notify", "Value", strconv.Quote(n), "Allowed", strings.Join(notifiers, ", ")))
		}
	}
	if err := c.Notify.validate(c.Providers.Notify); err != nil {
		return err
	}
	if (c.Providers.SMS == Portal) != (c.Providers.PhoneRegistration == Portal) {
		return bad(catalog.NewError("config.portal.both", "Key", "providers.sms", "SMS", strconv.Quote(c.Providers.SMS), "Registration", strconv.Quote(c.Providers.PhoneRegistration)))
	}
	if c.Providers.Duo == DuoName {
		if err := c.Duo.validate(); err != nil {
			return err
		}
	}
	if c.Providers.SMS == TwilioName {
		if err := c.Twilio.validate(); err != nil {
			return err
		}
	}
	if slices.Contains(c.Providers.Notify, GraphMailName) && !c.Graph.Configured() {
		return bad(catalog.NewError("config.graph-mail.no-graph", "Key", "graph.tenant_id"))
	}
	if slices.Contains(c.Providers.Notify, SMTPName) {
		if err := c.Notify.SMTP.validate(c.Graph); err != nil {
			return err
		}
	}
	if err := c.Remind.validate(); err != nil {
		return err
	}
	if err := c.Store.validate(); err != nil {
		return err
	}
	if c.Providers.PhoneRegistration == GraphName || c.Graph.Configured() {
		return c.Graph.validate()
	}
	return nil
}

// Remind is when and how "mfa-onboard remind" nudges people who wait on a part only
// they can do. Each value left out (or max 0) is its default: after 72h, every 24h,
// max 3, channel auto.
type Remind struct {
	// After is how long a person waits on their part before the first reminder.
	After Span `yaml:"after"`
	// Every is the least time between two reminders to one person.
	Every Span `yaml:"every"`
	// Max is how many reminders a person gets before their manager (or, with none
	// recorded, the support desk) is told instead.
	Max int `yaml:"max"`
	// Channel is how reminders reach people: mail (to their work address, through the
	// first providers.notify channel that can mail a person), or auto, which is mail
	// while no SMS provider can send a message of the tool's own.
	Channel string `yaml:"channel"`
}

// The defaults of remind, and its channels.
const (
	DefaultRemindAfter = 72 * time.Hour
	DefaultRemindEvery = 24 * time.Hour
	DefaultRemindMax   = 3
	RemindAuto         = "auto"
	RemindMail         = "mail"
	RemindSMS          = "sms"
)

// WaitAfter is remind.after, or its default.
func (r Remind) WaitAfter() time.Duration { return cmp.Or(r.After.d, DefaultRemindAfter) }

// Interval is remind.every, or its default.
func (r Remind) Interval() time.Duration { return cmp.Or(r.Every.d, DefaultRemindEvery) }

// Limit is remind.max, or its default.
func (r Remind) Limit() int { return cmp.Or(r.Max, DefaultRemindMax) }

// Via is remind.channel, or its default.
func (r Remind) Via() string { return cmp.Or(r.Channel, RemindAuto) }

func (r Remind) validate() error {
	for _, s := range []struct {
		key  string
		span Span
	}{{"remind.after", r.After}, {"remind.every", r.Every}} {
		switch {
		case s.span.invalid:
			return bad(catalog.NewError("config.span.invalid", "Key", s.key, "Value", strconv.Quote(s.span.text)))
		case s.span.d != 0 && s.span.d < time.Hour:
			// A reminder is a mail to a person: more than one an hour is nagging.
			if s.key == "remind.after" {
				return bad(catalog.NewError("config.remind.too-soon", "Key", s.key, "Value", s.span.d))
			}
			return bad(catalog.NewError("config.remind.too-often", "Key", s.key, "Value", s.span.d))
		}
	}
	switch {
	case r.Max < 0 || r.Max > 20:
		return bad(catalog.NewError("config.remind.max.range", "Key", "remind.max", "Value", r.Max, "Default", DefaultRemindMax))
	case r.Channel == RemindSMS:
		// Twilio Verify sends only its own verification messages: a custom message is
		// refused (https://www.twilio.com/docs/api/errors/60243, and customMessage is
		// deprecated, https://www.twilio.com/docs/api/errors/60241).
		return bad(catalog.NewError("config.remind.sms", "Key", "remind.channel"))
	case r.Channel != "" && r.Channel != RemindAuto && r.Channel != RemindMail:
		return bad(catalog.NewError("config.value.not-one-of", "Key", "remind.channel", "Value", strconv.Quote(r.Channel), "Allowed", strings.Join([]string{RemindAuto, RemindMail, RemindSMS}, ", ")))
	}
	return nil
}

// Span is a length of time written the Go way (72h, 90m) or in whole days (3d). What
// it cannot read is kept, so that validation can name its key and line.
type Span struct {
	d       time.Duration
	text    string
	invalid bool
}

// D is the length of time; zero when it was left out.
func (s Span) D() time.Duration { return s.d }

// UnmarshalYAML reads 72h or 3d; anything else is reported by validate.
func (s *Span) UnmarshalYAML(n *yaml.Node) error {
	*s = Span{text: n.Value}
	v := strings.TrimSpace(n.Value)
	if days, ok := strings.CutSuffix(v, "d"); ok {
		if d, err := strconv.Atoi(days); err == nil && d > 0 && d <= 3650 {
			s.d = time.Duration(d) * 24 * time.Hour
			return nil
		}
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		s.invalid = true
		return nil
	}
	s.d = d
	return nil
}

func (g Graph) validate() error {
	switch {
	case g.TenantID == "":
		return bad(catalog.NewError("config.graph.tenant-id.missing", "Key", "graph.tenant_id"))
	case g.ClientID == "":
		return bad(catalog.NewError("config.graph.client-id.missing", "Key", "graph.client_id"))
	case g.ClientSecretEnv == "" && g.ClientSecretFile == "" && g.ClientSecretKeychain == "" && g.ClientCertificateFile == "":
		return bad(catalog.NewError("config.graph.secret.missing", "Key", "graph.client_secret_env"))
	case g.Enforcement != "" && !slices.Contains([]string{EnforceAuto, EnforcePerUser, EnforceGroup, EnforceNone}, g.Enforcement):
		return bad(catalog.NewError("config.value.not-one-of", "Key", "graph.enforcement", "Value", strconv.Quote(g.Enforcement), "Allowed", strings.Join([]string{EnforceAuto, EnforcePerUser, EnforceGroup, EnforceNone}, ", ")))
	case g.Enforcement == EnforceGroup && g.EnforcementGroup == "":
		return bad(catalog.NewError("config.graph.group.missing", "Key", "graph.enforcement_group"))
	case g.EnforcementGroup != "" && !objectID().MatchString(g.EnforcementGroup):
		return bad(catalog.NewError("config.graph.group.not-an-id", "Key", "graph.enforcement_group", "Value", strconv.Quote(g.EnforcementGroup)))
	}
	return nil
}

func (t Twilio) validate() error {
	switch {
	case t.AccountSID == "":
		return bad(catalog.NewError("config.twilio.account-sid.missing", "Key", "twilio.account_sid"))
	case t.AuthTokenEnv == "" && t.AuthTokenFile == "" && t.AuthTokenKeychain == "":
		return bad(catalog.NewError("config.twilio.token.missing", "Key", "twilio.auth_token_env"))
	case t.VerifyServiceSID == "":
		return bad(catalog.NewError("config.twilio.verify-sid.missing", "Key", "twilio.verify_service_sid"))
	}
	return nil
}

func (d Duo) validate() error {
	switch {
	case d.APIHost == "":
		return bad(catalog.NewError("config.duo.host.missing", "Key", "duo.api_host"))
	case strings.Contains(d.APIHost, "/"):
		return bad(catalog.NewError("config.duo.host.not-a-host", "Key", "duo.api_host", "Value", strconv.Quote(d.APIHost)))
	case d.AdminIKey == "":
		return bad(catalog.NewError("config.duo.admin-ikey.missing", "Key", "duo.admin_ikey"))
	case d.AdminSKeyEnv == "" && d.AdminSKeyFile == "" && d.AdminSKeyKeychain == "":
		return bad(catalog.NewError("config.duo.admin-skey.missing", "Key", "duo.admin_skey_env"))
	case d.AuthIKey == "":
		return bad(catalog.NewError("config.duo.auth-ikey.missing", "Key", "duo.auth_ikey"))
	case d.AuthSKeyEnv == "" && d.AuthSKeyFile == "" && d.AuthSKeyKeychain == "":
		return bad(catalog.NewError("config.duo.auth-skey.missing", "Key", "duo.auth_skey_env"))
	case d.ActivationValidSecs < 0 || d.ActivationValidSecs > 30*24*3600:
		return bad(catalog.NewError("config.duo.activation.range", "Key", "duo.activation_valid_secs", "Value", d.ActivationValidSecs))
	case d.ActivationValidSecs != 0 && d.ActivationValidSecs < 60:
		return bad(catalog.NewError("config.duo.activation.range", "Key", "duo.activation_valid_secs", "Value", d.ActivationValidSecs))
	}
	return nil
}

// validate checks how the SMTP notifier logs in: xoauth2 takes the graph: app
// registration's token for the mailbox named as the username.
func (s SMTP) validate(g Graph) error {
	switch {
	case s.Auth != "" && s.Auth != "plain" && s.Auth != "xoauth2":
		return bad(catalog.NewError("config.smtp.auth.not-one-of", "Key", "notify.smtp.auth", "Value", strconv.Quote(s.Auth)))
	case s.Auth != "xoauth2":
		return nil
	case strings.TrimSpace(s.Username) == "":
		return bad(catalog.NewError("config.smtp.username.missing", "Key", "notify.smtp.username"))
	case !g.Configured():
		return bad(catalog.NewError("config.smtp.xoauth2.no-graph", "Key", "notify.smtp.auth"))
	}
	return nil
}

func (n Notify) validate(names []string) error {
	for _, name := range names {
		switch {
		case name == SMTPName && n.SMTP.Host == "":
			return bad(catalog.NewError("config.smtp.host.missing", "Key", "notify.smtp.host"))
		case name == SMTPName && (n.SMTP.From == "" || len(n.SMTP.To) == 0):
			return bad(catalog.NewError("config.smtp.to.missing", "Key", "notify.smtp.to"))
		case name == GraphMailName && (n.GraphMail.From == "" || len(n.GraphMail.To) == 0):
			return bad(catalog.NewError("config.graph-mail.to.missing", "Key", "notify.graph_mail.to"))
		case name == TeamsName && n.Teams.URLEnv == "" && n.Teams.URLFile == "" && n.Teams.URLKeychain == "":
			return bad(catalog.NewError("config.teams.url.missing", "Key", "notify.teams.url_env"))
		case name == SlackName && n.Slack.URLEnv == "" && n.Slack.URLFile == "" && n.Slack.URLKeychain == "":
			return bad(catalog.NewError("config.slack.url.missing", "Key", "notify.slack.url_env"))
		case name == Autotask && (n.Autotask.APIUser == "" || n.Autotask.IntegrationCode == "" || n.Autotask.CompanyID == 0):
			return bad(catalog.NewError("config.autotask.ids.missing", "Key", "notify.autotask.api_user"))
		case name == Autotask && n.Autotask.SecretEnv == "" && n.Autotask.SecretFile == "" && n.Autotask.SecretKeychain == "":
			return bad(catalog.NewError("config.autotask.secret.missing", "Key", "notify.autotask.secret_env"))
		case name == Autotask:
			if err := n.Autotask.validateFields(); err != nil {
				return err
			}
		case name == ConnectWiseName:
			if err := n.ConnectWise.validate(); err != nil {
				return err
			}
		}
	}
	return nil
}

// validateFields refuses an extra ticket field that would replace what the tool sets
// itself (the title carries the notice id that keeps a second ticket from being filed).
func (a AutotaskNotes) validateFields() error {
	for _, name := range slices.Sorted(maps.Keys(a.Fields)) {
		if autotask.ToolField(name) {
			return bad(catalog.NewError("config.autotask.field.own", "Key", "notify.autotask.fields."+name))
		}
	}
	return nil
}

func (c ConnectWise) validate() error {
	const key = "notify.connectwise."
	switch {
	case c.Site == "" && c.BaseURL == "":
		return bad(catalog.NewError("config.connectwise.site.missing", "Key", key+"site"))
	case strings.ContainsAny(c.Site, "/:@ "):
		return bad(catalog.NewError("config.connectwise.site.not-a-host", "Key", key+"site", "Value", strconv.Quote(c.Site)))
	case c.CompanyID == "":
		return bad(catalog.NewError("config.connectwise.company-id.missing", "Key", key+"company_id"))
	case c.PublicKey == "":
		return bad(catalog.NewError("config.connectwise.public-key.missing", "Key", key+"public_key"))
	case c.PrivateKeyEnv == "" && c.PrivateKeyFile == "" && c.PrivateKeyKeychain == "":
		return bad(catalog.NewError("config.connectwise.private-key.missing", "Key", key+"private_key_env"))
	case c.ClientID == "":
		return bad(catalog.NewError("config.connectwise.client-id.missing", "Key", key+"client_id"))
	case c.Board.ID == 0 && c.Board.Name == "":
		return bad(catalog.NewError("config.connectwise.board.missing", "Key", key+"board"))
	case c.Company.ID == 0 && c.Company.Identifier == "":
		return bad(catalog.NewError("config.connectwise.company.missing", "Key", key+"company"))
	}
	for _, r := range []struct {
		key, name, byName string
		id                int64
	}{
		{"board", c.Board.Name, "name", c.Board.ID},
		{"status", c.Status.Name, "name", c.Status.ID},
		{"company", c.Company.Identifier, "identifier", c.Company.ID},
	} {
		switch {
		case r.id != 0 && r.name != "":
			return bad(catalog.NewError("config.connectwise.ref.both", "Key", key+r.key, "ByName", r.byName))
		case r.id < 0:
			return bad(catalog.NewError("config.connectwise.ref.bad-id", "Key", key+r.key, "ID", r.id))
		case strings.Contains(r.name, `"`):
			// A name is searched for as a quoted string; ConnectWise documents no way
			// to escape a quote inside one.
			return bad(catalog.NewError("config.connectwise.ref.quote", "Key", key+r.key, "ByName", r.byName, "Value", strconv.Quote(r.name)))
		}
	}
	return nil
}
