package smtptest_test

import (
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/smtp/smtptest"
)

// cleanupTB collects the cleanups New registers so that the test decides when they
// run, as the testing package does when a subtest returns.
type cleanupTB struct {
	testing.TB
	cleanups []func()
}

func (c *cleanupTB) Cleanup(f func()) { c.cleanups = append(c.cleanups, f) }

func (c *cleanupTB) runCleanups() {
	for _, f := range slices.Backward(c.cleanups) {
		f()
	}
}

// TestStopBeforeServeRuns ends a server's test before its Serve goroutine has run, as
// a subtest that never connects (an unreachable-server case) does under CPU load. With
// one P the goroutine New starts runs only once the cleanup blocks, so Close always
// comes first here; the cleanup must still return.
func TestStopBeforeServeRuns(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for i := range 20 {
		tb := &cleanupTB{TB: t}
		stopped := make(chan struct{})
		go func() {
			defer close(stopped)
			smtptest.New(tb, smtptest.Options{User: "u", Password: "p"})
			tb.runCleanups() // at once, with no yield between, like a test that returns
		}()
		select {
		case <-stopped:
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: stopping a server whose Serve had not started yet hangs", i)
		}
	}
}
