// Package limittest is a vendor's request limit and its network's latency for the
// contract-test servers (duotest, graphtest, twiliotest): each server counts the
// requests that reach it and refuses those over the limit in its vendor's own words
// (a 429 and the vendor's error body), and holds every answer for a latency drawn
// between two bounds.
//
// The count is the strictest reading of a vendor's "N requests per W": at most N
// requests in any span of W, counted when a request arrives. A client that keeps
// to it keeps to the token bucket Microsoft Graph documents for the same N and W
// (https://learn.microsoft.com/graph/throttling-limits, "Identity and access service
// limits": a bucket of N refilled over W admits everything a window of N admits),
// and to a count per calendar second. Refused requests are not counted: Graph
// throttles "only the requests exceeding the limits". Latency is added after the
// count: a vendor counts a request when it arrives, and the latency stands for its
// work and the way back.
package limittest

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// Options are one vendor API's limit and latency; the zero value limits nothing and
// adds no latency.
type Options struct {
	// Requests is the most requests admitted in any span of Per (0: no limit).
	Requests int
	Per      time.Duration
	// MinLatency and MaxLatency bound the time every answer is held (uniformly
	// drawn); MaxLatency below MinLatency is MinLatency.
	MinLatency, MaxLatency time.Duration
	// Now is the clock requests are counted by; nil is the wall clock, which is the
	// one a client paces itself by.
	Now func() time.Time
}

// Limit counts one vendor API's requests. Its methods are safe for concurrent use;
// a nil *Limit admits everything at once.
type Limit struct {
	opts Options

	mu sync.Mutex
	// admitted holds the arrival times of the admitted requests of the last Per,
	// oldest first.
	admitted []time.Time
	stats    Stats
	// second is the calendar second being counted, and its count so far.
	second      int64
	secondCount int
}

// Stats are what a Limit saw.
type Stats struct {
	// Admitted and Refused count the requests.
	Admitted, Refused int
	// Busiest is the most requests admitted in any span of Per; BusiestSecond the
	// most in one calendar second.
	Busiest, BusiestSecond int
}

// New returns the limit o describes.
func New(o Options) *Limit {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxLatency < o.MinLatency {
		o.MaxLatency = o.MinLatency
	}
	return &Limit{opts: o}
}

// Admit counts a request arriving now. It is false when the request is over the
// limit; retryAfter is then how long until one more would be admitted.
func (l *Limit) Admit() (ok bool, retryAfter time.Duration) {
	if l == nil {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.opts.Now()
	if l.opts.Requests > 0 {
		// The window is half open, (now-Per, now]: a request exactly Per after
		// another no longer shares its span.
		cut := 0
		for cut < len(l.admitted) && now.Sub(l.admitted[cut]) >= l.opts.Per {
			cut++
		}
		l.admitted = l.admitted[cut:]
		if len(l.admitted) >= l.opts.Requests {
			l.stats.Refused++
			return false, l.admitted[0].Add(l.opts.Per).Sub(now)
		}
	}
	l.admitted = append(l.admitted, now)
	l.stats.Admitted++
	l.stats.Busiest = max(l.stats.Busiest, len(l.admitted))
	if sec := now.Unix(); sec != l.second {
		l.second, l.secondCount = sec, 0
	}
	l.secondCount++
	l.stats.BusiestSecond = max(l.stats.BusiestSecond, l.secondCount)
	if l.opts.Requests == 0 {
		l.admitted = l.admitted[:0]
	}
	return true, 0
}

// Delay holds the caller for the answer's latency, or until ctx is done.
func (l *Limit) Delay(ctx context.Context) {
	if l == nil || l.opts.MaxLatency <= 0 {
		return
	}
	d := l.opts.MinLatency
	if spread := l.opts.MaxLatency - l.opts.MinLatency; spread > 0 {
		d += rand.N(spread + 1)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// Stats returns what the limit saw so far.
func (l *Limit) Stats() Stats {
	if l == nil {
		return Stats{}
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stats
}

// Reset forgets what the limit saw, for a benchmark that measures one part of a run.
func (l *Limit) Reset() {
	if l == nil {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.admitted, l.stats, l.second, l.secondCount = nil, Stats{}, 0, 0
}
