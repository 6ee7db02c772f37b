package graph_test

import (
	"context"
	"crypto/tls"
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

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/graph/graphtest"
)

const (
	faultTimeout  = 200 * time.Millisecond
	faultSlow     = 3 * time.Second
	faultDeadline = 3 * time.Second
	// faultLimit is the HTTP timeout plus a margin: Graph's waits are on a fake clock.
	faultLimit = 4*faultTimeout + time.Second
	// faultSecret is the bearer token; it must never show in a sentence.
	faultSecret = "s3cret-graph-bearer-token-in-faults"
)

// faultCredential hands out faultSecret without asking an authority.
type faultCredential struct{}

func (faultCredential) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: faultSecret, ExpiresOn: time.Now().Add(time.Hour)}, nil
}

// Graph's client resends the identical body after 429, 503 and 504 (http.go says so;
// a second POST of a mobile that did land is refused and turned into an update), and
// nothing else.
func TestGraphFaults(t *testing.T) {
	jsonAnswer := func(status int, body string) func(http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
		}
	}
	calls := []struct {
		name string
		ok   func(http.ResponseWriter)
		// faulty says which requests meet the fault; the others get pass.
		faulty func(*http.Request) bool
		pass   func(http.ResponseWriter)
		call   func(context.Context, *graph.Client) error
	}{
		{"MobileMethod", jsonAnswer(http.StatusOK, `{"value":[{"id":"3179e48a-750b-4051-897c-87b9720928f7","phoneNumber":"+1 2065550100","phoneType":"mobile"}]}`),
			func(*http.Request) bool { return true }, nil,
			func(ctx context.Context, c *graph.Client) error {
				_, err := c.MobileMethod(ctx, alice)
				return err
			}},
		{"RegisterMobile", jsonAnswer(http.StatusCreated, `{"id":"3179e48a-750b-4051-897c-87b9720928f7","phoneNumber":"+1 2065550100","phoneType":"mobile"}`),
			func(r *http.Request) bool { return r.Method == http.MethodPost },
			jsonAnswer(http.StatusOK, `{"value":[]}`),
			func(ctx context.Context, c *graph.Client) error {
				_, err := c.RegisterMobile(ctx, alice, "+12065550100")
				return err
			}},
	}
	faults := []faultCase{
		{"429 with Retry-After then success", rateLimitedOnce, true, 2},
		{"429 without Retry-After every time", rateLimitedAlways, false, 4},
		{"500", status(http.StatusInternalServerError), false, 1},
		{"503", status(http.StatusServiceUnavailable), false, 4},
		{"connection reset", connectionReset, false, 2},
		{"slower than the timeout", slowAnswer, false, 1},
		{"truncated JSON", truncatedJSON, false, 1},
		{"JSON labelled text/html", htmlContentType, true, 1},
		{"HTML page with 502", htmlBadGateway, false, 1},
	}
	for _, c := range calls {
		for _, f := range faults {
			t.Run(c.name+"/"+f.name, func(t *testing.T) {
				t.Parallel()
				var others atomic.Int32
				srv := newFaultServer(t, func(n *atomic.Int32, w http.ResponseWriter, r *http.Request) {
					if !c.faulty(r) {
						others.Add(1)
						c.pass(w)
						return
					}
					f.serve(int(n.Add(1)), w, r, c.ok)
				})
				hc := srv.Client()
				hc.Timeout = faultTimeout
				cl, err := graph.New(graph.Config{
					TenantID: graphtest.TenantID, ClientID: graphtest.ClientID, Credential: faultCredential{},
					BaseURL: srv.URL, HTTPClient: hc, Clock: clock.NewFake(start),
				})
				if err != nil {
					t.Fatal(err)
				}
				err, took := runFault(t, faultLimit, func(ctx context.Context) error { return c.call(ctx, cl) })
				t.Logf("faulty requests %d (others %d), took %s, error: %v", srv.requests(), others.Load(), took.Round(time.Millisecond), err)
				if f.wantOK && err != nil {
					t.Errorf("call = %v; want success", err)
				}
				if !f.wantOK && err == nil {
					t.Errorf("call succeeded; want an error")
				}
				if err != nil {
					checkSentence(t, err, faultSecret)
				}
				if n := srv.requests(); n > f.maxReqs || n < 1 {
					t.Errorf("server saw %d faulty requests; want 1 to %d", n, f.maxReqs)
				}
				if n := others.Load(); n > 2 {
					t.Errorf("server saw %d other requests; want at most 2", n)
				}
			})
		}
	}
}

