// Package smtp tells the support desk by email, sent with go-mail through the MSP's
// mail server (STARTTLS or implicit TLS), logging in with a password (AUTH PLAIN or
// LOGIN) or with an OAuth2 token (AUTH XOAUTH2), which Exchange Online requires once it
// no longer takes passwords for client submission.
//
// What is and is not guaranteed. SMTP has no way to ask a server what it accepted, so
// Sent always answers "not found" and exactly-once cannot be promised. The step records
// the notice id before sending and the send time after; every message carries that id
// twice, as its Message-ID (<id@from-domain>, the domain of the from address) and as a
// "Reference:" line. So:
//   - a run stopped before the server accepted DATA sends one message on the re-run;
//   - a run stopped after the server accepted DATA but before the step saved its state
//     (a crash, a killed process, a connection cut before the 250 reply reached us)
//     sends a second message on the re-run. It has the same Message-ID, which many mail
//     systems and help-desk mailboxes use to drop or thread duplicates, and the same
//     reference, so a person can see it is the same notice — but nothing guarantees it
//     is collapsed.
package smtp

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/httpcall"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/message"
)

// The TLS modes.
const (
	// TLSStartTLS connects in plain text and upgrades with STARTTLS (port 587); required.
	TLSStartTLS = "starttls"
	// TLSImplicit speaks TLS from the first byte (port 465).
	TLSImplicit = "tls"
	// TLSNone sends in clear text; allowed only to a loopback server (tests, a local relay).
	TLSNone = "none"
)

// The ways to log in.
const (
	// AuthPlain logs in with Username and Password (AUTH PLAIN or LOGIN); the default.
	AuthPlain = "plain"
	// AuthXOAUTH2 logs in as the mailbox Username with an OAuth2 access token from
	// Token, in the SASL XOAUTH2 format Exchange Online and Gmail take:
	// https://learn.microsoft.com/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth
	AuthXOAUTH2 = "xoauth2"
)

// ExchangeOnlineScope is what an app asks Entra ID for (client credentials) to log in
// to Exchange Online's SMTP with XOAUTH2; the app needs the Office 365 Exchange Online
// application permission SMTP.SendAsApp and a service principal registered in Exchange.
// https://learn.microsoft.com/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth#use-client-credentials-grant-flow-to-authenticate-smtp-imap-and-pop-connections
const ExchangeOnlineScope = "https://outlook.office365.com/.default"

// Config says which mail server to use and who gets the notice.
type Config struct {
	Host string
	// Port defaults to 587 for starttls, 465 for tls and 25 for none.
	Port int
	// TLS is TLSStartTLS (the default), TLSImplicit or TLSNone.
	TLS string
	// Username and Password log in; an empty Username sends without logging in. With
	// AuthXOAUTH2, Username is the mailbox the token sends as and Password is unused.
	Username, Password string
	// Auth is AuthPlain (the default) or AuthXOAUTH2.
	Auth string
	// Token gets an access token for each connection when Auth is AuthXOAUTH2; its
	// error should already say what to fix.
	Token  func(ctx context.Context) (string, error)
	From   string
	To, Cc []string
	// TLSConfig carries the caller's CA pool; its ServerName defaults to Host.
	TLSConfig *tls.Config
	// Template is the MSP's own message (see package message); "" is the default.
	Template string
	Clock    clock.Clock
	// Timeout bounds connecting and each command; zero means 30 seconds.
	Timeout time.Duration
}

// String leaves the password out, so a logged Config cannot leak it.
func (cfg Config) String() string {
	// untranslated: a developer's view of the config, for logs.
	return fmt.Sprintf("smtp.Config{Host:%s Port:%d TLS:%s Auth:%s Username:%s From:%s To:%v Cc:%v}",
		cfg.Host, cfg.Port, cfg.TLS, cfg.Auth, cfg.Username, cfg.From, cfg.To, cfg.Cc)
}

