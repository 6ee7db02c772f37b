package duotest

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/httpcall/limittest"
)

func TestAnAPIOverItsLimitIsAnswered42901AndTheOtherAPIIsNot(t *testing.T) {
	auth := limittest.New(limittest.Options{Requests: 1, Per: time.Minute, MinLatency: 30 * time.Millisecond})
	s := New(t, Options{AuthLimit: auth})
	get := func(path string) (*http.Response, map[string]any, time.Duration) {
		t.Helper()
		start := time.Now()
		resp, err := s.Client().Get("https://" + s.Host() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var env map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&env)
		return resp, env, time.Since(start)
	}
	if resp, _, took := get("/auth/v2/ping"); resp.StatusCode != 200 || took < 30*time.Millisecond {
		t.Errorf("the first ping: %d after %s; want 200 after the 30ms latency", resp.StatusCode, took)
	}
	resp, env, _ := get("/auth/v2/ping")
	if resp.StatusCode != http.StatusTooManyRequests || env["code"] != float64(42901) || env["stat"] != "FAIL" {
		t.Errorf("the second ping within the minute: %d %v; want 429 with Duo's code 42901", resp.StatusCode, env)
	}
	if ra := resp.Header.Get("Retry-After"); ra != "" {
		t.Errorf("the 429 has Retry-After %q; Duo documents none", ra)
	}
	if resp, _, _ := get("/admin/v1/nothing"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an Admin API request after the Auth API's limit: %d; want it unlimited (404 for the unknown path)", resp.StatusCode)
	}
	if st := auth.Stats(); st.Admitted != 1 || st.Refused != 1 {
		t.Errorf("the Auth API's limit saw %+v; want 1 admitted, 1 refused", st)
	}
	if n := len(s.Requests()); n != 3 {
		t.Errorf("the server recorded %d requests, want 3 (refused ones included)", n)
	}
}
