package gate

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

func TestWrapNumbersAndStops(t *testing.T) {
	var g Gate
	// The handler runs on the server's goroutines, the checks on the test's.
	var served atomic.Int32
	srv := httptest.NewServer(g.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		io.WriteString(w, "answer")
	})))
	defer srv.Close()
	defer g.ReleaseAll()

	var atDo atomic.Int32
	answered := g.Arm(2, Answered, func() { atDo.Store(served.Load()) })
	received := g.Arm(3, Received, nil)
	get := func() string {
		resp, err := http.Get(srv.URL + "/x")
		if err != nil {
			t.Error(err)
			return ""
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	get()
	got := get()
	// The trap fires after the whole answer is out, so the client can have read it
	// before the trap's own goroutine ran: wait for it before looking.
	<-answered.Done()
	if got != "answer" || !answered.Fired() || atDo.Load() != 2 {
		t.Fatalf("request 2: body %q, fired %v, served when hit %d; want the whole answer, then the trap", got, answered.Fired(), atDo.Load())
	}
	done := make(chan string)
	go func() { done <- get() }()
	<-received.Hit()
	if n := served.Load(); n != 2 {
		t.Fatalf("served %d while request 3 is held; want 2", n)
	}
	received.Release()
	if got := <-done; got != "answer" || served.Load() != 3 {
		t.Errorf("after release: %q, served %d", got, served.Load())
	}
	if l := g.Labels(); len(l) != 3 || l[2] != "GET /x" || g.Count() != 3 {
		t.Errorf("labels %v", l)
	}
}
