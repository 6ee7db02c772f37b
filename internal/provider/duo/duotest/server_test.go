package duotest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
)

// TestServerChecksRequests signs requests by hand to show the server refuses each
// way a request can be wrong, with Duo's status and code.
func TestServerChecksRequests(t *testing.T) {
	clk := clock.NewFake(time.Now())
	s := New(t, Options{Clock: clk})
	k := DefaultKeys()
	now := clk.Now().UTC().Format(time.RFC1123Z)
	tests := []struct {
		name                string
		method, path, query string
		body, contentType   string
		ikey, skey, date    string
		wantStatus, code    int
	}{
		{"signed GET", "GET", "/admin/v1/users", "username=alice", "", "", k.AdminIKey, k.AdminSKey, now, 200, 0},
		{"unsigned ping", "GET", "/auth/v2/ping", "", "", "", "", "", "", 200, 0},
		{"signed POST form", "POST", "/auth/v2/preauth", "", "username=a+b", "application/x-www-form-urlencoded", k.AuthIKey, k.AuthSKey, now, 200, 0},
		{"no Date", "GET", "/auth/v2/check", "", "", "", k.AuthIKey, k.AuthSKey, "", 401, 40104},
		{"Date 6 minutes old", "GET", "/auth/v2/check", "", "", "", k.AuthIKey, k.AuthSKey, clk.Now().Add(-6 * time.Minute).UTC().Format(time.RFC1123Z), 401, 40105},
		{"admin keys on the Auth API", "GET", "/auth/v2/check", "", "", "", k.AdminIKey, k.AdminSKey, now, 401, 40102},
		{"wrong secret key", "GET", "/admin/v1/info/summary", "", "", "", k.AdminIKey, "wrong", now, 401, 40103},
		{"JSON body", "POST", "/auth/v2/preauth", "", `{"username":"a"}`, "application/json", k.AuthIKey, k.AuthSKey, now, 400, 40002},
		{"undocumented parameter", "GET", "/admin/v1/users", "usernme=alice", "", "", k.AdminIKey, k.AdminSKey, now, 400, 40002},
		{"wrong method", "DELETE", "/admin/v1/users", "", "", "", k.AdminIKey, k.AdminSKey, now, 405, 40501},
		{"unknown path", "GET", "/admin/v1/nothing", "", "", "", k.AdminIKey, k.AdminSKey, now, 404, 40401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, "https://"+s.Host()+tt.path+"?"+tt.query, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.query == "" {
				req.URL.RawQuery = ""
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			if tt.ikey != "" {
				raw := tt.query
				if tt.method == "POST" {
					raw = tt.body
				}
				params, _ := url.ParseQuery(raw)
				req.Header.Set("Date", tt.date)
				req.Header.Set("Authorization", authorization(tt.ikey, tt.skey, canonicalize(tt.date, tt.method, s.Host(), tt.path, params)))
			}
			resp, err := s.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var env struct {
				Stat string
				Code int
			}
			if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != tt.wantStatus || env.Code != tt.code {
				t.Errorf("answer = %d %+v; want %d code %d", resp.StatusCode, env, tt.wantStatus, tt.code)
			}
		})
	}
}

func TestPushTimesOutUnanswered(t *testing.T) {
	clk := clock.NewFake(time.Now())
	s := New(t, Options{Clock: clk})
	p := &push{txid: "t", username: "alice", created: clk.Now()}
	s.pushes["t"] = p
	if got := s.pushResult(p); got != "" {
		t.Fatalf("fresh push = %q", got)
	}
	clk.Advance(PushTimeout)
	if got := s.pushResult(p); got != "timeout" {
		t.Fatalf("push after %s = %q; want timeout", PushTimeout, got)
	}
	if err := s.AnswerPushID("t", "allow"); err == nil {
		t.Error("a timed-out push could still be answered")
	}
}

