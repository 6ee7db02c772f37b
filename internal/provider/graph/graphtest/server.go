// Package graphtest is a Microsoft Graph stand-in for tests: one HTTPS server that is
// both the Entra ID authority (OpenID configuration and client-credentials token
// endpoint, as MSAL uses them) and Graph (phone methods, per-user MFA state, users,
// the tenant's security defaults and Conditional Access policies, group members),
// with Graph's JSON shapes, its one-phone-per-type rule, the "enabled becomes
// enforced once a method is registered" rule, its refusal of a member already in a
// group, permissions that can be withdrawn and failures that can be injected.
package graphtest

import (
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
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

// The tenant and app registration every Server accepts.
const (
	TenantID     = "11111111-2222-4333-8444-555555555555"
	ClientID     = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"
	ClientSecret = "fake~graph~secret~for~tests"
)

// Graph's fixed phone method ids, one per type.
const (
	MobileID          = "3179e48a-750b-4051-897c-87b9720928f7"
	AlternateMobileID = "b6332ec1-7057-4abe-9331-3d72feddfe41"
	OfficeID          = "e37fc753-ff3b-4958-9484-eaa9425c82bc"
)

// The application permissions the server checks. All but PermMethodsRead are granted
// at the start: an app registration that registers phones has the read-write
// permission, which reads too, and a test of the read-only route withdraws it.
const (
	PermMethods     = "UserAuthenticationMethod.ReadWrite.All"
	PermMethodsRead = "UserAuthenticationMethod.Read.All"
	PermPolicyRead  = "Policy.Read.All"
	PermPolicyWrite = "Policy.ReadWrite.AuthenticationMethod"
	PermUsersRead   = "User.Read.All"
	// PermGroupMembers reads groups and adds members
	// (https://learn.microsoft.com/graph/api/group-post-members).
	PermGroupMembers = "GroupMember.ReadWrite.All"
)

// Method is a phone authentication method as Graph keeps it.
type Method struct {
	ID, PhoneNumber, PhoneType string
}

// Request is one request the server received, and its answer.
type Request struct {
	Method string
	// Path is decoded; RawPath is as sent, to see how a UPN was escaped.
	Path, RawPath, Query, ContentType string
	Body                              string
	Status                            int
	Answer                            string
}

// Server is a running fake authority and Graph. Its zero value is not usable: call New.
type Server struct {
	*httptest.Server

	mu       sync.Mutex
	clock    clock.Clock
	users    map[string]*user // by lower-case UPN
	perms    map[string]bool
	tokens   map[string]bool
	requests []Request
	failures []failure
	gate     gate.Gate
	mail     mailState
	tenant   tenantState
	nextUser int
	// exchangeTokens are the tokens issued for Exchange Online, not for Graph.
	exchangeTokens map[string]bool
	// limit and caLimit are SetLimit's and SetConditionalAccessLimit's.
	limit, caLimit *limittest.Limit
}

type user struct {
	id      string
	upn     string
	methods []*Method
	mfa     string
}

type failure struct {
	path       string
	status     int
	retryAfter time.Duration
}

// New starts a server, closed when the test ends, with every permission granted, no
// users and a fake clock.
func New(t testing.TB) *Server {
	s := &Server{
		clock:  clock.NewFake(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)),
		users:  map[string]*user{},
		perms:  map[string]bool{PermMethods: true, PermPolicyRead: true, PermPolicyWrite: true, PermUsersRead: true, PermMailSend: true, PermGroupMembers: true},
		tokens: map[string]bool{},

		exchangeTokens: map[string]bool{},
	}
	s.Server = httptest.NewTLSServer(s.gate.Wrap(http.HandlerFunc(s.serve)))
	t.Cleanup(s.Close)
	t.Cleanup(s.gate.ReleaseAll) // before Close, which waits for held requests
	return s
}

// Gate numbers the requests and can stop at one of them (see package gate), for
// tests that kill the client there.
func (s *Server) Gate() *gate.Gate { return &s.gate }

