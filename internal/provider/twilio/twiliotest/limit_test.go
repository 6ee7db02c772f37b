package twiliotest_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/httpcall/limittest"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/twilio/twiliotest"
)

func TestAnAccountOverItsLimitIsAnswered20429(t *testing.T) {
	srv := twiliotest.New(t)
	srv.SetLimit(limittest.New(limittest.Options{Requests: 1, Per: time.Minute}))
	for range 2 {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+twiliotest.Path(""), nil)
		req.SetBasicAuth(twiliotest.AccountSID, twiliotest.AuthToken)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("the server recorded %d requests, want 2", len(reqs))
	}
	if r := reqs[1]; r.Status != http.StatusTooManyRequests || !strings.Contains(r.Answer, `"code":20429`) || !strings.Contains(r.Answer, `"more_info":"https://www.twilio.com/docs/errors/20429"`) {
		t.Errorf("the second request within the minute: %d %s; want 429 with Twilio's 20429", r.Status, r.Answer)
	}
	if reqs[0].Status == http.StatusTooManyRequests {
		t.Errorf("the first request was refused: %s", reqs[0].Answer)
	}
}
