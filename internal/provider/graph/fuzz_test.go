package graph

import (
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzFailure feeds the error explanation any answer Graph (or a proxy) could send.
func FuzzFailure(f *testing.F) {
	f.Add(403, []byte(`{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges"}}`))
	f.Add(404, []byte(`{"error":{"code":"Request_ResourceNotFound","message":"\u001b[2JUser not found"}}`))
	f.Add(429, []byte(`{"error":{"code":"TooManyRequests"}}`))
	f.Add(500, []byte(`not json`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		a := answer{Status: status, Body: body}
		for _, o := range []op{{}, {permission: "UserAuthenticationMethod.ReadWrite.All", user: "alice@contoso.com"}} {
			s := failure(a, o).Error()
			if s == "" || !utf8.ValidString(s) {
				t.Fatalf("sentence empty or invalid UTF-8: %q", s)
			}
			for _, r := range s {
				if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
					t.Fatalf("sentence holds %U: %q", r, s)
				}
			}
		}
		var v map[string]any
		_ = a.Decode(&v)
	})
}
