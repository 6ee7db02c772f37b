// Package gate lets the contract-test servers (duotest, twiliotest, graphtest,
// smtptest, webhooktest, autotasktest) stop at a chosen request so that the fault
// suite can kill the program under test exactly there:
//
//   - Received: the request has arrived whole and nothing is done or answered yet.
//     The trap holds it until released; the server then carries it out and answers a
//     client that is gone — the vendor did it, the answer was lost.
//   - Answered: the vendor did it and the whole answer has been sent (and flushed);
//     the program has not had time to record it.
//
// A trap runs its Do function in the server's goroutine when it is hit (the suite
// kills the program there, and waits for it to be gone, so nothing the program does
// after the answer can slip in), then signals Hit and lets the request go on. A trap
// with no Do holds the request until Release instead. Done is closed once the
// server has finished with the request.
//
// Requests are numbered from 1 in the order they reach the gate, so a run with no
// trap tells the suite how many points there are and what each one is (Labels).
package gate

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"
)

// Point is where in a request a trap stops.
type Point int

const (
	// Received stops before the server does anything.
	Received Point = iota
	// Answered stops after the server sent its whole answer.
	Answered
)

func (p Point) String() string {
	if p == Answered {
		return "answered"
	}
	return "received"
}

// holdLimit bounds how long a trap holds a request, so a test that forgets to
// release never hangs a server's Close.
const holdLimit = 2 * time.Minute

// Gate numbers requests and holds the one a trap is armed for. The zero value is
// ready to use; a nil *Gate numbers nothing and never holds.
type Gate struct {
	mu     sync.Mutex
	labels []string
	traps  map[int]*Trap
}

// Trap is one armed stop.
type Trap struct {
	// N is the request number it stops at, At where in it.
	N  int
	At Point
	// Do, when not nil, runs in the server's goroutine at the moment the trap is hit,
	// and the request goes on when it returns; nil holds the request until Release.
	Do func()

	hit, release, done             chan struct{}
	hitOnce, releaseOnce, doneOnce sync.Once
	mu                             sync.Mutex
	label                          string
}

// Arm sets a trap at the nth request (from 1). do may be nil.
func (g *Gate) Arm(n int, at Point, do func()) *Trap {
	t := &Trap{N: n, At: at, Do: do, hit: make(chan struct{}), release: make(chan struct{}), done: make(chan struct{})}
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.traps == nil {
		g.traps = map[int]*Trap{}
	}
	g.traps[n] = t
	return t
}

// Count is how many requests reached the gate so far.
func (g *Gate) Count() int {
	if g == nil {
		return 0
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.labels)
}

// Labels names every request so far, in order ("POST /admin/v1/phones", "DATA").
func (g *Gate) Labels() []string {
	if g == nil {
		return nil
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.labels...)
}

// ReleaseAll releases every trap; servers call it before they close.
func (g *Gate) ReleaseAll() {
	if g == nil {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, t := range g.traps {
		t.Release()
	}
}

// Hit is closed when the trap has been hit (after Do returned).
func (t *Trap) Hit() <-chan struct{} { return t.hit }

// Done is closed when the server has finished with the trapped request.
func (t *Trap) Done() <-chan struct{} { return t.done }

// Fired reports whether the trap was hit.
func (t *Trap) Fired() bool {
	select {
	case <-t.hit:
		return true
	default:
		return false
	}
}

// Label is the request the trap stopped, once hit.
func (t *Trap) Label() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.label
}

// Release lets the held request go on.
func (t *Trap) Release() { t.releaseOnce.Do(func() { close(t.release) }) }

func (t *Trap) fire(label string) {
	t.mu.Lock()
	t.label = label
	t.mu.Unlock()
	if t.Do != nil {
		t.Do()
		t.hitOnce.Do(func() { close(t.hit) })
		return
	}
	t.hitOnce.Do(func() { close(t.hit) })
	select {
	case <-t.release:
	case <-time.After(holdLimit):
	}
}

// Call is one numbered request passing through the gate.
type Call struct {
	N     int
	Label string
	trap  *Trap
}

// Begin numbers one request; the server calls Received and Answered on the result
// at those two moments. A nil gate returns a Call that never stops.
func (g *Gate) Begin(label string) *Call {
	if g == nil {
		return &Call{Label: label}
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.labels = append(g.labels, label)
	n := len(g.labels)
	return &Call{N: n, Label: label, trap: g.traps[n]}
}

// Received stops here if the trap for this request is at Received.
func (c *Call) Received() {
	if c != nil && c.trap != nil && c.trap.At == Received {
		c.trap.fire(c.Label)
	}
}

// Answered stops here if the trap for this request is at Answered.
func (c *Call) Answered() {
	if c != nil && c.trap != nil && c.trap.At == Answered {
		c.trap.fire(c.Label)
	}
}

// Finish tells the trap for this request, if any, that the server is done with it.
func (c *Call) Finish() {
	if c != nil && c.trap != nil {
		c.trap.doneOnce.Do(func() { close(c.trap.done) })
	}
}

// Wrap puts the gate in front of an HTTP handler. For a request trapped at
// Answered the handler's answer is buffered and sent whole, with its length, and
// flushed before the trap is hit, so the client has all of it.
func (g *Gate) Wrap(h http.Handler) http.Handler {
	if g == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := g.Begin(r.Method + " " + r.URL.Path)
		if c.trap == nil {
			h.ServeHTTP(w, r)
			return
		}
		defer c.Finish()
		// The body is read now: once the client is killed its unread bytes may be lost,
		// and the vendor must still see the whole request.
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		c.Received()
		if c.trap.At != Answered {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.Header().Set("Content-Length", strconv.Itoa(rec.Body.Len()))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		c.Answered()
	})
}
