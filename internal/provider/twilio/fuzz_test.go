package twilio

import (
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzFailure feeds the error explanation any answer Twilio (or a proxy) could send.
func FuzzFailure(f *testing.F) {
	f.Add(400, []byte(`{"code":60200,"message":"Invalid parameter","more_info":"https://www.twilio.com/docs/errors/60200","status":400}`))
	f.Add(429, []byte(`{"code":60202,"message":"Max check attempts reached","status":429}`))
	f.Add(404, []byte(`{"code":20404,"message":"The requested resource \u202e was not found"}`))
	f.Add(500, []byte(`<!doctype html><title>oops</title>`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		a := answer{Status: status, Body: body}
		_ = retryable(a)
		var v map[string]any
		_ = a.Decode(&v)
		s := failure(a, "+12015550100").Error()
		if s == "" || !utf8.ValidString(s) {
			t.Fatalf("sentence empty or invalid UTF-8: %q", s)
		}
		for _, r := range s {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("sentence holds %U: %q", r, s)
			}
		}
	})
}
