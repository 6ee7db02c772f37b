// Package smtp tells the support desk by email, sent with go-mail through the MSP's
// mail server (STARTTLS or implicit TLS, with a login).
//
// What is and is not guaranteed. SMTP has no way to ask a server what it accepted, so
// Sent always answers "not found" and exactly-once cannot be promised. The step records
// the notice id before sending and the send time after; every message carries that id
// twice, as its Message-ID (<id@mfa-onboard>) and as a "Reference:" line. So:
//   - a run stopped before the server accepted DATA sends one message on the re-run;
//   - a run stopped after the server accepted DATA but before the step saved its state
//     (a crash, a killed process, a connection cut before the 250 reply reached us)
//     sends a second message on the re-run. It has the same Message-ID, which many mail
//     systems and help-desk mailboxes use to drop or thread duplicates, and the same
//     reference, so a person can see it is the same notice — but nothing guarantees it
//     is collapsed.
package smtp

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
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

// Config says which mail server to use and who gets the notice.
type Config struct {
	Host string
	// Port defaults to 587 for starttls, 465 for tls and 25 for none.
	Port int
	// TLS is TLSStartTLS (the default), TLSImplicit or TLSNone.
	TLS string
	// Username and Password log in; an empty Username sends without logging in.
	Username, Password string
	From               string
	To, Cc             []string
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
	return fmt.Sprintf("smtp.Config{Host:%s Port:%d TLS:%s Username:%s From:%s To:%v Cc:%v}",
		cfg.Host, cfg.Port, cfg.TLS, cfg.Username, cfg.From, cfg.To, cfg.Cc)
}

// GoString hides the password from %#v too.
func (cfg Config) GoString() string { return cfg.String() }

// Notifier sends notices by email.
type Notifier struct {
	cfg Config
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
		return nil, errors.New("the SMTP host is empty; set it to the MSP's mail server (for example smtp.office365.com)")
	}
	switch cfg.TLS {
	case TLSStartTLS, TLSImplicit:
	case TLSNone:
		if !loopback(cfg.Host) {
			return nil, fmt.Errorf("the SMTP TLS mode none sends the password and notice in clear text and is allowed only to this computer, not %s; use starttls or tls", cfg.Host)
		}
	default:
		return nil, fmt.Errorf("the SMTP TLS mode %q is not known; use starttls (port 587), tls (port 465) or none", cfg.TLS)
	}
	if cfg.Port == 0 {
		cfg.Port = map[string]int{TLSStartTLS: 587, TLSImplicit: 465, TLSNone: 25}[cfg.TLS]
	}
	if cfg.Port < 1 || cfg.Port > 65535 {
		return nil, fmt.Errorf("the SMTP port %d is not a port; use 587 for starttls or 465 for tls", cfg.Port)
	}
	if _, err := mail.ParseAddress(cfg.From); err != nil {
		return nil, fmt.Errorf("the SMTP from address %q is not an email address (%w); set it to the mailbox the notice is sent as", cfg.From, err)
	}
	if len(cfg.To) == 0 {
		return nil, errors.New("the SMTP to list is empty; give the support desk's address")
	}
	for _, a := range append(append([]string(nil), cfg.To...), cfg.Cc...) {
		if _, err := mail.ParseAddress(a); err != nil {
			return nil, fmt.Errorf("the SMTP recipient %q is not an email address (%w); fix the to and cc lists", a, err)
		}
	}
	if cfg.Username != "" && cfg.Password == "" {
		return nil, errors.New("the SMTP password is empty; put it where the config's SMTP password setting points, or leave the username empty to send without logging in")
	}
	if _, err := message.Parse(orDefault(cfg.Template)); err != nil {
		return nil, err
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	return &Notifier{cfg: cfg}, nil
}

// Name says where notices go.
func (s *Notifier) Name() string { return "email to " + strings.Join(s.cfg.To, ", ") }

// String names the server only: the notifier holds the password.
func (s *Notifier) String() string { return "smtp.Notifier(" + s.server() + ")" }

// GoString hides the password from %#v too.
func (s *Notifier) GoString() string { return s.String() }

func (s *Notifier) server() string { return net.JoinHostPort(s.cfg.Host, strconv.Itoa(s.cfg.Port)) }

func orDefault(tmpl string) string {
	if strings.TrimSpace(tmpl) == "" {
		return message.Default
	}
	return tmpl
}

// loopback is true for localhost and loopback addresses only.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
