package httpcall_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/httpcall"
	"github.com/mfa-onboard/mfa-onboard/internal/httpcall/limittest"
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

// lateClock is a fake clock whose sleeps end late by the given amounts, in turn, as
// a busy computer's timers do.
type lateClock struct {
	*clock.Fake
	late []time.Duration
}

func (c *lateClock) Sleep(ctx context.Context, d time.Duration) error {
	if len(c.late) > 0 {
		d += c.late[0]
		c.late = c.late[1:]
	}
	return c.Fake.Sleep(ctx, d)
}

func TestATurnTakenLateDoesNotCrowdTheVendorsSecond(t *testing.T) {
	// At 2 a second, the second request's turn is at 0.5 s but its caller wakes at
	// 0.8 s; the third and fourth turns, 1.0 s and 1.5 s, are kept on time. A vendor
	// counting the requests of any second would then see three in 0.8–1.8 s.
	clk := &lateClock{Fake: clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), late: []time.Duration{300 * time.Millisecond}}
	lim := httpcall.NewLimiter("vendor", 2, clk)
	var sent []time.Time
	for range 6 {
		if err := lim.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		sent = append(sent, clk.Now())
	}
	for i := 1; i < len(sent); i++ {
		if gap := sent[i].Sub(sent[i-1]); gap < 500*time.Millisecond {
			t.Errorf("request %d went %s after the one before; at 2 a second they must be 500ms apart", i+1, gap)
		}
	}
	if took := sent[len(sent)-1].Sub(sent[0]); took > 2800*time.Millisecond {
		t.Errorf("6 requests at 2 a second took %s after a late turn; the lateness is to be paid once, not per request", took)
	}
}

// wire is a transport that takes handshake[i] to write the i-th request out (a
// new connection's TLS handshake) and answers 200, on a fake clock.
type wire struct {
	clk       *clock.Fake
	handshake []time.Duration
	written   []time.Time
}

func (w *wire) RoundTrip(req *http.Request) (*http.Response, error) {
	if i := len(w.written); i < len(w.handshake) {
		_ = w.clk.Sleep(req.Context(), w.handshake[i])
	}
	w.written = append(w.written, w.clk.Now())
	if trace := httptrace.ContextClientTrace(req.Context()); trace != nil && trace.WroteRequest != nil {
		trace.WroteRequest(httptrace.WroteRequestInfo{})
	}
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Body: http.NoBody, Request: req}, nil
}

func TestTheSpacingCountsFromWhenARequestIsWrittenOut(t *testing.T) {
	// The first request opens a connection, 300 ms of handshake; the second, let go
	// on its turn at 0.5 s, would reach the vendor 200 ms after the first.
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	w := &wire{clk: clk, handshake: []time.Duration{300 * time.Millisecond}}
	lim := httpcall.NewLimiter("vendor", 2, clk)
	c := httpcall.Limited(&http.Client{Transport: w}, lim)
	for range 4 {
		req, _ := http.NewRequest(http.MethodGet, "https://vendor.example/", nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	for i := 1; i < len(w.written); i++ {
		if gap := w.written[i].Sub(w.written[i-1]); gap < 500*time.Millisecond {
			t.Errorf("request %d was written out %s after the one before; at 2 a second they must be 500ms apart", i+1, gap)
		}
	}
}

// BenchmarkLimitedVendor sends requests from 8 callers through one limiter to a
// vendor that admits as many a second as the limiter is set to (in any second,
// counted when a request arrives: limittest's strictest reading of "N a second"),
// answers 429 beyond, and takes 20–50 ms to answer: how close the callers get to the
// floor the limit sets (wall time ÷ requests/rate), and how many answers are 429.
func BenchmarkLimitedVendor(b *testing.B) {
	for _, bc := range []struct {
		rate, requests int
	}{{10, 200}, {100, 500}} {
		b.Run(fmt.Sprintf("%d/s", bc.rate), func(b *testing.B) {
			for b.Loop() {
				wall, refused, total := limitedVendor(b, bc.rate, bc.requests, 8)
				floor := time.Duration(bc.requests) * time.Second / time.Duration(bc.rate)
				b.ReportMetric(wall.Seconds()/floor.Seconds(), "wall/floor")
				b.ReportMetric(100*float64(refused)/float64(total), "%429")
			}
		})
	}
}

func limitedVendor(b *testing.B, perSecond, requests, callers int) (wall time.Duration, refused, total int) {
	vendor := limittest.New(limittest.Options{Requests: perSecond, Per: time.Second, MinLatency: 20 * time.Millisecond, MaxLatency: 50 * time.Millisecond})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok, _ := vendor.Admit()
		vendor.Delay(r.Context())
		if !ok {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		_, _ = w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	lim := httpcall.NewLimiter("vendor", float64(perSecond), clock.Real{})
	svc := httpcall.Service{Name: "Example Vendor", HTTP: httpcall.Limited(srv.Client(), lim), Clock: clock.Real{}}
	var left atomic.Int64
	left.Store(int64(requests))
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
	wall = time.Since(start)
	st := vendor.Stats()
	return wall, st.Refused, st.Admitted + st.Refused
}

// A team's computers running one batch split each vendor's rate: a limiter kept to
// one of three shares paces at a third of its rate, and back at one share at the
// whole rate again.
func TestALimitersShareOfItsRate(t *testing.T) {
	clk := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	lim := httpcall.NewLimiter("vendor", 6, clk)
	took := func() time.Duration {
		start := clk.Now()
		for range 7 {
			if err := lim.Wait(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		return clk.Now().Sub(start)
	}
	took() // the first request goes at once; from here on each of the 7 waits a turn
	for _, c := range []struct {
		parts int
		want  time.Duration
	}{{3, 3500 * time.Millisecond}, {1, 1166666669}, {0, 1166666669}} {
		lim.SetShare(c.parts)
		if got := took(); got < c.want-time.Millisecond || got > c.want+time.Millisecond {
			t.Errorf("7 requests at 6 a second in %d shares took %s, want %s", c.parts, got, c.want)
		}
	}
}
