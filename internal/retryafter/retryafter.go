// Package retryafter decides how long to wait after a throttled HTTP answer: what its
// Retry-After header asks for, else a doubling back-off, within a bounded policy.
package retryafter

import (
	"net/http"
	"strings"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// Longest is the longest wait Parse reports: anything a service asks for beyond it
// comes out as Longest. No client sits out more than a minute (every Policy's MaxWait,
// Duo's budget), so a day is far past any limit and far below where a time.Duration
// overflows: "Retry-After: 9223372037" multiplied out as seconds came out negative,
// and 18446744074 wrapped round to 290 ms, and both were retried at once.
const Longest = 24 * time.Hour

// Parse reads a Retry-After value as non-negative seconds (digits only, as RFC 9110
// writes delay-seconds) or as an HTTP date (a past date gives 0). The wait is never
// negative and never more than Longest, however large the number or late the date;
// ok is false when the value is empty or neither.
func Parse(value string, now time.Time) (wait time.Duration, ok bool) {
	v := strings.TrimSpace(value)
	if v == "" {
		return 0, false
	}
	if secs, ok := seconds(v); ok {
		return secs, true
	}
	if t, err := http.ParseTime(v); err == nil {
		// Sub saturates rather than overflows, so a date centuries off is still in order.
		return min(max(t.Sub(now), 0), Longest), true
	}
	return 0, false
}

// seconds reads delay-seconds digit by digit and stops counting at Longest, so that no
// number, of any length, can overflow.
func seconds(v string) (time.Duration, bool) {
	const limit = int64(Longest / time.Second)
	var n int64
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n <= limit {
			n = n*10 + int64(c-'0')
		}
	}
	return time.Duration(min(n, limit)) * time.Second, true
}

// Describe says how long a wait is in words for a person, rounded up, for the sentence
// a client gives when it stops: "45 seconds", "2 minutes", "3 hours", or "a day or
// more" for Longest, which is what any longer Retry-After comes out as; in p's
// language.
func Describe(p *catalog.Printer, wait time.Duration) string {
	ceil := func(d, u time.Duration) int64 { return int64((d + u - 1) / u) }
	switch {
	case wait >= Longest:
		return p.T("http.wait.day-or-more")
	case wait <= 0:
		return p.T("http.wait.moment")
	case wait < time.Minute:
		return p.T("http.wait.seconds", "Count", ceil(wait, time.Second))
	case wait < time.Hour:
		return p.T("http.wait.minutes", "Count", ceil(wait, time.Minute))
	}
	return p.T("http.wait.hours", "Count", ceil(wait, time.Hour))
}
