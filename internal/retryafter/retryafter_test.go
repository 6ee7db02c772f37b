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
