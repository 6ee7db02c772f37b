package gate

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestWrapNumbersAndStops(t *testing.T) {
	var g Gate
	served := 0
	srv := httptest.NewServer(g.Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served++
		io.WriteString(w, "answer")
	})))
	defer srv.Close()
	defer g.ReleaseAll()

	var atDo int
	answered := g.Arm(2, Answered, func() { atDo = served })
	received := g.Arm(3, Received, nil)
	get := func() string {
		resp, err := http.Get(srv.URL + "/x")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return string(b)
	}
	get()
	if got := get(); got != "answer" || !answered.Fired() || atDo != 2 {
		t.Fatalf("request 2: body %q, fired %v, served when hit %d; want the whole answer, then the trap", got, answered.Fired(), atDo)
	}
	<-answered.Done()
	done := make(chan string)
	go func() { done <- get() }()
	<-received.Hit()
	if served != 2 {
		t.Fatalf("served %d while request 3 is held; want 2", served)
	}
	received.Release()
	if got := <-done; got != "answer" || served != 3 {
		t.Errorf("after release: %q, served %d", got, served)
	}
	if l := g.Labels(); len(l) != 3 || l[2] != "GET /x" || g.Count() != 3 {
		t.Errorf("labels %v", l)
	}
}
