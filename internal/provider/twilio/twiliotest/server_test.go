package twiliotest_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/mfa-onboard/mfa-onboard/internal/provider/twilio/twiliotest"
)

// The fake must refuse what real Twilio refuses, or client tests prove nothing.
func TestServerRefusesWhatTwilioRefuses(t *testing.T) {
	tests := []struct {
		name, method, path, contentType, body string
		user, pass                            string
		wantStatus                            int
		wantCode                              string
	}{
		{"no credentials", "POST", twiliotest.Path("Verifications"), "application/x-www-form-urlencoded", "To=%2B12015550100&Channel=sms", "", "", 401, `"code":20003`},
		{"wrong token", "POST", twiliotest.Path("Verifications"), "application/x-www-form-urlencoded", "To=%2B12015550100&Channel=sms", twiliotest.AccountSID, "x", 401, `"code":20003`},
		{"lower-case names", "POST", twiliotest.Path("Verifications"), "application/x-www-form-urlencoded", "to=%2B12015550100&channel=sms", twiliotest.AccountSID, twiliotest.AuthToken, 400, `"code":60200`},
		{"JSON body", "POST", twiliotest.Path("Verifications"), "application/json", `{"To":"+12015550100","Channel":"sms"}`, twiliotest.AccountSID, twiliotest.AuthToken, 400, `"code":60200`},
		{"number not E.164", "POST", twiliotest.Path("Verifications"), "application/x-www-form-urlencoded", "To=2015550100&Channel=sms", twiliotest.AccountSID, twiliotest.AuthToken, 400, `"code":60200`},
		{"GET on Verifications", "GET", twiliotest.Path("Verifications"), "", "", twiliotest.AccountSID, twiliotest.AuthToken, 405, `"code":20004`},
		{"other service", "GET", "/v2/Services/VAffffffffffffffffffffffffffffffff", "", "", twiliotest.AccountSID, twiliotest.AuthToken, 404, `"code":20404`},
		{"check with nothing sent", "POST", twiliotest.Path("VerificationCheck"), "application/x-www-form-urlencoded", "To=%2B12015550100&Code=123456", twiliotest.AccountSID, twiliotest.AuthToken, 404, `"code":20404`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := twiliotest.New(t)
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			if tt.user != "" {
				req.SetBasicAuth(tt.user, tt.pass)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			r := srv.Requests()[0]
			if r.Status != tt.wantStatus || !strings.Contains(r.Answer, tt.wantCode) || !strings.Contains(r.Answer, `"more_info":"https://www.twilio.com/docs/errors/`) {
				t.Errorf("answer %d %s; want %d with %s and more_info", r.Status, r.Answer, tt.wantStatus, tt.wantCode)
			}
		})
	}
}

func TestWriteCA(t *testing.T) {
	srv := twiliotest.New(t)
	if p := srv.WriteCA(t); !strings.HasSuffix(p, ".pem") {
		t.Errorf("WriteCA = %q", p)
	}
}
