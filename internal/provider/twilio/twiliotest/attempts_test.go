package twiliotest

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestAttemptsListTextsAndConversion(t *testing.T) {
	s := New(t)
	post := func(resource string, form url.Values) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, s.URL+Path(resource), strings.NewReader(form.Encode()))
		req.SetBasicAuth(AccountSID, AuthToken)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	list := func(q string) []map[string]any {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/v2/Attempts?"+q, nil)
		req.SetBasicAuth(AccountSID, AuthToken)
		resp, err := s.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var page struct {
			Attempts []map[string]any `json:"attempts"`
		}
		if resp.StatusCode != 200 || json.NewDecoder(resp.Body).Decode(&page) != nil {
			t.Fatalf("GET /v2/Attempts?%s: %d", q, resp.StatusCode)
		}
		return page.Attempts
	}
	to := "+12015550100"
	post("Verifications", url.Values{"To": {to}, "Channel": {"sms"}})
	if a := list("ChannelData.To=%2B12015550100&Status=converted"); len(a) != 0 {
		t.Fatalf("converted attempts before a check: %v", a)
	}
	post("VerificationCheck", url.Values{"To": {to}, "Code": {s.LastCode(to)}})
	a := list("VerifyServiceSid=" + ServiceSID + "&ChannelData.To=%2B12015550100&Channel=sms&Status=converted&DateCreatedAfter=2026-11-25T08:59:00Z")
	if len(a) != 1 || a[0]["conversion_status"] != "converted" || a[0]["channel_data"].(map[string]any)["to"] != to {
		t.Fatalf("attempts after the right code = %v; want the one text, converted", a)
	}
	if texts, approvals := s.Texts(); texts != 1 || approvals != 1 {
		t.Errorf("Texts() = %d, %d; want 1, 1", texts, approvals)
	}
}
