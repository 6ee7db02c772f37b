package duotest

import (
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/mail"
	"net/url"
	"slices"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/httpcall/limittest"
)

// keyPair says which integration must sign a route.
type keyPair int

const (
	unsigned keyPair = iota
	adminKeys
	authKeys
)

// apiError is a FAIL envelope and its HTTP status.
type apiError struct {
	status, code    int
	message, detail string
}

// fail builds Duo's error with its usual message for the code.
func fail(status, code int, detail string) *apiError {
	return &apiError{status: status, code: code, message: message(code), detail: detail}
}

func message(code int) string {
	switch code {
	case 40002:
		return "Invalid request parameters"
	case 40003:
		return "Duplicate resource"
	case 40101:
		return "Missing request credentials"
	case 40102:
		return "Invalid identity in request credentials"
	case 40103:
		return "Invalid signature in request credentials"
	case 40104:
		return "Missing request timestamp"
	case 40105:
		return "Request timestamp is invalid or too far from the server's clock"
	case 40301:
		return "Access forbidden"
	case 40401:
		return "Resource not found"
	case 40501:
		return "Method not allowed"
	case 42901:
		return "Too many requests"
	}
	return "Internal server error"
}

// list is a paged answer: Duo adds metadata to these.
type list struct {
	items []any
	limit int
	// offset is where this page starts.
	offset int
}

// call is one request as a handler sees it.
type call struct {
	params url.Values
	// ids are the {id} segments of the path, in order.
	ids []string
}

type handler func(s *Server, c call) (any, *apiError)

type route struct {
	method, pattern string
	keys            keyPair
	// allowed are the parameters Duo documents; anything else is refused as Duo would.
	allowed []string
	h       handler
}

func routes() []route {
	paging := []string{"limit", "offset"}
	return []route{
		{"GET", "/admin/v1/users", adminKeys, append([]string{"username", "email", "username_list", "email_list"}, paging...), (*Server).getUsers},
		{"POST", "/admin/v1/users", adminKeys, []string{"username", "realname", "email", "status", "notes", "firstname", "lastname", "alias1", "alias2", "alias3", "alias4"}, (*Server).createUser},
		{"GET", "/admin/v1/users/{}/phones", adminKeys, paging, (*Server).getUserPhones},
		{"POST", "/admin/v1/users/{}/phones", adminKeys, []string{"phone_id"}, (*Server).associate},
		{"GET", "/admin/v1/phones", adminKeys, append([]string{"number", "extension"}, paging...), (*Server).getPhones},
		{"POST", "/admin/v1/phones", adminKeys, []string{"number", "name", "extension", "type", "platform", "predelay", "postdelay"}, (*Server).createPhone},
		{"GET", "/admin/v1/phones/{}", adminKeys, nil, (*Server).getPhone},
		{"POST", "/admin/v1/phones/{}/activation_url", adminKeys, []string{"valid_secs", "install"}, (*Server).activationURL},
		{"POST", "/admin/v1/phones/{}/send_sms_activation", adminKeys, []string{"valid_secs", "install", "installation_msg", "activation_msg"}, (*Server).sendSMSActivation},
		{"GET", "/admin/v1/info/summary", adminKeys, nil, (*Server).summary},
		{"GET", "/auth/v2/ping", unsigned, nil, (*Server).now},
		{"GET", "/auth/v2/check", authKeys, nil, (*Server).now},
		{"POST", "/auth/v2/preauth", authKeys, []string{"username", "user_id", "ipaddr", "hostname", "trusted_device_token", "client_supports_verified_push"}, (*Server).preauth},
		{"POST", "/auth/v2/auth", authKeys, []string{"factor", "username", "user_id", "device", "async", "type", "display_username", "pushinfo", "passcode", "ipaddr", "hostname", "txid"}, (*Server).auth},
		{"GET", "/auth/v2/auth_status", authKeys, []string{"txid"}, (*Server).authStatus},
	}
}

// match finds the route for a path; ids are its {} segments. A path that exists
// with another method gives a nil route and pathFound true.
func match(method, path string) (r *route, ids []string, pathFound bool) {
	segs := strings.Split(path, "/")
	for _, rt := range routes() {
		want := strings.Split(rt.pattern, "/")
		if len(want) != len(segs) {
			continue
		}
		var got []string
		ok := true
		for i, w := range want {
			switch {
			case w == "{}" && segs[i] != "":
				got = append(got, segs[i])
			case w != segs[i]:
				ok = false
			}
		}
		if !ok {
			continue
		}
		if rt.method == method {
			return &rt, got, true
		}
		pathFound = true
	}
	return nil, nil, pathFound
}