// Writes counts the changes Graph made: phone methods created (POST …/phoneMethods
// answered 201) or updated (PATCH …/phoneMethods/{id} answered 204), and per-user
// MFA states set (PATCH …/authentication/requirements answered 204).
func (s *Server) Writes() (methodsCreated, methodsUpdated, mfaStates int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.requests {
		switch {
		case r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/authentication/phoneMethods") && r.Status == http.StatusCreated:
			methodsCreated++
		case r.Method == http.MethodPatch && strings.Contains(r.Path, "/authentication/phoneMethods/") && r.Status/100 == 2:
			methodsUpdated++
		case r.Method == http.MethodPatch && strings.HasSuffix(r.Path, "/authentication/requirements") && r.Status/100 == 2:
			mfaStates++
		}
	}
	return methodsCreated, methodsUpdated, mfaStates
}

// MFAState is the user's per-user MFA state ("disabled", "enabled", "enforced"), or "".
func (s *Server) MFAState(upn string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.users[strings.ToLower(upn)]; u != nil {
		return u.mfa
	}
	return ""
}

// AuthorityHost is what NewSecretCredential takes to get tokens from this server.
func (s *Server) AuthorityHost() string { return s.URL + "/" }

// SetClock makes the server tell time (its Date header) by c.
func (s *Server) SetClock(c clock.Clock) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.clock = c
}

// SetLimit gives Graph's identity and access requests (not the authority's, a
// service of its own, nor Conditional Access's, below) a request limit and latency
// (package limittest); nil takes them away. A request over the limit is answered as
// Graph throttles: 429 with Retry-After in seconds and the error code
// TooManyRequests (https://learn.microsoft.com/graph/throttling).
func (s *Server) SetLimit(l *limittest.Limit) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limit = l
}

// SetConditionalAccessLimit is SetLimit for the Conditional Access requests, which
// Graph limits apart: 1 request a second per tenant, all apps together
// (https://learn.microsoft.com/graph/throttling-limits, "Identity protection and
// conditional access service limits").
func (s *Server) SetConditionalAccessLimit(l *limittest.Limit) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.caLimit = l
}

// AddUser creates a user with no phone methods and per-user MFA disabled.
func (s *Server) AddUser(upn string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addUser(upn)
}

// addUser creates a user with an object id of its own; s.mu is held.
func (s *Server) addUser(upn string) *user {
	s.nextUser++
	u := &user{id: fmt.Sprintf("6ea91a8d-e32e-41a1-b7bd-%012x", s.nextUser), upn: upn, mfa: "disabled"}
	s.users[strings.ToLower(upn)] = u
	return u
}

// UserID is the user's object id, or "" for no such user.
func (s *Server) UserID(upn string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.users[strings.ToLower(upn)]; u != nil {
		return u.id
	}
	return ""
}

// findUser finds a user by UPN or object id, as Graph's /users/{id | userPrincipalName}
// does; s.mu is held.
func (s *Server) findUser(key string) *user {
	if u := s.users[strings.ToLower(key)]; u != nil {
		return u
	}
	for _, u := range s.users {
		if strings.EqualFold(u.id, key) {
			return u
		}
	}
	return nil
}

// AddMethod gives a user (created if need be) a phone method directly, as an
// administrator in the portal would; number is in Graph's form ("+1 2065550100").
func (s *Server) AddMethod(upn, phoneType, number string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[strings.ToLower(upn)]
	if u == nil {
		u = s.addUser(upn)
	}
	u.methods = append(u.methods, &Method{ID: methodID(phoneType), PhoneNumber: number, PhoneType: phoneType})
}

// Methods returns a copy of the user's phone methods.
func (s *Server) Methods(upn string) []Method {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Method
	if u := s.users[strings.ToLower(upn)]; u != nil {
		for _, m := range u.methods {
			out = append(out, *m)
		}
	}
	return out
}

// SetPermission grants or withdraws an application permission (PermMethods…).
func (s *Server) SetPermission(name string, granted bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.perms[name] = granted
}

// FailNext makes the next request to path (decoded, without the query) get status,
// with a Retry-After of retryAfter when it is not zero. path may start with a method
// ("POST /v1.0/users/…") to fail only that method. Calls queue up.
func (s *Server) FailNext(path string, status int, retryAfter time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, failure{path: path, status: status, retryAfter: retryAfter})
}

// Requests returns every request so far, token requests included, oldest first.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// WriteCA writes the server's certificate as a PEM file in a temporary folder and
// returns its path, for end-to-end tests that trust the server through a CA bundle.
func (s *Server) WriteCA(t testing.TB) string {
	p := filepath.Join(t.TempDir(), "graphtest-ca.pem")
	data := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.Certificate().Raw})
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatalf("write the test CA: %v", err)
	}
	return p
}
