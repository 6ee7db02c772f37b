package pgstore

import "time"

// SetCallTimeout shortens how long s waits for a database that cannot be reached.
func SetCallTimeout(s *Store, d time.Duration) { s.timeout = d }
