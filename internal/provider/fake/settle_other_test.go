//go:build !unix

package fake

import "time"

// settle does nothing where there is no sync(2).
func settle() {}

// cpuTime cannot be told here.
func cpuTime() (time.Duration, bool) { return 0, false }