// signed sends a request signed as Duo's v2 signing says and decodes the envelope.
func signed(t *testing.T, s *Server, method, path string, params url.Values) (int, map[string]any) {
	t.Helper()
	k := DefaultKeys()
	ikey, skey := k.AdminIKey, k.AdminSKey
	if strings.HasPrefix(path, "/auth/") {
		ikey, skey = k.AuthIKey, k.AuthSKey
	}
	var body string
	target := "https://" + s.Host() + path
	if method == http.MethodPost {
		body = params.Encode()
	} else if len(params) > 0 {
		target += "?" + params.Encode()
	}
	req, err := http.NewRequest(method, target, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	date := s.clock.Now().UTC().Format(time.RFC1123Z)
	req.Header.Set("Date", date)
	req.Header.Set("Authorization", authorization(ikey, skey, canonicalize(date, method, s.Host(), path, params)))
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var env map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, env
}

// activeUser gives alice an activated phone, as duo-enroll leaves her.
func activeUser(t *testing.T, s *Server) string {
	t.Helper()
	pid, err := s.AddPhone("+12015550100", "mobile", "apple ios")
	if err != nil {
		t.Fatal(err)
	}
	s.AddUser("alice")
	s.mu.Lock()
	defer s.mu.Unlock()
	s.userByName("alice").PhoneIDs = []string{pid}
	s.phones[pid].Activated = true
	return pid
}

// TestVerifiedPushTenant: preauth prepares a Verified Duo Push only for a client that
// says it supports one; its txid serves one push, within a minute, and that push's
// auth_status says the number while it waits.
func TestVerifiedPushTenant(t *testing.T) {
	clk := clock.NewFake(time.Now())
	s := New(t, Options{Clock: clk, VerifiedPushDigits: 3})
	pid := activeUser(t, s)
	preauth := func(supports bool) string {
		p := url.Values{"username": {"alice"}}
		if supports {
			p.Set("client_supports_verified_push", "1")
		}
		_, env := signed(t, s, "POST", "/auth/v2/preauth", p)
		txid, _ := env["response"].(map[string]any)["txid"].(string)
		return txid
	}
	push := func(txid string) (int, map[string]any) {
		p := url.Values{"username": {"alice"}, "factor": {"push"}, "device": {pid}, "async": {"1"}}
		if txid != "" {
			p.Set("txid", txid)
		}
		return signed(t, s, "POST", "/auth/v2/auth", p)
	}
	if txid := preauth(false); txid != "" {
		t.Errorf("preauth without client_supports_verified_push gave txid %q; Duo then bypasses the policy", txid)
	}
	if status, env := push(""); status != 200 {
		t.Fatalf("a plain push on a Verified Duo Push tenant = %d %v; want it sent", status, env)
	} else if n, ok := s.VerifyNumber(env["response"].(map[string]any)["txid"].(string)); ok {
		t.Errorf("a plain push has number %q", n)
	}

	txid := preauth(true)
	if txid == "" {
		t.Fatal("preauth with client_supports_verified_push=1 gave no txid")
	}
	if status, env := push(txid); status != 200 || env["response"].(map[string]any)["txid"] != txid {
		t.Fatalf("auth with the preauth txid = %d %v; want the push under that txid", status, env)
	}
	number, ok := s.VerifyNumber(txid)
	if !ok || len(number) != 3 {
		t.Fatalf("the verified push's number = %q, %v; want 3 digits", number, ok)
	}
	_, env := signed(t, s, "GET", "/auth/v2/auth_status", url.Values{"txid": {txid}})
	if r := env["response"].(map[string]any); r["result"] != "waiting" || !strings.Contains(r["status_msg"].(string), " "+number+" ") {
		t.Errorf("auth_status = %v; want waiting, saying %s", r, number)
	}
	if status, _ := push(txid); status != 400 {
		t.Errorf("a second push with the same txid = %d; want 400", status)
	}
	stale := preauth(true)
	clk.Advance(PushTimeout)
	if status, _ := push(stale); status != 400 {
		t.Errorf("a push with a txid %s old = %d; want 400", PushTimeout, status)
	}
}

// TestListsArePaged: with a page size, a list comes a page at a time, each saying
// where the next starts, as Duo's do.
func TestListsArePaged(t *testing.T) {
	s := New(t, Options{PageSize: 2})
	for i := range 5 {
		if _, err := s.AddPhone(fmt.Sprintf("+1201555010%d", i), "mobile", "apple ios"); err != nil {
			t.Fatal(err)
		}
	}
	var got []string
	offset := "0"
	for pages := 1; offset != ""; pages++ {
		if pages > 5 {
			t.Fatal("the pages do not end")
		}
		_, env := signed(t, s, "GET", "/admin/v1/phones", url.Values{"limit": {"100"}, "offset": {offset}})
		items := env["response"].([]any)
		if len(items) > 2 {
			t.Fatalf("page of %d phones; want at most 2", len(items))
		}
		for _, it := range items {
			got = append(got, it.(map[string]any)["phone_id"].(string))
		}
		offset = ""
		if next, ok := env["metadata"].(map[string]any)["next_offset"].(float64); ok {
			offset = fmt.Sprint(next)
		}
	}
	if len(got) != 5 {
		t.Errorf("read %d phones over the pages; want 5", len(got))
	}
}
