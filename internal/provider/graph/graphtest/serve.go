package graphtest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/httprecord"
)

// serve records the request, plays any injected failure, then routes to the
// authority or to Graph.
func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	admitted, wait := s.admit(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	rec := &httprecord.Recorder{ResponseWriter: w}
	defer func() {
		s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.Path, RawPath: r.URL.EscapedPath(), Query: r.URL.RawQuery,
			ContentType: r.Header.Get("Content-Type"), Body: string(body), Status: rec.Status, Answer: rec.Body.String()})
	}()
	rec.Header().Set("Date", s.clock.Now().UTC().Format(http.TimeFormat))
	rec.Header().Set("Content-Type", "application/json")
	if !admitted {
		rec.Header().Set("Retry-After", strconv.Itoa(int((wait+time.Second-1)/time.Second)))
		graphError(rec, http.StatusTooManyRequests, "TooManyRequests", "Please retry again later.")
		return
	}
	if f, ok := s.takeFailure(r.Method, r.URL.Path); ok {
		if f.retryAfter > 0 {
			rec.Header().Set("Retry-After", strconv.Itoa(int((f.retryAfter+time.Second-1)/time.Second)))
		}
		graphError(rec, f.status, failureCode(f.status), "injected failure")
		return
	}
	seg := segments(r.URL.EscapedPath())
	switch {
	case len(seg) == 4 && seg[1] == "v2.0" && seg[2] == ".well-known" && seg[3] == "openid-configuration" && r.Method == http.MethodGet:
		s.openIDConfig(rec, r, seg[0])
	case len(seg) == 4 && seg[1] == "oauth2" && seg[2] == "v2.0" && seg[3] == "token" && r.Method == http.MethodPost:
		form, _ := url.ParseQuery(string(body))
		s.token(rec, r, seg[0], form)
	case len(seg) >= 2 && (seg[0] == "v1.0" || seg[0] == "beta") && seg[1] == "users":
		if !s.authorized(r) {
			graphError(rec, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.")
			return
		}
		s.graph(rec, r, seg, body)
	case len(seg) >= 2 && seg[0] == "v1.0" && (seg[1] == "policies" || seg[1] == "identity" || seg[1] == "groups"):
		if !s.authorized(r) {
			graphError(rec, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.")
			return
		}
		s.directory(rec, r, seg, body)
	default:
		graphError(rec, http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+strings.Join(seg, "/")+"'.")
	}
}

// admit counts a request to Graph against its service's limit when it arrives,
// then holds it for the latency; the authority's requests are not Graph's.
func (s *Server) admit(r *http.Request) (bool, time.Duration) {
	seg := segments(r.URL.EscapedPath())
	if len(seg) == 0 || (seg[0] != "v1.0" && seg[0] != "beta") {
		return true, 0
	}
	s.mu.Lock()
	lim := s.limit
	if len(seg) >= 3 && seg[1] == "identity" && seg[2] == "conditionalAccess" {
		lim = s.caLimit
	}
	s.mu.Unlock()
	ok, wait := lim.Admit()
	lim.Delay(r.Context())
	return ok, wait
}

func (s *Server) authorized(r *http.Request) bool {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && s.tokens[tok]
}

// segments splits an escaped path and decodes each part, so an escaped '/' in a UPN
// stays inside its segment.
func segments(escaped string) []string {
	var out []string
	for _, p := range strings.Split(strings.Trim(escaped, "/"), "/") {
		d, err := url.PathUnescape(p)
		if err != nil {
			d = p
		}
		out = append(out, d)
	}
	return out
}

func (s *Server) takeFailure(method, path string) (failure, bool) {
	for i, f := range s.failures {
		if f.path == path || f.path == method+" "+path {
			s.failures = append(s.failures[:i], s.failures[i+1:]...)
			return f, true
		}
	}
	return failure{}, false
}

func failureCode(status int) string {
	switch status {
	case http.StatusTooManyRequests:
		return "TooManyRequests"
	case http.StatusServiceUnavailable:
		return "serviceNotAvailable"
	case http.StatusGatewayTimeout:
		return "gatewayTimeout"
	case http.StatusForbidden:
		return "Authorization_RequestDenied"
	}
	return "generalException"
}

// graphError writes Graph's error body.
func graphError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"code": code, "message": msg,
		"innerError": map[string]any{"date": "2026-11-25T09:00:00", "request-id": "00000000-0000-0000-0000-000000000000", "client-request-id": "00000000-0000-0000-0000-000000000000"},
	}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func itoa(n int) string { return strconv.Itoa(n) }
