package httpcall

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptrace"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/retryafter"
)

// MaxPause is the longest a 429 stops every caller of its vendor at the limiter. The
// caller that was answered 429 waits what the vendor asked for (its retry policy
// decides); the others only need to stop hammering a vendor that is throttling, and
// must not sit at the limiter into their own call timeout.
const MaxPause = 15 * time.Second

// Limiter paces the requests to one vendor for the whole process: every run of a
// batch, on every worker, waits at the same one before each attempt (retries
// included), so the vendor never sees more than the configured rate. A 429 answer
// also pauses it for everyone, for as long as the vendor asked (at most MaxPause):
// a vendor that throttles one caller is throttling the application, so the others
// holding back is what ends the throttling soonest.
//
// Requests are spaced evenly (a token bucket of one, golang.org/x/time/rate): no
// burst goes out at once. The bucket spaces the callers' turns, not the moments they
// go, and a caller wakes late for its turn (a timer fires up to a millisecond late,
// more on a busy CPU): a caller woken late and the next one woken on time would go
// out closer than the rate allows, and a vendor counting per second would then see
// one request more than the rate in some second. So the limiter also keeps the
// spacing between the moments requests actually go — are written out, through
// Limited — at the price of the timers' lateness (under 1% of the rate at 10 a
// second).
type Limiter struct {
	name  string
	clock clock.Clock
	lim   *rate.Limiter
	// perSecond is the whole rate, which SetShare divides.
	perSecond float64

	mu sync.Mutex
	// gap is the least time between two requests going out (zero: no limit).
	gap   time.Duration
	until time.Time
	// last is when the latest request went out.
	last time.Time

	sent      atomic.Int64
	throttled atomic.Int64
}

// NewLimiter paces requests to perSecond (zero or less: no limit) on clk.
func NewLimiter(name string, perSecond float64, clk clock.Clock) *Limiter {
	if clk == nil {
		clk = clock.Real{}
	}
	limit, gap := pace(perSecond)
	return &Limiter{name: name, clock: clk, lim: rate.NewLimiter(limit, 1), gap: gap, perSecond: perSecond}
}

// pace is the bucket's rate and the least gap between requests for perSecond.
func pace(perSecond float64) (rate.Limit, time.Duration) {
	if perSecond <= 0 || math.IsInf(perSecond, 1) {
		return rate.Inf, 0
	}
	// Rounded up: three gaps of 333,333,333 ns at 3 a second would put a fourth
	// request into the second of the first.
	return rate.Limit(perSecond), time.Duration(math.Ceil(float64(time.Second) / perSecond))
}

// SetShare keeps the limiter to one of parts equal shares of its rate from now on:
// the computers of a team running one batch split each vendor's limit between
// them. One part (or fewer) is the whole rate.
func (l *Limiter) SetShare(parts int) {
	if l.perSecond <= 0 || math.IsInf(l.perSecond, 1) {
		return
	}
	limit, gap := pace(l.perSecond / float64(max(1, parts)))
	l.mu.Lock()
	l.gap = gap
	l.mu.Unlock()
	l.lim.SetLimitAt(l.clock.Now(), limit)
}

// Name is the vendor the limiter is for, as the batch display shows it.
func (l *Limiter) Name() string { return l.name }

// Requests is how many requests the limiter has let through.
func (l *Limiter) Requests() int64 { return l.sent.Load() }

// Throttled is how many answers asked the limiter's vendor's callers to wait.
func (l *Limiter) Throttled() int64 { return l.throttled.Load() }