// ServeHTTP checks a request as Duo would and answers with Duo's envelope.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		writeFail(w, fail(400, 40002, "body"), "")
		return
	}
	path := r.URL.EscapedPath()
	lim := s.limitFor(path)
	admitted, _ := lim.Admit()
	lim.Delay(r.Context())
	s.mu.Lock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: path, Query: r.URL.RawQuery, ContentType: r.Header.Get("Content-Type"), Body: string(body)})
	if !admitted {
		s.mu.Unlock()
		writeFail(w, fail(http.StatusTooManyRequests, 42901, ""), "")
		return
	}
	st := s.stalls[path]
	var injected *failure
	if q := s.failures[path]; len(q) > 0 {
		injected, s.failures[path] = &q[0], q[1:]
	}
	s.mu.Unlock()

	if st != nil {
		st.arriveOnce.Do(func() { close(st.arrived) })
		select {
		case <-st.release:
		case <-r.Context().Done():
			// Gone without a word, as a stalled server is: returning would have
			// net/http send an empty 200, which a client that has just given up may
			// still read as Duo's answer.
			panic(http.ErrAbortHandler)
		}
	}
	if injected != nil {
		code := injected.code
		if code == 0 {
			code = injected.status*100 + 1
			if injected.status >= 500 {
				code = 50000
			}
		}
		writeFail(w, fail(injected.status, code, ""), injected.retryAfter)
		return
	}
	rt, ids, pathFound := match(r.Method, path)
	if rt == nil {
		if pathFound {
			writeFail(w, fail(405, 40501, ""), "")
		} else {
			writeFail(w, fail(404, 40401, ""), "")
		}
		return
	}
	params, e := s.params(r, body, rt)
	if e == nil && rt.keys != unsigned {
		e = s.verify(r, rt.keys, path, params)
	}
	if e == nil && s.missingGrant && rt.keys == adminKeys && r.Method == http.MethodPost {
		e = fail(403, 40301, "")
	}
	if e != nil {
		writeFail(w, e, "")
		return
	}
	s.mu.Lock()
	out, e := rt.h(s, call{params: params, ids: ids})
	if e == nil {
		s.effects[rt.method+" "+rt.pattern]++
	}
	s.mu.Unlock()
	if e != nil {
		writeFail(w, e, "")
		return
	}
	writeOK(w, out)
}

// limitFor is the limit of the API a path belongs to: Duo limits the Admin API's
// and the Auth API's integrations apart.
func (s *Server) limitFor(path string) *limittest.Limit {
	switch {
	case strings.HasPrefix(path, "/admin/"):
		return s.adminLimit
	case strings.HasPrefix(path, "/auth/"):
		return s.authLimit
	}
	return nil
}

// params reads GET parameters from the query and POST ones from a form body, the only
// places Duo's v2 signing puts them, and refuses parameters Duo does not document.
func (s *Server) params(r *http.Request, body []byte, rt *route) (url.Values, *apiError) {
	raw := r.URL.RawQuery
	if r.Method == http.MethodPost {
		mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if err != nil || mt != "application/x-www-form-urlencoded" {
			return nil, fail(400, 40002, "Content-Type must be application/x-www-form-urlencoded")
		}
		if raw != "" {
			return nil, fail(400, 40002, "POST parameters belong in the body")
		}
		raw = string(body)
	}
	params, err := url.ParseQuery(raw)
	if err != nil {
		return nil, fail(400, 40002, "parameters are not URL-encoded")
	}
	for k := range params {
		if !slices.Contains(rt.allowed, k) {
			return nil, fail(400, 40002, k)
		}
	}
	return params, nil
}

// verify checks Date and the Authorization signature against the route's key pair.
func (s *Server) verify(r *http.Request, keys keyPair, path string, params url.Values) *apiError {
	date := r.Header.Get("Date")
	if date == "" {
		return fail(401, 40104, "")
	}
	when, err := mail.ParseDate(date)
	if err != nil {
		return fail(401, 40105, "Date is not RFC 2822")
	}
	if skew := s.clock.Now().Sub(when); skew > DateWindow || skew < -DateWindow {
		return fail(401, 40105, "")
	}
	ikey, sig, ok := parseAuthorization(r.Header.Get("Authorization"))
	if !ok {
		return fail(401, 40101, "")
	}
	wantIKey, skey := s.keys.AdminIKey, s.keys.AdminSKey
	if keys == authKeys {
		wantIKey, skey = s.keys.AuthIKey, s.keys.AuthSKey
	}
	if ikey != wantIKey {
		return fail(401, 40102, "")
	}
	if !validSignature(skey, canonicalize(date, r.Method, s.Host(), path, params), sig) {
		return fail(401, 40103, "")
	}
	return nil
}

func writeOK(w http.ResponseWriter, out any) {
	env := map[string]any{"stat": "OK", "response": out}
	if l, ok := out.(list); ok {
		items, meta := page(l)
		env["response"], env["metadata"] = items, meta
	}
	writeJSON(w, http.StatusOK, env)
}

// page cuts a list to limit and offset and says where the next page starts.
func page(l list) ([]any, map[string]any) {
	total := len(l.items)
	start := min(l.offset, total)
	end := min(start+l.limit, total)
	meta := map[string]any{"total_objects": total}
	if start > 0 {
		meta["prev_offset"] = max(start-l.limit, 0)
	}
	if end < total {
		meta["next_offset"] = end
	}
	items := l.items[start:end]
	if items == nil {
		items = []any{}
	}
	return items, meta
}

func writeFail(w http.ResponseWriter, e *apiError, retryAfter string) {
	env := map[string]any{"stat": "FAIL", "code": e.code, "message": e.message}
	if e.detail != "" {
		env["message_detail"] = e.detail
	}
	if retryAfter != "" {
		w.Header().Set("Retry-After", retryAfter)
	}
	writeJSON(w, e.status, env)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
