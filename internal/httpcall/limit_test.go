package httpcall_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/httpcall"
)

// perSecond is a vendor that counts the requests of each wall-clock second and
// answers 429 beyond limit, as a rate-limited API does.
type perSecond struct {
	limit int

	mu        sync.Mutex
	counts    map[int64]int
	throttled int
	arrivals  []time.Time
	// first429 answers the first request 429 with this Retry-After, when set.
	first429 string
	answered chan struct{}
}

func (v *perSecond) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v.mu.Lock()
	now := time.Now()
	v.arrivals = append(v.arrivals, now)
	sec := now.Unix()
	v.counts[sec]++
	over := v.counts[sec] > v.limit
	first := len(v.arrivals) == 1 && v.first429 != ""
	if over || first {
		v.throttled++
	}
	v.mu.Unlock()
	switch {
	case first:
		w.Header().Set("Retry-After", v.first429)
		w.WriteHeader(http.StatusTooManyRequests)
		close(v.answered)
	case over:
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
	default:
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(`{}`))
	}
}

func newVendor(t *testing.T, limit int) (*perSecond, *httptest.Server) {
	v := &perSecond{limit: limit, counts: map[int64]int{}, answered: make(chan struct{})}
	srv := httptest.NewServer(v)
	t.Cleanup(srv.Close)
	return v, srv
}

func TestOneLimiterKeepsManyCallersUnderTheVendorsLimit(t *testing.T) {
	// The vendor allows 20 a second. The limiter spaces requests exactly, but when each
	// one reaches the vendor varies a little (scheduling, the loopback), so a counter
	// of whole seconds can see one more than the rate: the limiter is set just under.
	v, srv := newVendor(t, 20)
	lim := httpcall.NewLimiter("vendor", 18, clock.Real{})
	svc := httpcall.Service{Name: "Example Vendor", HTTP: httpcall.Limited(srv.Client(), lim), Clock: clock.Real{}}
	const callers, each = 9, 4
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			for range each {
				a, err := svc.Do(context.Background(), httpcall.Request{Method: http.MethodGet, URL: srv.URL})
				if err != nil || !a.OK() {
					t.Errorf("Do = %d, %v", a.Status, err)
				}
			}
		})
	}
	wg.Wait()
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.throttled != 0 {
		t.Errorf("the vendor answered %d requests 429; per second it saw %v", v.throttled, v.counts)
	}
	for sec, n := range v.counts {
		if n > v.limit {
			t.Errorf("second %d saw %d requests, over the vendor's %d", sec, n, v.limit)
		}
	}
	if got := lim.Requests(); got != callers*each {
		t.Errorf("the limiter let %d requests through, want %d", got, callers*each)
	}
}

func TestA429SlowsEveryCallerOfThatVendorAndItsRetryAfterIsHonoured(t *testing.T) {
	v, srv := newVendor(t, 1000)
	v.first429 = "1"
	lim := httpcall.NewLimiter("vendor", 100, clock.Real{})
	svc := httpcall.Service{Name: "Example Vendor", HTTP: httpcall.Limited(srv.Client(), lim), Clock: clock.Real{}}
	var wg sync.WaitGroup
	wg.Go(func() {
		a, err := svc.Do(context.Background(), httpcall.Request{Method: http.MethodGet, URL: srv.URL})
		if err != nil || !a.OK() {
			t.Errorf("the throttled call ended %d, %v; want it sent again and answered", a.Status, err)
		}
	})
	<-v.answered
	// Another caller of the same vendor, after the 429: it waits too.
	time.Sleep(50 * time.Millisecond)
	wg.Go(func() {
		if _, err := svc.Do(context.Background(), httpcall.Request{Method: http.MethodGet, URL: srv.URL}); err != nil {
			t.Error(err)
		}
	})
	wg.Wait()
	v.mu.Lock()
	defer v.mu.Unlock()
	if len(v.arrivals) != 3 {
		t.Fatalf("the vendor saw %d requests, want 3 (the throttled one, its retry, the other caller's)", len(v.arrivals))
	}
	for i, at := range v.arrivals[1:] {
		if gap := at.Sub(v.arrivals[0]); gap < time.Second {
			t.Errorf("request %d came %s after the 429 that asked for 1 s", i+2, gap)
		}
	}
	if lim.Throttled() != 1 {
		t.Errorf("the limiter counted %d throttled answers, want 1", lim.Throttled())
	}
}

func TestLimiterWaitStopsWithItsContext(t *testing.T) {
	lim := httpcall.NewLimiter("vendor", 0.001, clock.Real{})
	if err := lim.Wait(context.Background()); err != nil {
		t.Fatal(err) // the first one goes at once
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := lim.Wait(ctx); err == nil {
		t.Error("Wait returned without error for a request 1000 s away, with its context done")
	}
}

func TestLimiterPacesOnItsClock(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	lim := httpcall.NewLimiter("vendor", 2, clk)
	start := clk.Now()
	for range 5 {
		if err := lim.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if got := clk.Now().Sub(start); got != 2*time.Second {
		t.Errorf("5 requests at 2 a second took %s, want 2s (the first goes at once)", got)
	}
	lim.Backoff(10 * time.Second)
	before := clk.Now()
	if err := lim.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := clk.Now().Sub(before); got < 10*time.Second {
		t.Errorf("after the vendor asked for 10 s, the next request went after %s", got)
	}
}

// BenchmarkLimitedVendor sends 1,000 requests from 8 callers through one limiter to a
// vendor that allows 100 a second (429 beyond, counted per wall-clock second) and
// answers each in 20–50 ms: how close the batch gets to the floor the limit sets
// (wall time ÷ requests/rate) and how many answers are 429.
func BenchmarkLimitedVendor(b *testing.B) {
	const rate, requests, callers = 100, 1000, 8
	for b.Loop() {
		v := &perSecond{limit: rate, counts: map[int64]int{}, answered: make(chan struct{})}
		var n atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(time.Duration(20+n.Add(7)%31) * time.Millisecond)
			v.ServeHTTP(w, r)
		}))
		lim := httpcall.NewLimiter("vendor", rate, clock.Real{})
		svc := httpcall.Service{Name: "Example Vendor", HTTP: httpcall.Limited(srv.Client(), lim), Clock: clock.Real{}}
		var left atomic.Int64
		left.Store(requests)
		start := time.Now()
		var wg sync.WaitGroup
		for range callers {
			wg.Go(func() {
				for left.Add(-1) >= 0 {
					if _, err := svc.Do(context.Background(), httpcall.Request{Method: http.MethodGet, URL: srv.URL}); err != nil {
						b.Error(err)
					}
				}
			})
		}
		wg.Wait()
		wall := time.Since(start)
		srv.Close()
		floor := time.Duration(requests) * time.Second / rate
		b.ReportMetric(wall.Seconds()/floor.Seconds(), "wall/floor")
		b.ReportMetric(100*float64(v.throttled)/float64(len(v.arrivals)), "%429")
	}
}
