package duotest

import (
	"crypto/sha1"
	"net/url"
	"testing"
)

// The vectors are duo_api_golang's TestCanonicalize and TestSign (API-NOTES §1).

func TestCanonParams(t *testing.T) {
	tests := []struct {
		name   string
		params url.Values
		want   string
	}{
		{"TestCanonicalize vector", url.Values{"username": {"H ell?o"}, "password": {"H-._~i", "A(!'*)"}},
			"password=A%28%21%27%2A%29&password=H-._~i&username=H%20ell%3Fo"},
		{"no parameters", nil, ""},
		{"utf-8 bytes in upper-case hex, plus and at-sign encoded", url.Values{"realname": {"Zoë+1@x"}},
			"realname=Zo%C3%AB%2B1%40x"},
		{"keys sorted before values", url.Values{"b": {"1"}, "a": {"2", "1"}}, "a=1&a=2&b=1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := canonParams(tt.params); got != tt.want {
				t.Errorf("canonParams = %q; want %q", got, tt.want)
			}
		})
	}
}

func TestAuthorizationVector(t *testing.T) {
	const want = "Basic RElXSjhYNkFFWU9SNU9NQzZUUTE6MWJmZmI4OTI0MzQ4ZjdkYjdkYTllN2Q3ZDc0OWRlZDkzYWFmZDAyZDhlOTA0OTYwZGE3Yjk2YzU3NTEwMjIwMTg1YTY0YTI4MjdlZThmMjRhYzVkMzA4MDJhOWVlOTdlNTlkZTQ0YjMwNGIxODI0MmYwZDU5NmQxNWE4MTIyYWY="
	canon := canonicalize("Tue, 21 Aug 2012 17:29:18 -0000", "post", "api-XXXXXXXX.duosecurity.com", "/accounts/v1/account/list",
		url.Values{"realname": {"First Last"}, "username": {"root"}})
	if got := authorization("DIWJ8X6AEYOR5OMC6TQ1", "Zh5eGmUq9zpfQnyUIu5OL9iWoMMv5ZNmk3zLJ4Ep", canon); got != want {
		t.Fatalf("authorization =\n%s\nwant\n%s", got, want)
	}
	ikey, sig, ok := parseAuthorization(want)
	if !ok || ikey != "DIWJ8X6AEYOR5OMC6TQ1" || !validSignature("Zh5eGmUq9zpfQnyUIu5OL9iWoMMv5ZNmk3zLJ4Ep", canon, sig) {
		t.Errorf("the vector's own header does not verify: %q %v", ikey, ok)
	}
	if validSignature("wrong", canon, sig) {
		t.Error("a signature verified with the wrong secret key")
	}
	if !validSignature("k", canon, signature(sha1.New, "k", canon)) {
		t.Error("legacy HMAC-SHA1 signature refused")
	}
}
