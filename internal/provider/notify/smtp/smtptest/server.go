// Package smtptest runs a real SMTP server on loopback for tests: STARTTLS with a
// self-signed certificate, a login (AUTH PLAIN by default; XOAUTH2 alone; or Exchange
// Online's LOGIN and XOAUTH2 with basic authentication retired, see Auth), and a
// record of every message it accepted and of the EHLO it came with, with controls to
// refuse or drop the next message.
package smtptest

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/emersion/go-smtp"

	"github.com/mfa-onboard/mfa-onboard/internal/faultpoint/gate"
)

// Options are the credentials the server accepts.
type Options struct {
	User, Password string
	// Auth is how the server lets a client log in; the zero value is AuthPlain.
	Auth Auth
	// Token is the OAuth2 access token AUTH XOAUTH2 accepts for User.
	Token string
	// TokenOK, when set, decides instead of Token which tokens are good (a test whose
	// tokens come from a fake authority).
	TokenOK func(token string) bool
}

// Message is one message the server accepted.
type Message struct {
	From string
	To   []string
	Data []byte
	// TLS is true when the message came over an encrypted connection.
	TLS bool
	// Hello is the domain (or address literal) the client gave in EHLO.
	Hello string
}

// Server is a loopback SMTP server.
type Server struct {
	opts   Options
	addr   string
	certs  *x509.CertPool
	caPEM  []byte
	mu     sync.Mutex
	msgs   []Message
	failNx int
	drop   bool
	logins []Login
	gate   gate.Gate
}

// New starts a server that stops when the test ends.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	cert, caPEM, pool := selfSigned(t)
	s := &Server{opts: opts, certs: pool, caPEM: caPEM}
	srv := smtp.NewServer(smtp.BackendFunc(s.newSession))
	srv.Domain = "localhost"
	srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	s.addr = l.Addr().String()
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(l)
	}()
	t.Cleanup(func() {
		// go-smtp's Close closes only the listeners Serve has registered: when a test
		// ends before the goroutine above has run (one that never connects, under
		// load), Serve registers l afterwards and waits in Accept for ever. Closing l
		// here as well makes that Accept fail at once, and Serve, seeing the server
		// closed, returns.
		_ = srv.Close()
		_ = l.Close()
		<-done
	})
	t.Cleanup(s.gate.ReleaseAll) // runs first: no DATA stays held
	return s
}

// Gate numbers the messages (each DATA) and can stop at one of them (see package
// gate): Received once the message is read and before it is kept or answered,
// Answered once the server has answered it. For tests that kill the sender there.
func (s *Server) Gate() *gate.Gate { return &s.gate }

// Addr is host:port of the server.
func (s *Server) Addr() string { return s.addr }

// Host is the server's loopback address.
func (s *Server) Host() string { h, _, _ := net.SplitHostPort(s.addr); return h }

// Port is the server's port.
func (s *Server) Port() int {
	_, p, _ := net.SplitHostPort(s.addr)
	n, _ := strconv.Atoi(p)
	return n
}

// CertPool trusts the server's certificate.
func (s *Server) CertPool() *x509.CertPool { return s.certs }

// WriteCA writes the server's certificate as PEM into a temporary file and returns its path,
// for code that takes a CA file.
func (s *Server) WriteCA(t testing.TB) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "smtptest-ca.pem")
	if err := os.WriteFile(p, s.caPEM, 0o600); err != nil {
		t.Fatalf("smtptest: write CA: %v", err)
	}
	return p
}

// Messages returns a copy of what was accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Auths counts successful logins, so a test can see that a check logged in.
func (s *Server) Auths() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.logins)
}

// Logins returns every successful login so far: which mechanism, as whom.
func (s *Server) Logins() []Login {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Login(nil), s.logins...)
}

// FailNextData makes the next DATA answer code (4xx temporary, 5xx permanent) once;
// the message is not recorded.
func (s *Server) FailNextData(code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNx = code
}

// DropAfterNextData records the next message and then closes the connection before
// answering DATA: the sender cannot know the message was accepted (a crash or network
// cut at the worst moment).
func (s *Server) DropAfterNextData() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.drop = true
}

func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{s: s, c: c}, nil
}

// session is one SMTP connection's state.
type session struct {
	s      *Server
	c      *smtp.Conn
	authed bool
	from   string
	to     []string
	// call is the message just answered, for the gate: go-smtp resets the session
	// right after it writes DATA's answer.
	call *gate.Call
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.call = ss.s.gate.Begin("DATA")
	ss.call.Received()
	_, isTLS := ss.c.TLSConnectionState()
	ss.s.mu.Lock()
	code, drop := ss.s.failNx, ss.s.drop
	ss.s.failNx, ss.s.drop = 0, false
	if code == 0 {
		ss.s.msgs = append(ss.s.msgs, Message{From: ss.from, To: append([]string(nil), ss.to...), Data: data, TLS: isTLS, Hello: ss.c.Hostname()})
	}
	ss.s.mu.Unlock()
	switch {
	case drop:
		_ = ss.c.Conn().Close()
		return io.ErrUnexpectedEOF
	case code >= 500:
		return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{5, 0, 0}, Message: "smtptest refuses this message"}
	case code >= 400:
		return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{4, 0, 0}, Message: "smtptest is busy, try later"}
	}
	return nil
}

func (ss *session) Reset() {
	ss.from, ss.to = "", nil
	ss.answered()
}

func (ss *session) Logout() error {
	ss.answered()
	return nil
}

func (ss *session) answered() {
	if c := ss.call; c != nil {
		ss.call = nil
		c.Answered()
		c.Finish()
	}
}
