// Package connectwisetest is a fake ConnectWise PSA (Manage) REST API over TLS for
// tests, written from ConnectWise's developer guide
// (https://developer.connectwise.com/Products/ConnectWise_PSA/Developer_Guide): the
// company-info lookup of the codebase, Basic authentication with
// companyId+publicKey:privateKey, the clientId header every call must carry,
// conditions searches, the service boards, their statuses and the companies a ticket
// refers to, ticket create with its validation, the error bodies
// ({"code","message","errors":[{"code","message","resource","field"}]}) and a control
// to fail the next call.
package connectwisetest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/mfa-onboard/mfa-onboard/internal/faultpoint/gate"
)

// Options are the credentials the fake accepts.
type Options struct {
	// CompanyID is the login company; PublicKey and PrivateKey the API member's keys.
	CompanyID, PublicKey, PrivateKey string
	// ClientID is the one clientId the fake knows.
	ClientID string
	// Codebase is what company info answers; empty means "v4_6_release/".
	Codebase string
}

// Permission is a security-role right the fake can withhold.
type Permission string

// The rights the client needs.
const (
	TicketAdd      Permission = "Service Tickets: Add"
	TicketInquire  Permission = "Service Tickets: Inquire"
	CompanyInquire Permission = "Company Maintenance: Inquire"
)

// Board is a service board with its statuses.
type Board struct {
	ID       int64
	Name     string
	Statuses []Status
}

// Status is a board's ticket status; Default is the one a ticket without one gets.
type Status struct {
	ID      int64
	Name    string
	Default bool
}

// Company is a customer company.
type Company struct {
	ID         int64
	Identifier string
	Name       string
}

// Ticket is one ticket the fake holds.
type Ticket struct {
	ID                 int64
	Summary            string
	BoardID, StatusID  int64
	CompanyID          int64
	InitialDescription string
}

// Server is the fake; its TLS certificate is trusted by Client().
type Server struct {
	*httptest.Server
	opts Options

	mu        sync.Mutex
	boards    []Board
	companies []Company
	tickets   []Ticket
	denied    map[Permission]bool
	fails     []failure
	calls     []string
	gate      gate.Gate
}

type failure struct {
	method           string
	status           int
	body, retryAfter string
}

// New starts a fake with two boards ("Help Desk" 1, with statuses New 17, In Progress
// 18 and >Closed 19; "Projects" 2, with New 30) and two companies (ContosoLtd 250,
// XYZ 2). It stops when the test ends.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Codebase == "" {
		opts.Codebase = "v4_6_release/"
	}
	s := &Server{opts: opts, denied: map[Permission]bool{},
		boards: []Board{
			{ID: 1, Name: "Help Desk", Statuses: []Status{{17, "New", true}, {18, "In Progress", false}, {19, ">Closed", false}}},
			{ID: 2, Name: "Projects", Statuses: []Status{{30, "New", true}}},
		},
		companies: []Company{{250, "ContosoLtd", "Contoso Ltd"}, {2, "XYZ", "XYZ Test Company"}},
	}
	s.Server = httptest.NewTLSServer(s.gate.Wrap(http.HandlerFunc(s.serve)))
	t.Cleanup(s.Close)
	t.Cleanup(s.gate.ReleaseAll) // before Close, which waits for held requests
	return s
}

// Gate numbers the calls and can stop at one of them (see package gate).
func (s *Server) Gate() *gate.Gate { return &s.gate }

// BaseURL stands for https://<site>/.
func (s *Server) BaseURL() string { return s.URL + "/" }

// Codebase is the codebase the fake serves the API under.
func (s *Server) Codebase() string { return s.opts.Codebase }

// Tickets returns a copy of the tickets created so far.
func (s *Server) Tickets() []Ticket {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Ticket(nil), s.tickets...)
}

// AddTicket files a ticket as a technician would, for tests of what is found.
func (s *Server) AddTicket(t Ticket) Ticket {
	s.mu.Lock()
	defer s.mu.Unlock()
	t.ID = s.nextID()
	s.tickets = append(s.tickets, t)
	return t
}

