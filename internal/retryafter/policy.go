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
// caller should stop and report the throttling.
func (p Policy) Next(h http.Header, now time.Time, try int) (wait time.Duration, again bool) {
	wait, ok := Parse(h.Get("Retry-After"), now)
	if !ok {
		wait = time.Duration(1<<(try-1)) * time.Second
	}
	return wait, try < p.Tries && wait <= p.MaxWait
}
