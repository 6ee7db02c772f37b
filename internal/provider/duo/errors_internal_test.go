package duo

import (
	"errors"
	"strings"
	"testing"

	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		code   int
		says   string
		is     error
	}{
		{"parameter, control characters removed", 400, `{"stat":"FAIL","code":40002,"message":"Invalid request parameters","message_detail":"num\u001b[31mber\n\u202e"}`, 40002, "Duo refused a parameter (num[31mber)", nil},
		{"code sent as a string", 404, `{"stat":"FAIL","code":"40401","message":"Resource not found"}`, 40401, "Duo has no such resource (Resource not found)", provider.ErrNotFound},
		{"duplicate", 400, `{"stat":"FAIL","code":40003,"message":"Duplicate resource","message_detail":"username"}`, 40003, "(username)", nil},
		{"rate limit", 429, `{"stat":"FAIL","code":42901,"message":"Too many requests"}`, 42901, "wait a few minutes", provider.ErrRateLimited},
		{"a proxy's error page", 502, `<html>Bad gateway</html>`, 0, "Duo (or a proxy in front of it) answered HTTP 502", nil},
		{"not Duo at all", 200, `hello`, 0, "check duo.api_host", nil},
		{"unknown code keeps Duo's words", 400, `{"stat":"FAIL","code":40099,"message":"Something new"}`, 40099, "(40099 Something new)", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := decode(AdminAPI, tt.status, []byte(tt.body), nil)
			var de *Error
			if !errors.As(err, &de) || de.Code != tt.code {
				t.Fatalf("decode = %#v; want code %d", err, tt.code)
			}
			if !strings.Contains(err.Error(), tt.says) || strings.ContainsAny(err.Error(), "\x1b\n\u202e") {
				t.Errorf("sentence %q; want %q and no control characters", err, tt.says)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("%v is not %v", err, tt.is)
			}
		})
	}
}
