//go:build unix

package fake

import (
	"time"

	"golang.org/x/sys/unix"
)

// settle waits for the disk to take in what a benchmark's setup wrote without
// waiting (fastFiles), so that the first timed write does not pay for it.
func settle() { unix.Sync() }

// cpuTime is the processor time this process has used so far, user and system, as
// the issue measured a run's cost; false where it cannot be told.
func cpuTime() (time.Duration, bool) {
	var ru unix.Rusage
	if unix.Getrusage(unix.RUSAGE_SELF, &ru) != nil {
		return 0, false
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), true
}
