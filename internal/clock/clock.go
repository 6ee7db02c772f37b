// Package clock lets code that waits or expires things run on real time in the
// product and on a controlled time in tests, without sleeping in tests.
package clock

import (
	"context"
	"sync"
	"time"
)

// Clock tells the time and waits.
type Clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done, whichever comes first.
	Sleep(ctx context.Context, d time.Duration) error
	// AfterFunc calls f once d has passed, unless stop is called first.
	AfterFunc(d time.Duration, f func()) (stop func())
}

// Real is the wall clock.
type Real struct{}

// Now returns the current time.
func (Real) Now() time.Time { return time.Now() }

// Sleep waits for d unless ctx ends first.
func (Real) Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// AfterFunc calls f in its own goroutine once d has passed.
func (Real) AfterFunc(d time.Duration, f func()) func() {
	t := time.AfterFunc(d, f)
	return func() { t.Stop() }
}

// Fake is a clock that only moves when told to, or when something sleeps on it.
type Fake struct {
	mu     sync.Mutex
	now    time.Time
	timers []*fakeTimer
}

type fakeTimer struct {
	at      time.Time
	f       func()
	stopped bool
}

// AfterFunc calls f when the fake time reaches now+d (during Advance or Sleep).
func (f *Fake) AfterFunc(d time.Duration, fn func()) func() {
	f.mu.Lock()
	t := &fakeTimer{at: f.now.Add(d), f: fn}
	f.timers = append(f.timers, t)
	f.mu.Unlock()
	f.fire()
	return func() {
		f.mu.Lock()
		t.stopped = true
		f.mu.Unlock()
	}
}

// fire calls the timers that are due, outside the lock (they may read the clock).
func (f *Fake) fire() {
	f.mu.Lock()
	var due []func()
	kept := f.timers[:0]
	for _, t := range f.timers {
		switch {
		case t.stopped:
		case !t.at.After(f.now):
			due = append(due, t.f)
		default:
			kept = append(kept, t)
		}
	}
	f.timers = kept
	f.mu.Unlock()
	for _, fn := range due {
		fn()
	}
}

// NewFake returns a fake clock set to start.
func NewFake(start time.Time) *Fake { return &Fake{now: start} }

// Now returns the fake time.
func (f *Fake) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

// Advance moves the fake time forward by d.
func (f *Fake) Advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
	f.fire()
}

// Sleep moves the fake time forward by d at once, so waits in tests cost nothing.
func (f *Fake) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.Advance(d)
	return nil
}
