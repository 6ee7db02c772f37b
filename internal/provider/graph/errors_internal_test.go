package graph

import (
	"net/http"
	"testing"
)

func TestFailureSentences(t *testing.T) {
	body := func(code, msg string) []byte {
		return []byte(`{"error":{"code":"` + code + `","message":"` + msg + `","innerError":{"request-id":"x"}}}`)
	}
	tests := []struct {
		name string
		a    answer
		o    op
		want string
	}{
		{"control characters are stripped", answer{Status: http.StatusBadRequest, Body: body("badRequest", `Bad \u001b[2Jnumber\r\nsecond line.`)}, op{},
			"Microsoft Graph refused the request: Bad [2Jnumber second line"},
		{"403 names the permission", answer{Status: http.StatusForbidden, Body: body("Authorization_RequestDenied", "Insufficient privileges")}, op{permission: "Policy.Read.All"},
			"the app registration lacks the Graph permission Policy.Read.All (application, with admin consent)"},
		{"404 names the user, cleaned", answer{Status: http.StatusNotFound, Body: body("Request_ResourceNotFound", "gone")}, op{user: "eve\x1b]0;x\x07@contoso.com"},
			"Microsoft 365 has no user eve]0;x@contoso.com"},
		{"not JSON", answer{Status: http.StatusBadGateway, Body: []byte("<html>proxy</html>")}, op{},
			"Microsoft Graph answered 502 (no detail given); try again in a few minutes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := failure(tt.a, tt.o).Error(); got != tt.want {
				t.Errorf("failure = %q; want %q", got, tt.want)
			}
		})
	}
}

func TestFromGraph(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+1 2065550100", "+12065550100"},
		{"+1 2065550100x123", "+12065550100"},
		{"+39 0612345678", "+390612345678"},
		{"+1 XXXXXXX0100", "+1XXXXXXX0100"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := fromGraph(tt.in); got != tt.want {
			t.Errorf("fromGraph(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}
