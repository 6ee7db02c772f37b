package providertest

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode"
)

// The fault matrix every HTTP client of a provider meets: a service (or what stands
// in front of it) that throttles, fails, hangs up, is slow, cuts an answer short or
// answers with a web page. Each client's test keeps its own table of how many
// requests each fault may cost and which must still succeed.

const (
	// FaultTimeout is the client timeout a fault test gives: short, so a slow answer
	// costs the test little.
	FaultTimeout = 200 * time.Millisecond
	// FaultLimit is how long a call may take in all: a few timeouts and a margin (the
	// clients' waits between tries are on a fake clock).
	FaultLimit = 4*FaultTimeout + time.Second
	// FaultSlow is how long a slow answer takes: far beyond any client timeout.
	FaultSlow = 3 * time.Second
	// FaultDeadline bounds every call a fault test makes.
	FaultDeadline = 3 * time.Second
)

// FaultCase is one misbehaviour of a service and what the client may do about it.
type FaultCase struct {
	Name string
	// Serve answers request n (1 for the first); ok writes the success answer.
	Serve func(n int, w http.ResponseWriter, r *http.Request, ok func(http.ResponseWriter))
	// WantOK says the call must succeed; otherwise it must fail with one sentence.
	WantOK bool
	// MaxRequests bounds what the server may see.
	MaxRequests int
}

// Fault is a FaultCase, for tables.
func Fault(name string, serve func(int, http.ResponseWriter, *http.Request, func(http.ResponseWriter)), wantOK bool, maxRequests int) FaultCase {
	return FaultCase{Name: name, Serve: serve, WantOK: wantOK, MaxRequests: maxRequests}
}

// Budget is what a client may spend on each fault: the tries it makes while
// throttled every time, on 503 (1 where it does not resend), and on a reset connection.
type Budget struct {
	Throttled, Unavailable, Reset int
}

// Faults is the matrix every provider client meets, with the requests b allows.
func Faults(b Budget) []FaultCase {
	return []FaultCase{
		Fault("429 with Retry-After then success", RateLimitedOnce, true, 2),
		Fault("429 without Retry-After every time", RateLimitedAlways, false, b.Throttled),
		Fault("500", Status(http.StatusInternalServerError), false, 1),
		Fault("503", Status(http.StatusServiceUnavailable), false, b.Unavailable),
		Fault("connection reset", ConnectionReset, false, b.Reset),
		Fault("slower than the timeout", SlowAnswer, false, 1),
		Fault("truncated body", TruncatedJSON, false, 1),
		Fault("answer labelled text/html", HTMLContentType, true, 1),
		Fault("HTML page with 502", HTMLBadGateway, false, 1),
	}
}

// FaultServer counts the requests its handler counts, and answers them.
type FaultServer struct {
	*httptest.Server
	n atomic.Int32
}

// NewFaultServer serves with serve, which counts a request by adding to n (a client
// may make requests, such as for a token, that are not the call under test); tls
// makes it an https server, for clients that insist on one.
func NewFaultServer(t testing.TB, tls bool, serve func(n *atomic.Int32, w http.ResponseWriter, r *http.Request)) *FaultServer {
	t.Helper()
	fs := &FaultServer{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		serve(&fs.n, w, r)
	})
	if tls {
		fs.Server = httptest.NewTLSServer(h)
	} else {
		fs.Server = httptest.NewServer(h)
	}
	t.Cleanup(fs.Close)
	return fs
}

// Requests is how many requests were counted.
func (fs *FaultServer) Requests() int { return int(fs.n.Load()) }

