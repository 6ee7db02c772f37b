package duotest

import (
	"encoding/json"
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
