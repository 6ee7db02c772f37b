package retryafter

import (
	"net/http"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		in   string
		want time.Duration
		ok   bool
	}{
		{"empty", "", 0, false},
		{"blank", "  ", 0, false},
		{"seconds", "5", 5 * time.Second, true},
		{"seconds with spaces", " 120 ", 2 * time.Minute, true},
		{"zero", "0", 0, true},
		{"negative seconds", "-3", 0, false},
		{"fraction", "1.5", 0, false},
		{"future date", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{"past date", now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
		{"RFC 850 date", now.Add(time.Minute).Format(time.RFC850), time.Minute, true},
		{"garbage", "soon", 0, false},
		{"plus sign", "+5", 0, false},
		{"an hour", "3600", time.Hour, true},
		{"exactly the longest", "86400", Longest, true},
		{"just over the longest", "86401", Longest, true},
		// time.Duration(n) * time.Second overflowed for these: the first came out
		// negative, the second wrapped round to 290 ms, and both were retried.
		{"overflows to negative", "9223372037", Longest, true},
		{"wraps to 290 ms", "18446744074", Longest, true},
		{"beyond int64", "99999999999999999999999", Longest, true},
		{"leading zeros", "0000000000000000000000007", 7 * time.Second, true},
		{"date far in the future", "Fri, 31 Dec 9999 23:59:59 GMT", Longest, true},
		{"date far in the past", "Mon, 01 Jan 0001 00:00:00 GMT", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Parse(tt.in, now)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Parse(%q) = %s, %v; want %s, %v", tt.in, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestPolicyNext(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	p := Policy{Tries: 3, MaxWait: 10 * time.Second}
	tests := []struct {
		retryAfter string
		try        int
		want       time.Duration
		again      bool
	}{
		{"", 1, time.Second, true},
		{"", 2, 2 * time.Second, true},
		{"", 3, 4 * time.Second, false},
		{"7", 1, 7 * time.Second, true},
		{"11", 1, 11 * time.Second, false},
		{"9223372037", 1, Longest, false},
		{"18446744074", 1, Longest, false},
		{"Fri, 31 Dec 9999 23:59:59 GMT", 1, Longest, false},
		{"", 200, Longest, false},
		{"", 0, time.Second, true}, // no panic for a try that is not counted from 1
	}
	for _, tt := range tests {
		h := http.Header{}
		if tt.retryAfter != "" {
			h.Set("Retry-After", tt.retryAfter)
		}
		if got, again := p.Next(h, now, tt.try); got != tt.want || again != tt.again {
			t.Errorf("Next(%q, try %d) = %s, %v; want %s, %v", tt.retryAfter, tt.try, got, again, tt.want, tt.again)
		}
	}
}

// TestNextNeverRetriesPastTheLimit holds for a policy that allows any single wait:
// what the service asks for at Longest or beyond still ends the call.
func TestNextNeverRetriesPastTheLimit(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	p := Policy{Tries: 5, MaxWait: 1<<63 - 1}
	for _, v := range []string{"9223372037", "18446744074", "86400", "Fri, 31 Dec 9999 23:59:59 GMT"} {
		h := http.Header{"Retry-After": {v}}
		if wait, again := p.Next(h, now, 1); again || wait != Longest {
			t.Errorf("Next(%q) = %s, %v; want %s and no retry", v, wait, again, Longest)
		}
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		wait time.Duration
		want string
	}{
		{0, "a moment"},
		{time.Second, "1 second"},
		{45 * time.Second, "45 seconds"},
		{90 * time.Second, "2 minutes"},
		{10 * time.Minute, "10 minutes"},
		{time.Hour, "1 hour"},
		{90 * time.Minute, "2 hours"},
		{Longest - time.Second, "24 hours"},
		{Longest, "a day or more"},
	}
	for _, tt := range tests {
		if got := Describe(nil, tt.wait); got != tt.want {
			t.Errorf("Describe(%s) = %q; want %q", tt.wait, got, tt.want)
		}
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, v := range []string{"9223372037", "18446744074"} {
		wait, _ := Parse(v, now)
		if got := Describe(nil, wait); got != "a day or more" {
			t.Errorf("Retry-After %s is described as %q; want \"a day or more\"", v, got)
		}
	}
}