// Calls lists "METHOD path?query" of every request.
func (s *Server) Calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.calls...)
}

// Deny takes a right away from the API member's security role.
func (s *Server) Deny(p Permission) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.denied[p] = true
}

// FailNext answers the next call made with method ("" for any) with status and body
// (and Retry-After when not empty); failures queue up, one answer per call.
func (s *Server) FailNext(method string, status int, body, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fails = append(s.fails, failure{method, status, body, retryAfter})
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	call := r.Method + " " + r.URL.Path
	if r.URL.RawQuery != "" {
		call += "?" + r.URL.Query().Encode()
	}
	s.calls = append(s.calls, call)
	if len(s.fails) > 0 && (s.fails[0].method == "" || s.fails[0].method == r.Method) {
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
	if company, ok := strings.CutPrefix(r.URL.Path, "/login/companyinfo/"); ok && r.Method == http.MethodGet {
		s.companyInfo(w, company)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/"+s.opts.Codebase+"apis/3.0/")
	if !ok {
		writeError(w, http.StatusNotFound, "NotFound", "The resource cannot be found.")
		return
	}
	// The clientId is looked at before the keys: an unregistered integration is
	// turned away whatever it authenticates as (a 400 naming clientId).
	if r.Header.Get("clientId") != s.opts.ClientID || s.opts.ClientID == "" {
		writeError(w, http.StatusBadRequest, "InvalidClientId", "A valid clientId header is required.")
		return
	}
	if !s.authorised(r) {
		writeError(w, http.StatusUnauthorized, "Unauthorized", "Incorrect public/private key")
		return
	}
	s.route(w, r, rest)
}

// companyInfo answers GET /login/companyinfo/{companyId}, which needs no credentials.
// What ConnectWise answers for a company it does not know is not documented; the
// fake answers 404.
func (s *Server) companyInfo(w http.ResponseWriter, company string) {
	if !strings.EqualFold(company, s.opts.CompanyID) {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	version := "v" + strings.ReplaceAll(strings.TrimSuffix(s.opts.Codebase, "/"), "_", ".")
	if s.opts.Codebase == "v4_6_release/" {
		version = "v2025.1"
	}
	writeJSON(w, http.StatusOK, map[string]any{"CompanyName": s.opts.CompanyID, "Codebase": s.opts.Codebase, "VersionCode": version,
		"VersionNumber": "v4.6.101", "CompanyID": s.opts.CompanyID, "IsCloud": s.opts.Codebase != "v4_6_release/", "SiteUrl": strings.TrimPrefix(s.URL, "https://")})
}

// authorised checks Basic base64(companyId+publicKey:privateKey).
func (s *Server) authorised(r *http.Request) bool {
	raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Basic ")
	if !ok {
		return false
	}
	dec, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		return false
	}
	user, pass, _ := strings.Cut(string(dec), ":")
	company, public, _ := strings.Cut(user, "+")
	return strings.EqualFold(company, s.opts.CompanyID) && public == s.opts.PublicKey && pass == s.opts.PrivateKey
}

func (s *Server) route(w http.ResponseWriter, r *http.Request, rest string) {
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	get := r.Method == http.MethodGet
	switch {
	case get && rest == "system/info":
		writeJSON(w, http.StatusOK, map[string]any{"version": "v2025.1.101", "isCloud": s.opts.Codebase != "v4_6_release/", "serverTimeZone": "Eastern Standard Time"})
	case get && len(parts) == 2 && parts[0] == "service" && parts[1] == "boards":
		s.listBoards(w, r)
	case get && len(parts) == 3 && parts[0] == "service" && parts[1] == "boards":
		s.board(w, parts[2])
	case get && len(parts) >= 4 && len(parts) <= 5 && parts[0] == "service" && parts[1] == "boards" && parts[3] == "statuses":
		s.statuses(w, r, parts[2], parts[4:])
	case get && len(parts) >= 2 && len(parts) <= 3 && parts[0] == "company" && parts[1] == "companies":
		s.companiesCall(w, r, parts[2:])
	case get && rest == "service/tickets":
		s.listTickets(w, r)
	case r.Method == http.MethodPost && rest == "service/tickets":
		s.create(w, r)
	default:
		writeError(w, http.StatusNotFound, "NotFound", "The resource cannot be found.")
	}
}

func (s *Server) board(w http.ResponseWriter, rawID string) {
	b, ok := s.boardByID(rawID)
	if !ok {
		writeError(w, http.StatusNotFound, "NotFound", "Board "+rawID+" not found")
		return
	}
	writeJSON(w, http.StatusOK, boardJSON(b))
}

func (s *Server) listBoards(w http.ResponseWriter, r *http.Request) {
	c, ok := parseConditions(w, r)
	if !ok {
		return
	}
	out := []map[string]any{}
	for _, b := range s.boards {
		if c.match(map[string]any{"id": b.ID, "name": b.Name}) {
			out = append(out, boardJSON(b))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) statuses(w http.ResponseWriter, r *http.Request, rawBoard string, rest []string) {
	b, ok := s.boardByID(rawBoard)
	if !ok {
		writeError(w, http.StatusNotFound, "NotFound", "Board "+rawBoard+" not found")
		return
	}
	if len(rest) == 1 {
		for _, st := range b.Statuses {
			if strconv.FormatInt(st.ID, 10) == rest[0] {
				writeJSON(w, http.StatusOK, statusJSON(b, st))
				return
			}
		}
		writeError(w, http.StatusNotFound, "NotFound", "Service Status "+rest[0]+" not found for Service Board "+rawBoard)
		return
	}
	c, ok := parseConditions(w, r)
	if !ok {
		return
	}
	out := []map[string]any{}
	for _, st := range b.Statuses {
		if c.match(map[string]any{"id": st.ID, "name": st.Name}) {
			out = append(out, statusJSON(b, st))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) companiesCall(w http.ResponseWriter, r *http.Request, rest []string) {
	if s.denied[CompanyInquire] {
		writeSecurity(w)
		return
	}
	if len(rest) == 1 {
		for _, c := range s.companies {
			if strconv.FormatInt(c.ID, 10) == rest[0] {
				writeJSON(w, http.StatusOK, companyJSON(c))
				return
			}
		}
		writeError(w, http.StatusNotFound, "NotFound", "Company "+rest[0]+" not found")
		return
	}
	c, ok := parseConditions(w, r)
	if !ok {
		return
	}
	out := []map[string]any{}
	for _, co := range s.companies {
		if c.match(map[string]any{"id": co.ID, "identifier": co.Identifier, "name": co.Name}) {
			out = append(out, companyJSON(co))
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) boardByID(raw string) (Board, bool) {
	for _, b := range s.boards {
		if strconv.FormatInt(b.ID, 10) == raw {
			return b, true
		}
	}
	return Board{}, false
}

func (s *Server) nextID() int64 { return int64(5000 + len(s.tickets)) }

func info(href string) map[string]any { return map[string]any{href + "_href": "https://fake/" + href} }

func boardJSON(b Board) map[string]any {
	return map[string]any{"id": b.ID, "name": b.Name, "inactiveFlag": false, "_info": info("board")}
}

func statusJSON(b Board, st Status) map[string]any {
	return map[string]any{"id": st.ID, "name": st.Name, "board": map[string]any{"id": b.ID, "name": b.Name}, "defaultFlag": st.Default, "_info": info("status")}
}

func companyJSON(c Company) map[string]any {
	return map[string]any{"id": c.ID, "identifier": c.Identifier, "name": c.Name, "_info": info("company")}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// fieldError is one entry of an error's errors[].
type fieldError struct {
	Code     string `json:"code"`
	Message  string `json:"message"`
	Resource string `json:"resource"`
	Field    string `json:"field"`
}

func writeError(w http.ResponseWriter, status int, code, message string, errs ...fieldError) {
	body := map[string]any{"code": code, "message": message}
	if len(errs) > 0 {
		body["errors"] = errs
	}
	writeJSON(w, status, body)
}

// writeSecurity is the refusal of a right the member's security role lacks.
func writeSecurity(w http.ResponseWriter) {
	writeError(w, http.StatusForbidden, "Security", "You do not have security permission to perform this action.")
}