// faultCase is one misbehaviour of the service and what the client may do about it.
type faultCase struct {
	name string
	// serve answers request n (1 for the first); ok is the success answer.
	serve func(n int, w http.ResponseWriter, r *http.Request, ok func(http.ResponseWriter))
	// wantOK says the call must succeed; otherwise it must fail with a sentence.
	wantOK bool
	// maxReqs bounds what the server may see.
	maxReqs int
}

// faultServer counts requests and answers them with serve.
type faultServer struct {
	*httptest.Server
	n atomic.Int32
}

func newFaultServer(t *testing.T, serve func(n *atomic.Int32, w http.ResponseWriter, r *http.Request)) *faultServer {
	t.Helper()
	fs := &faultServer{}
	fs.Server = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		serve(&fs.n, w, r)
	}))
	t.Cleanup(fs.Close)
	return fs
}

func (fs *faultServer) requests() int { return int(fs.n.Load()) }

// The faults every client meets; ok writes the service's success answer.
func rateLimitedOnce(n int, w http.ResponseWriter, r *http.Request, ok func(http.ResponseWriter)) {
	if n == 1 {
		w.Header().Set("Retry-After", "1")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = io.WriteString(w, `{"message":"Too many requests"}`)
		return
	}
	ok(w)
}

func rateLimitedAlways(n int, w http.ResponseWriter, r *http.Request, ok func(http.ResponseWriter)) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusTooManyRequests)
	_, _ = io.WriteString(w, `{"message":"Too many requests"}`)
}

func status(code int) func(int, http.ResponseWriter, *http.Request, func(http.ResponseWriter)) {
	return func(n int, w http.ResponseWriter, r *http.Request, ok func(http.ResponseWriter)) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = io.WriteString(w, `{"message":"service trouble"}`)
	}
}

func connectionReset(n int, w http.ResponseWriter, r *http.Request, ok func(http.ResponseWriter)) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	if tc, isTLS := conn.(*tls.Conn); isTLS {
		conn = tc.NetConn()
	}
	if tc, isTCP := conn.(*net.TCPConn); isTCP {
		_ = tc.SetLinger(0) // an RST, not a FIN
	}
	_ = conn.Close()
}

// slowAnswer answers after faultSlow, or gives up when the client does.
func slowAnswer(n int, w http.ResponseWriter, r *http.Request, ok func(http.ResponseWriter)) {
	select {
	case <-r.Context().Done():
		return
	case <-time.After(faultSlow):
	}
	ok(w)
}

// truncatedJSON promises more body than it sends, then hangs up.
func truncatedJSON(n int, w http.ResponseWriter, r *http.Request, ok func(http.ResponseWriter)) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", "400")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, `{"id":"abc","value":[{"id":"x`)
}

// htmlContentType is the success body labelled text/html, as a proxy might relabel it.
func htmlContentType(n int, w http.ResponseWriter, r *http.Request, ok func(http.ResponseWriter)) {
	rec := httptest.NewRecorder()
	ok(rec)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func htmlBadGateway(n int, w http.ResponseWriter, r *http.Request, ok func(http.ResponseWriter)) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusBadGateway)
	_, _ = io.WriteString(w, "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\n<center><h1>502 Bad Gateway</h1></center>\n<hr><center>nginx</center>\n</body>\n</html>\n")
}

// checkSentence fails t unless err is one sentence a technician can be shown.
func checkSentence(t *testing.T, err error, secrets ...string) {
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

// runFault runs call with a deadline and reports whether it returned in time.
func runFault(t *testing.T, limit time.Duration, call func(ctx context.Context) error) (err error, took time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), faultDeadline)
	defer cancel()
	done := make(chan error, 1)
	begin := time.Now()
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fmt.Errorf("panic: %v", p)
				t.Errorf("call panicked: %v", p)
			}
		}()
		done <- call(ctx)
	}()
	select {
	case err = <-done:
	case <-time.After(faultDeadline + time.Second):
		t.Fatalf("call did not return within %s", faultDeadline+time.Second)
	}
	took = time.Since(begin)
	if took > limit {
		t.Errorf("call took %s; want at most %s", took.Round(time.Millisecond), limit)
	}
	return err, took
}
