package limittest_test

import (
	"context"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/httpcall/limittest"
)

func TestAtMostNRequestsInAnySpanCountedOnArrival(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 900_000_000, time.UTC)
	at := func(ms int) time.Time { return start.Add(time.Duration(ms) * time.Millisecond) }
	tests := []struct {
		name      string
		arrivals  []int // milliseconds after start
		want      []bool
		wantRetry time.Duration // of the last refused one
	}{
		{"evenly spaced at the limit", []int{0, 500, 1000, 1500}, []bool{true, true, true, true}, 0},
		{"a third within the second", []int{0, 500, 999}, []bool{true, true, false}, time.Millisecond},
		{"exactly a span after the first", []int{0, 1, 1000}, []bool{true, true, true}, 0},
		{"refused ones are not counted", []int{0, 10, 20, 30, 1000, 1010}, []bool{true, true, false, false, true, true}, 970 * time.Millisecond},
		{"across a calendar second it is still one span", []int{50, 150, 200}, []bool{true, true, false}, 850 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var now time.Time
			l := limittest.New(limittest.Options{Requests: 2, Per: time.Second, Now: func() time.Time { return now }})
			var retry time.Duration
			for i, ms := range tt.arrivals {
				now = at(ms)
				ok, wait := l.Admit()
				if ok != tt.want[i] {
					t.Errorf("request at +%d ms admitted = %v, want %v", ms, ok, tt.want[i])
				}
				if !ok {
					retry = wait
				}
			}
			if retry != tt.wantRetry {
				t.Errorf("the last refusal said to wait %s, want %s", retry, tt.wantRetry)
			}
			if s := l.Stats(); s.Busiest > 2 {
				t.Errorf("Busiest = %d, over the limit of 2", s.Busiest)
			}
		})
	}
}

func TestStatsCountTheBusiestSpanAndCalendarSecond(t *testing.T) {
	var now time.Time
	l := limittest.New(limittest.Options{Now: func() time.Time { return now }})
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, ms := range []int{0, 100, 200, 1100, 1200} {
		now = base.Add(time.Duration(ms) * time.Millisecond)
		if ok, _ := l.Admit(); !ok {
			t.Fatal("a limit of no requests refused one")
		}
	}
	if s := l.Stats(); s.Admitted != 5 || s.Refused != 0 || s.BusiestSecond != 3 {
		t.Errorf("Stats = %+v, want 5 admitted, none refused, 3 in the busiest second", s)
	}
	l.Reset()
	if s := l.Stats(); s != (limittest.Stats{}) {
		t.Errorf("after Reset, Stats = %+v", s)
	}
}

func TestDelayHoldsWithinItsBoundsAndANilLimitIsOff(t *testing.T) {
	l := limittest.New(limittest.Options{MinLatency: 20 * time.Millisecond, MaxLatency: 30 * time.Millisecond})
	start := time.Now()
	l.Delay(context.Background())
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Errorf("Delay held %s, under the least latency of 20ms", d)
	}
	var off *limittest.Limit
	if ok, _ := off.Admit(); !ok {
		t.Error("a nil limit refused a request")
	}
	off.Delay(context.Background())
}
