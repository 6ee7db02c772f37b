// Package autotasktest is a fake Autotask REST API over TLS for tests: zone discovery,
// header checks, ticket create and query (contains on title), the ticket field
// definitions (picklists included) with configurable required fields, a create that
// refuses a missing required field or a value its picklist lacks the way Autotask does
// (HTTP 500, {"errors":[…]}), and a control to fail the next call.
package autotasktest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/mfa-onboard/mfa-onboard/internal/faultpoint/gate"
)

// Options are the credentials the fake accepts and its ticket rules.
type Options struct {
	User, Secret, IntegrationCode string
	// Required names the ticket fields entityInformation/fields marks isRequired and
	// that a create must fill; nil means companyID, title, status and priority.
	Required []string
}

// Ticket is one ticket the fake holds, as it was sent.
type Ticket struct {
	ID     int64
	Fields map[string]any
}

// Title is the ticket's title.
func (t Ticket) Title() string { s, _ := t.Fields["title"].(string); return s }

// Server is the fake; its TLS certificate is trusted by Client().
type Server struct {
	*httptest.Server
	opts Options

	mu      sync.Mutex
	tickets []Ticket
	fails   []failure
	calls   []string
	gate    gate.Gate
}

// failure is a queued answer for the next call.
type failure struct {
	status           int
	body, retryAfter string
}

// New starts a fake that stops when the test ends.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Required == nil {
		opts.Required = []string{"companyID", "title", "status", "priority"}
	}
	s := &Server{opts: opts}
	s.Server = httptest.NewTLSServer(s.gate.Wrap(http.HandlerFunc(s.serve)))
	t.Cleanup(s.Close)
	t.Cleanup(s.gate.ReleaseAll) // before Close, which waits for held requests
	return s
}

// Gate numbers the calls and can stop at one of them (see package gate), for tests
// that kill the client there.
func (s *Server) Gate() *gate.Gate { return &s.gate }

// BaseURL is the zone-discovery root to give the client.
func (s *Server) BaseURL() string { return s.URL + "/atservicesrest/" }

// ZoneURL is the zone root discovery answers with.
func (s *Server) ZoneURL() string { return s.URL + "/ATServicesRest/" }

// Tickets returns a copy of the tickets created so far.
func (s *Server) Tickets() []Ticket {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Ticket(nil), s.tickets...)
}

// Calls lists "METHOD path" of every request, discovery included.
func (s *Server) Calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls...)
}

// SetRequired changes which ticket fields are required.
func (s *Server) SetRequired(fields ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.opts.Required = fields
}

// FailNext answers the next call with status and body (and Retry-After when not
// empty); calls queue up, one answer per call.
func (s *Server) FailNext(status int, body, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fails = append(s.fails, failure{status, body, retryAfter})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, r.Method+" "+r.URL.Path)
	if len(s.fails) > 0 {
		f := s.fails[0]
		s.fails = s.fails[1:]
		if f.retryAfter != "" {
			w.Header().Set("Retry-After", f.retryAfter)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(f.status)
		_, _ = w.Write([]byte(f.body))
		return
	}
	if r.Method == http.MethodGet && r.URL.Path == "/atservicesrest/v1.0/zoneInformation" {
		s.zone(w, r)
		return
	}
	// The zone path is case-sensitive in Autotask; the fake is strict about it.
	rest, ok := strings.CutPrefix(r.URL.Path, "/ATServicesRest/V1.0/")
	if !ok {
		writeErrors(w, http.StatusNotFound, "The resource cannot be found.")
		return
	}
	if !s.authorised(r) {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	switch {
	case r.Method == http.MethodPost && rest == "Tickets":
		s.create(w, r)
	case r.Method == http.MethodPost && rest == "Tickets/query":
		s.query(w, r)
	case r.Method == http.MethodGet && rest == "Tickets/entityInformation/fields":
		s.fields(w)
	default:
		writeErrors(w, http.StatusNotFound, "The resource cannot be found.")
	}
}

func (s *Server) zone(w http.ResponseWriter, r *http.Request) {
	if r.URL.Query().Get("user") != s.opts.User {
		writeErrors(w, http.StatusInternalServerError, "Zone information could not be determined")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"zoneName": "Test Zone", "url": s.ZoneURL(), "webUrl": s.URL + "/", "ci": 1})
}

// authorised checks Autotask's headers; Content-Type is checked on every call
// because the client sends it on every call.
func (s *Server) authorised(r *http.Request) bool {
	return r.Header.Get("ApiIntegrationCode") == s.opts.IntegrationCode &&
		r.Header.Get("UserName") == s.opts.User &&
		r.Header.Get("Secret") == s.opts.Secret &&
		r.Header.Get("Content-Type") == "application/json" &&
		r.Header.Get("Authorization") == ""
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeErrors(w http.ResponseWriter, status int, msgs ...string) {
	writeJSON(w, status, map[string]any{"errors": msgs})
}
