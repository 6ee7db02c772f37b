package retryafter

import (
	"net/http"
	"time"
)

// Policy is how long a client keeps retrying a throttled request: at most Tries
// attempts, and never a single wait longer than MaxWait (a longer Retry-After ends the
// call, so a run says so instead of hanging).
type Policy struct {
	Tries   int
	MaxWait time.Duration
}

// Next says how long to wait after attempt try (1 for the first) was throttled with
// header h: what the service asked for, else 1 s, 2 s, 4 s…; again is false when the
// caller should stop and report the throttling, and wait is then what the service
// asked for (Describe words it), at most Longest. A wait of Longest always stops,
// whatever MaxWait says: it may stand for any longer time.
func (p Policy) Next(h http.Header, now time.Time, try int) (wait time.Duration, again bool) {
	wait, ok := Parse(h.Get("Retry-After"), now)
	if !ok {
		wait = backoff(try)
	}
	return wait, try < p.Tries && wait <= p.MaxWait && wait < Longest
}

// backoff is 1 s for the first try, doubling, and never more than Longest (a shift by
// try-1 would overflow after about 30 tries, and panic for try 0).
func backoff(try int) time.Duration {
	wait := time.Second
	for i := 1; i < try && wait < Longest; i++ {
		wait *= 2
	}
	return min(wait, Longest)
}
