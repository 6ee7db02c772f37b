package twilio

import (
	"net/http"
	"testing"
	"time"
	"unicode"
)

// FuzzClockSkew reads any Date header an answer could carry: no panic, and a finding
// is one clean sentence.
func FuzzClockSkew(f *testing.F) {
	for _, v := range []string{"Tue, 01 Dec 2026 10:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", "Mon, 01 Jan 0001 00:00:00 GMT", "yesterday", ""} {
		f.Add(v)
	}
	now := time.Date(2026, 12, 1, 10, 0, 30, 0, time.UTC)
	f.Fuzz(func(t *testing.T, date string) {
		c, ok := clockSkew(http.Header{"Date": {date}}, now)
		if !ok {
			return
		}
		for _, r := range c.Detail {
			if unicode.IsControl(r) {
				t.Fatalf("detail holds %U: %q", r, c.Detail)
			}
		}
	})
}
