package graphtest_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/httpcall/limittest"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph/graphtest"
)

func TestGraphOverItsLimitIsThrottledAsGraphDoesAndTheAuthorityIsNot(t *testing.T) {
	srv := graphtest.New(t)
	lim := limittest.New(limittest.Options{Requests: 1, Per: time.Minute})
	srv.SetLimit(lim)
	get := func() *http.Response {
		t.Helper()
		resp, err := srv.Client().Get(srv.URL + "/v1.0/users/" + alice + "/authentication/phoneMethods")
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if resp := get(); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("the first request: %d, want 401 (no token, but within the limit)", resp.StatusCode)
	}
	resp := get()
	defer resp.Body.Close()
	var body struct {
		Error struct{ Code string } `json:"error"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	secs, err := strconv.Atoi(resp.Header.Get("Retry-After"))
	if resp.StatusCode != http.StatusTooManyRequests || body.Error.Code != "TooManyRequests" || err != nil || secs < 1 || secs > 60 {
		t.Errorf("the second request within the minute: %d, code %q, Retry-After %q; want 429 TooManyRequests and the seconds to wait", resp.StatusCode, body.Error.Code, resp.Header.Get("Retry-After"))
	}
	_ = token(t, srv) // the authority is another service, with limits of its own
	ca := limittest.New(limittest.Options{Requests: 1, Per: time.Minute})
	srv.SetConditionalAccessLimit(ca)
	for _, want := range []int{http.StatusUnauthorized, http.StatusTooManyRequests} {
		resp, err := srv.Client().Get(srv.URL + "/v1.0/identity/conditionalAccess/policies")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("a Conditional Access request: %d, want %d (its own limit of 1, not Graph's, already used)", resp.StatusCode, want)
		}
	}
	if st := lim.Stats(); st.Admitted != 1 || st.Refused != 1 {
		t.Errorf("Graph's limit saw %+v; want 1 admitted, 1 refused, the token and Conditional Access requests not counted", st)
	}
}
