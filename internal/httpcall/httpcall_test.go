package httpcall_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/httpcall"
)

// seen is what a test server received.
type seen struct {
	mu     sync.Mutex
	bodies []string
	auth   []string
}

func (s *seen) add(r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bodies = append(s.bodies, string(b))
	s.auth = append(s.auth, r.Header.Get("Authorization"))
}

// service calls srv with a fake clock, and an Authorize that counts its calls.
func service(srv *httptest.Server, clk clock.Clock) httpcall.Service {
	n := 0
	return httpcall.Service{
		Name: "Example Vendor", HTTP: srv.Client(), Clock: clk,
		Authorize: func(_ context.Context, r *http.Request) error {
			n++
			r.Header.Set("Authorization", "Bearer token-"+string(rune('0'+n)))
			return nil
		},
	}
}

func TestDoSendsTheSameBodyAgainAfterAThrottledAnswer(t *testing.T) {
	tests := []struct {
		name          string
		throttles     int    // answers of 429 before a 201
		retryAfter    string // the Retry-After each 429 carries
		wantTries     int
		wantStatus    int
		wantThrottled bool
		wantSlept     time.Duration
	}{
		{"one 429 with Retry-After", 1, "7", 2, 201, false, 7 * time.Second},
		{"one 429 without Retry-After backs off 1 s", 1, "", 2, 201, false, time.Second},
		{"always 429 stops after the policy's tries", 99, "2", httpcall.DefaultTries, 429, true, 3 * 2 * time.Second},
		{"a wait longer than the policy allows is not sat through", 99, "3600", 1, 429, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got seen
			srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				got.add(r)
				if len(got.bodies) <= tt.throttles {
					if tt.retryAfter != "" {
						w.Header().Set("Retry-After", tt.retryAfter)
					}
					w.WriteHeader(http.StatusTooManyRequests)
					return
				}
				w.WriteHeader(http.StatusCreated)
				io.WriteString(w, `{"id":"x1"}`)
			}))
			defer srv.Close()
			start := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
			clk := clock.NewFake(start)
			req, err := httpcall.JSON(http.MethodPost, srv.URL+"/v1/things", map[string]string{"name": "alice"})
			if err != nil {
				t.Fatal(err)
			}
			a, err := service(srv, clk).Do(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if a.Status != tt.wantStatus || a.Throttled != tt.wantThrottled || len(got.bodies) != tt.wantTries {
				t.Errorf("answer %d throttled=%v after %d tries; want %d throttled=%v after %d", a.Status, a.Throttled, len(got.bodies), tt.wantStatus, tt.wantThrottled, tt.wantTries)
			}
			for i, b := range got.bodies {
				if b != `{"name":"alice"}` {
					t.Errorf("try %d sent %q; want the same body every time", i+1, b)
				}
				if want := "Bearer token-" + string(rune('1'+i)); got.auth[i] != want {
					t.Errorf("try %d authorised as %q; want %q (credentials set on each try)", i+1, got.auth[i], want)
				}
			}
			if slept := clk.Now().Sub(start); slept != tt.wantSlept {
				t.Errorf("slept %s; want %s", slept, tt.wantSlept)
			}
		})
	}
}

func TestDoRetriesWhatTheClientSays(t *testing.T) {
	n := 0
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		n++
		if n == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusOK)
	}))
	defer srv.Close()
	svc := service(srv, clock.NewFake(time.Now()))
	a, _ := svc.Do(context.Background(), httpcall.Request{Method: http.MethodGet, URL: srv.URL})
	if a.Status != 503 || n != 1 {
		t.Errorf("by default a 503 came back as %d after %d tries; want it returned at once", a.Status, n)
	}
	n = 0
	svc.Retry = func(a httpcall.Answer) bool { return a.Status == http.StatusServiceUnavailable }
	a, _ = svc.Do(context.Background(), httpcall.Request{Method: http.MethodGet, URL: srv.URL})
	if !a.OK() || n != 2 {
		t.Errorf("with Retry for 503: %d after %d tries; want 200 after 2", a.Status, n)
	}
}

func TestDoBoundsTheAnswer(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, strings.Repeat("x", 10_000))
	}))
	defer srv.Close()
	svc := service(srv, clock.NewFake(time.Now()))
	svc.MaxBody = 100
	a, err := svc.Do(context.Background(), httpcall.Request{Method: http.MethodGet, URL: srv.URL})
	if err != nil || len(a.Body) != 100 {
		t.Errorf("read %d bytes (%v); want 100", len(a.Body), err)
	}
}

func TestFailuresAreOneSentenceWithoutTheURL(t *testing.T) {
	secretPath := "/users/alice@contoso.com/secret-token"
	cut := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", "100")
		io.WriteString(w, `{"id":`)
	}))
	defer cut.Close()
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	closed := "https://" + ln.Addr().String()
	ln.Close()

	tests := []struct {
		name      string
		url       string
		client    *http.Client
		wantWords string
		brokeOff  bool
	}{
		{"no answer at all", closed + secretPath, cut.Client(), "could not reach Example Vendor", false},
		{"an answer cut short", cut.URL + secretPath, cut.Client(), "the answer from Example Vendor broke off", true},
		{"a malformed address", "https://exa mple.com" + secretPath, cut.Client(), "the address for Example Vendor does not work", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := httpcall.Service{Name: "Example Vendor", HTTP: tt.client, Clock: clock.NewFake(time.Now())}
			_, err := svc.Do(context.Background(), httpcall.Request{Method: http.MethodGet, URL: tt.url})
			if err == nil {
				t.Fatal("no error")
			}
			msg := err.Error()
			if !strings.Contains(msg, tt.wantWords) || strings.Contains(msg, "alice") || strings.Contains(msg, "secret-token") {
				t.Errorf("error %q; want %q and no part of the path", msg, tt.wantWords)
			}
			if errors.Is(err, httpcall.ErrBrokeOff) != tt.brokeOff {
				t.Errorf("errors.Is(ErrBrokeOff) = %v; want %v", !tt.brokeOff, tt.brokeOff)
			}
		})
	}
}

func TestDecodeNamesTheService(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "<html>proxy</html>")
	}))
	defer srv.Close()
	a, err := service(srv, clock.NewFake(time.Now())).Do(context.Background(), httpcall.Request{Method: http.MethodGet, URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	var v map[string]any
	if err := a.Decode(&v); err == nil || !strings.Contains(err.Error(), "not Example Vendor's JSON") {
		t.Errorf("Decode = %v; want it to name the service", err)
	}
}
