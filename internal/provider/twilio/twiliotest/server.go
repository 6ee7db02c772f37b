// Package twiliotest is a Twilio Verify v2 stand-in for tests: an HTTPS server that
// checks requests the way Twilio does (Basic auth, form bodies, PascalCase names),
// answers with Twilio's JSON and error bodies, and keeps Verify's limits: a
// verification lasts 10 minutes, takes 5 checks (then 60202), and a number gets 5
// sends in 10 minutes (then 60203). While a verification is pending, a new send texts
// its code again rather than a new one. The service's codes have 6 digits unless
// SetCodeLength says otherwise. The test reads the code Twilio would text with
// LastCode, standing in for the phone.
package twiliotest

import (
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/faultpoint/gate"
	"github.com/mfa-onboard/mfa-onboard/internal/httpcall/limittest"
)

// The credentials and service every Server accepts.
const (
	AccountSID   = "AC0123456789abcdef0123456789abcdef"
	AuthToken    = "fake-auth-token-for-tests"
	ServiceSID   = "VA0123456789abcdef0123456789abcdef"
	FriendlyName = "Example MSP"
)

// Verify's limits, as the server enforces them.
const (
	Lifetime   = 10 * time.Minute
	MaxChecks  = 5
	MaxSends   = 5
	SendWindow = 10 * time.Minute
	// A service's code_length is 4 to 10, 6 unless set.
	MinCodeLength, MaxCodeLength, DefaultCodeLength = 4, 10, 6
)

// Request is one request the server received, and its answer.
type Request struct {
	Method, Path, ContentType string
	// Body is the raw body, so a test can compare a retry with the first attempt.
	Body string
	Form url.Values
	// Status and Answer are what the server replied.
	Status int
	Answer string
}

// Server is a running fake Twilio Verify. Its zero value is not usable: call New.
type Server struct {
	*httptest.Server

	mu            sync.Mutex
	clock         clock.Clock
	codeLength    int
	verifications map[string]*verification // by To
	sends         map[string][]time.Time   // send times by To, for 60203
	requests      []Request
	failures      []failure
	gate          gate.Gate
	// attempts are Verify's Verification Attempts: one per text sent, converted once
	// its verification was approved.
	attempts []*attempt
	// limit is SetLimit's.
	limit *limittest.Limit
}

// failure is a canned answer for the next request to a path.
type failure struct {
	path         string
	status, code int
	retryAfter   time.Duration
}

// New starts a server, closed when the test ends. Its clock is a fake one until
// SetClock replaces it.
func New(t testing.TB) *Server {
	s := &Server{
		clock:         clock.NewFake(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)),
		codeLength:    DefaultCodeLength,
		verifications: map[string]*verification{},
		sends:         map[string][]time.Time{},
	}
	s.Server = httptest.NewTLSServer(s.gate.Wrap(http.HandlerFunc(s.serve)))
	t.Cleanup(s.Close)
	t.Cleanup(s.gate.ReleaseAll) // before Close, which waits for held requests
	return s
}

// Gate numbers the requests and can stop at one of them (see package gate), for
// tests that kill the client there.
func (s *Server) Gate() *gate.Gate { return &s.gate }

// Texts counts the text messages Verify sent (each accepted verification request
// sends one, a repeat of a pending verification included); Approvals counts the
// checks that approved a code.
func (s *Server) Texts() (texts, approvals int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.requests {
		switch {
		case r.Method == http.MethodPost && r.Path == Path("Verifications") && r.Status == http.StatusCreated:
			texts++
		case r.Method == http.MethodPost && r.Path == Path("VerificationCheck") && r.Status == http.StatusOK && strings.Contains(r.Answer, `"status":"approved"`):
			approvals++
		}
	}
	return texts, approvals
}

// SetClock makes the server tell time by c; give the client under test the same one.
func (s *Server) SetClock(c clock.Clock) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock = c
}

// SetLimit gives the account a request limit and latency (package limittest); nil
// takes them away. A request over it is answered 429 with Twilio's error 20429 and
// no Retry-After, which Twilio does not document
// (https://www.twilio.com/docs/api/errors/20429). Twilio counts concurrent requests
// per account rather than requests per second; a limit over time is the stricter
// test of a client that paces itself.
func (s *Server) SetLimit(l *limittest.Limit) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limit = l
}

// SetCodeLength sets the service's code_length, as an update of the Service resource
// would: 4 to 10 digits (https://www.twilio.com/docs/verify/api/service). Codes made
// from then on have that many digits. A length Twilio would refuse panics.
func (s *Server) SetCodeLength(n int) {
	if n < MinCodeLength || n > MaxCodeLength {
		panic(fmt.Sprintf("twiliotest: Twilio Verify takes a code length of %d to %d, not %d", MinCodeLength, MaxCodeLength, n))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.codeLength = n
}

// LastCode returns the code of the newest verification to a number, or "".
func (s *Server) LastCode(to string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v := s.verifications[to]; v != nil {
		return v.code
	}
	return ""
}

// FailNext makes the next request to path (e.g. "/v2/Services/VA…/Verifications")
// get status with Twilio error code, and a Retry-After of retryAfter when it is not
// zero. Calls queue up, so a test can fail several attempts in a row.
func (s *Server) FailNext(path string, status, code int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, failure{path: path, status: status, code: code, retryAfter: retryAfter})
}

// Requests returns every request so far, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Path is the path of a Verify resource of the server's service: "" for the service
// itself, "Verifications" or "VerificationCheck".
func Path(resource string) string {
	if resource == "" {
		return "/v2/Services/" + ServiceSID
	}
	return "/v2/Services/" + ServiceSID + "/" + resource
}

// WriteCA writes the server's certificate as a PEM file in a temporary folder and
// returns its path, for tests that trust the server through a CA bundle.
func (s *Server) WriteCA(t testing.TB) string {
	p := filepath.Join(t.TempDir(), "twiliotest-ca.pem")
	data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatalf("write the test CA: %v", err)
	}
	return p
}