// Wait blocks until a request may go, or ctx is done.
func (l *Limiter) Wait(ctx context.Context) error {
	for {
		if d := l.paused(); d > 0 {
			if err := l.clock.Sleep(ctx, d); err != nil {
				return err
			}
		}
		now := l.clock.Now()
		r := l.lim.ReserveN(now, 1)
		if d := r.DelayFrom(now); d > 0 {
			if err := l.clock.Sleep(ctx, d); err != nil {
				r.CancelAt(l.clock.Now())
				return err
			}
		}
		// A pause that began while this caller waited its turn holds it too; it then
		// takes a new turn, so that callers released together go out spaced.
		if err := l.release(ctx); !errors.Is(err, errPaused) {
			return err
		}
	}
}

// errPaused is release's word for a pause that began while the caller waited.
var errPaused = errors.New("the vendor asked every caller to wait") // untranslated: a signal inside Wait, never shown

// release lets the caller go once gap has passed since the last request went out.
func (l *Limiter) release(ctx context.Context) error {
	for {
		l.mu.Lock()
		now := l.clock.Now()
		if l.until.After(now) {
			l.mu.Unlock()
			return errPaused
		}
		early := l.last.Add(l.gap).Sub(now)
		if early <= 0 {
			l.last = now
			l.mu.Unlock()
			l.sent.Add(1)
			return nil
		}
		l.mu.Unlock()
		if err := l.clock.Sleep(ctx, early); err != nil {
			return err
		}
	}
}

// wrote moves the last request's moment to t, when it was written out: the next
// goes gap after that.
func (l *Limiter) wrote(t time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if t.After(l.last) {
		l.last = t
	}
}

// Backoff pauses every caller for d (at most MaxPause): the vendor asked for it.
func (l *Limiter) Backoff(d time.Duration) {
	l.throttled.Add(1)
	until := l.clock.Now().Add(min(d, MaxPause))
	l.mu.Lock()
	defer l.mu.Unlock()
	if until.After(l.until) {
		l.until = until
	}
}

func (l *Limiter) paused() time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.until.Sub(l.clock.Now())
}

// Limited returns a copy of c whose every request waits at l first (nil l: c
// itself). It is the HTTP client a vendor's provider client is given, so each
// attempt of every call, retries included, is paced, whoever makes it.
func Limited(c *http.Client, l *Limiter) *http.Client {
	if l == nil {
		return c
	}
	return LimitedBy(c, func(*http.Request) *Limiter { return l })
}

// LimitedBy is Limited with the limiter picked per request (nil: not paced), for a
// vendor whose APIs are limited apart (Duo's Admin and Auth APIs).
func LimitedBy(c *http.Client, pick func(*http.Request) *Limiter) *http.Client {
	if c == nil {
		c = &http.Client{}
	}
	next := c.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	out := *c
	out.Transport = limitTransport{next: next, pick: pick}
	return &out
}

// limitTransport waits at the request's limiter, and tells it of a throttled answer.
type limitTransport struct {
	next http.RoundTripper
	pick func(*http.Request) *Limiter
}

func (t limitTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	l := t.pick(req)
	if l == nil {
		return t.next.RoundTrip(req)
	}
	if err := l.Wait(req.Context()); err != nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, err
	}
	// The spacing is kept from the moment the request is on the wire, not the
	// moment it was let go: a request that must first open a connection (a TLS
	// handshake, milliseconds on a busy computer) reaches the vendor later than
	// released, and the next one, on a connection already open, would follow it
	// closer than the rate allows.
	wire := httptrace.WithClientTrace(req.Context(), &httptrace.ClientTrace{
		WroteRequest: func(httptrace.WroteRequestInfo) { l.wrote(l.clock.Now()) },
	})
	resp, err := t.next.RoundTrip(req.WithContext(wire))
	if err != nil {
		return resp, err
	}
	after := resp.Header.Get("Retry-After")
	if resp.StatusCode == http.StatusTooManyRequests || (resp.StatusCode == http.StatusServiceUnavailable && after != "") {
		wait, given := retryafter.Parse(after, l.clock.Now())
		if !given {
			wait = time.Second // the first step of every client's own back-off
		}
		l.Backoff(wait)
	}
	return resp, nil
}