// RateLimitedOnce answers 429 with Retry-After: 1, then succeeds.
func RateLimitedOnce(n int, w http.ResponseWriter, r *http.Request, ok func(http.ResponseWriter)) {
	if n == 1 {
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"message":"Too many requests"}`)
		return
	}
	ok(w)
}

// RateLimitedAlways answers 429 with no Retry-After, every time.
func RateLimitedAlways(n int, w http.ResponseWriter, r *http.Request, ok func(http.ResponseWriter)) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = io.WriteString(w, `{"message":"Too many requests"}`)
}

// Status answers code with a small JSON body, every time.
func Status(code int) func(int, http.ResponseWriter, *http.Request, func(http.ResponseWriter)) {
	return func(n int, w http.ResponseWriter, r *http.Request, ok func(http.ResponseWriter)) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = io.WriteString(w, `{"message":"service trouble"}`)
	}
}

// ConnectionReset hangs up with an RST, not a FIN.
func ConnectionReset(n int, w http.ResponseWriter, r *http.Request, ok func(http.ResponseWriter)) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	if tc, isTCP := conn.(*net.TCPConn); isTCP {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// SlowAnswer answers after FaultSlow, or gives up when the client does.
func SlowAnswer(n int, w http.ResponseWriter, r *http.Request, ok func(http.ResponseWriter)) {
	select {
	case <-r.Context().Done():
		return
	case <-time.After(FaultSlow):
	}
	ok(w)
}

// TruncatedJSON promises more body than it sends, then hangs up.
func TruncatedJSON(n int, w http.ResponseWriter, r *http.Request, ok func(http.ResponseWriter)) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", "400")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, `{"id":"abc","value":[{"id":"x`)
}

// HTMLContentType is the success body labelled text/html, as a proxy might relabel it.
func HTMLContentType(n int, w http.ResponseWriter, r *http.Request, ok func(http.ResponseWriter)) {
	rec := httptest.NewRecorder()
	ok(rec)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

// HTMLBadGateway is a proxy's 502 page.
func HTMLBadGateway(n int, w http.ResponseWriter, r *http.Request, ok func(http.ResponseWriter)) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusBadGateway)
	_, _ = io.WriteString(w, "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\n<center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n")
}

// CheckSentence fails t unless err is one sentence a technician can be shown.
func CheckSentence(t testing.TB, err error, secrets ...string) {
	t.Helper()
	msg := err.Error()
	switch {
	case strings.TrimSpace(msg) == "":
		t.Errorf("error is empty")
	case len(msg) >= 600:
		t.Errorf("error is %d characters: %q", len(msg), msg)
	case strings.IndexFunc(msg, unicode.IsControl) >= 0:
		t.Errorf("error holds a control character or newline: %q", msg)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(msg, s) {
			t.Errorf("error shows the secret %q: %q", s, msg)
		}
	}
}

// RunFault runs call under FaultDeadline, fails t if it panics, does not return or
// takes longer than limit, then checks the outcome against f: success or one clean
// sentence, and no more requests than f allows.
func RunFault(t testing.TB, f FaultCase, srv *FaultServer, limit time.Duration, call func(ctx context.Context) error, secrets ...string) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), FaultDeadline)
	defer cancel()
	done := make(chan error, 1)
	begin := time.Now()
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Errorf("panic: %v", p)
			}
		}()
		done <- call(ctx)
	}()
	var err error
	select {
	case err = <-done:
	case <-time.After(FaultDeadline + time.Second):
		t.Fatalf("call did not return within %s", FaultDeadline+time.Second)
	}
	took := time.Since(begin)
	t.Logf("requests %d, took %s, error: %v", srv.Requests(), took.Round(time.Millisecond), err)
	if err != nil && strings.HasPrefix(err.Error(), "panic: ") {
		t.Errorf("call panicked: %v", err)
	}
	if took > limit {
		t.Errorf("call took %s; want at most %s", took.Round(time.Millisecond), limit)
	}
	switch {
	case f.WantOK && err != nil:
		t.Errorf("call = %v; want success", err)
	case !f.WantOK && err == nil:
		t.Errorf("call succeeded; want an error")
	case err != nil:
		CheckSentence(t, err, secrets...)
	}
	if n := srv.Requests(); n > f.MaxRequests || n < 1 {
		t.Errorf("server saw %d requests; want 1 to %d", n, f.MaxRequests)
	}
	return err
}
