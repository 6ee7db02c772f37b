package retryafter

import (
	"net/http"
	"testing"
	"time"
)

// FuzzRetryAfter feeds any Retry-After a service (or a proxy) could send: a wait is
// never negative or beyond Longest, and a policy never retries past its own limits.
func FuzzRetryAfter(f *testing.F) {
	for _, v := range []string{"5", "0", "-1", "9223372037", "18446744074", "99999999999999999999", "Wed, 21 Oct 2015 07:28:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", "", " 7 ", "+5"} {
		f.Add(v, 1)
	}
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, value string, try int) {
		if wait, ok := Parse(value, now); ok && (wait < 0 || wait > Longest) {
			t.Fatalf("Parse(%q) = %s: outside 0..%s", value, wait, Longest)
		}
		p := Policy{Tries: 4, MaxWait: time.Minute}
		h := http.Header{"Retry-After": {value}}
		wait, again := p.Next(h, now, try)
		if wait < 0 || wait > Longest || (again && wait > p.MaxWait) || (again && try >= p.Tries) {
			t.Fatalf("Next(%q, try %d) = %s, %v: a retry beyond the policy", value, try, wait, again)
		}
		_ = Describe(nil, wait)
	})
}
