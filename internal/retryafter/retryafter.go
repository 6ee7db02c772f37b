// Package retryafter decides how long to wait after a throttled HTTP answer: what its
// Retry-After header asks for, else a doubling back-off, within a bounded policy.
package retryafter

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Parse reads a Retry-After value as non-negative seconds or as an HTTP date (a past
// date gives 0); ok is false when the value is empty or neither.
func Parse(value string, now time.Time) (wait time.Duration, ok bool) {
	v := strings.TrimSpace(value)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