// GoString hides the password from %#v too.
func (cfg Config) GoString() string { return cfg.String() }

// Notifier sends notices by email.
type Notifier struct {
	cfg Config
	// domain is the from address's domain: the EHLO name and the Message-ID's right side.
	domain string
}

var (
	_ provider.Notifier = (*Notifier)(nil)
	_ provider.Checker  = (*Notifier)(nil)
)

// New checks cfg and returns a notifier; it makes no connection.
func New(cfg Config) (*Notifier, error) {
	if cfg.TLS == "" {
		cfg.TLS = TLSStartTLS
	}
	if strings.TrimSpace(cfg.Host) == "" {
		return nil, catalog.NewError("smtp.host-empty")
	}
	switch cfg.TLS {
	case TLSStartTLS, TLSImplicit:
	case TLSNone:
		if !httpcall.Loopback(cfg.Host) {
			return nil, catalog.NewError("smtp.tls-none-remote", "Host", cfg.Host)
		}
	default:
		return nil, catalog.NewError("smtp.tls-unknown", "Mode", strconv.Quote(cfg.TLS))
	}
	if cfg.Port == 0 {
		cfg.Port = map[string]int{TLSStartTLS: 587, TLSImplicit: 465, TLSNone: 25}[cfg.TLS]
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, catalog.NewError("smtp.port-invalid", "Port", cfg.Port)
	}
	from, err := mail.ParseAddress(cfg.From)
	if err != nil {
		return nil, catalog.Wrap(err, "smtp.from-invalid", "From", strconv.Quote(cfg.From))
	}
	domain := strings.ToLower(from.Address[strings.LastIndexByte(from.Address, '@')+1:])
	if !ascii(domain) {
		// EHLO and Message-ID take ASCII only (RFC 5321 §4.1.2, RFC 5322 §3.6.4).
		return nil, catalog.NewError("smtp.from-not-ascii", "From", strconv.Quote(cfg.From))
	}
	if len(cfg.To) == 0 {
		return nil, catalog.NewError("smtp.to-empty")
	}
	for _, a := range append(append([]string(nil), cfg.To...), cfg.Cc...) {
		if _, err := mail.ParseAddress(a); err != nil {
			return nil, catalog.Wrap(err, "smtp.recipient-invalid", "Address", strconv.Quote(a))
		}
	}
	switch cfg.Auth {
	case "", AuthPlain:
		cfg.Auth = AuthPlain
		if cfg.Username != "" && cfg.Password == "" {
			return nil, catalog.NewError("smtp.password-empty")
		}
	case AuthXOAUTH2:
		if strings.TrimSpace(cfg.Username) == "" {
			return nil, catalog.NewError("smtp.username-empty")
		}
		if cfg.Token == nil {
			return nil, catalog.NewError("smtp.token-source-missing")
		}
	default:
		return nil, catalog.NewError("smtp.auth-unknown", "Auth", strconv.Quote(cfg.Auth))
	}
	if _, err := message.Parse(cfg.Template); err != nil {
		return nil, err
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &Notifier{cfg: cfg, domain: domain}, nil
}

// Name says where notices go. It is also the key under which the state records the
// receipt, so it is the same in every language.
func (s *Notifier) Name() string {
	return "email to " + strings.Join(s.cfg.To, ", ") // untranslated: the state's key for this channel
}

// Describe says the channel in p's language.
func (s *Notifier) Describe(p *catalog.Printer) string {
	return p.T("smtp.channel", "To", strings.Join(s.cfg.To, ", "))
}

// String names the server only: the notifier holds the password.
func (s *Notifier) String() string { return "smtp.Notifier(" + s.server() + ")" }

// GoString hides the password from %#v too.
func (s *Notifier) GoString() string { return s.String() }

func (s *Notifier) server() string { return net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port)) }

func ascii(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// loopback is true for localhost and loopback addresses only.
