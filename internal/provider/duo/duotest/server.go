// Package duotest is a fake Duo (Admin API and Auth API) on an httptest TLS server.
// It checks every request as Duo documents it — method, path, Date, form body and the
// v2 HMAC signature, recomputed by its own code — answers with Duo's envelopes, and
// gives tests controls for what the phone and the person would do.
package duotest

import (
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/faultpoint/gate"
	"github.com/mfa-onboard/mfa-onboard/internal/httpcall/limittest"
)

// Keys are the two integrations' key pairs the server accepts.
type Keys struct {
	AdminIKey, AdminSKey string
	AuthIKey, AuthSKey   string
}

// DefaultKeys returns the test key pairs New uses when Options.Keys is zero.
func DefaultKeys() Keys {
	return Keys{
		AdminIKey: "DIADMIN0TEST0IKEY001", AdminSKey: "adminTestSecretKey0000000000000000000001",
		AuthIKey: "DIAUTH00TEST0IKEY001", AuthSKey: "authTestSecretKey00000000000000000000001",
	}
}

// Options configure a Server.
type Options struct {
	// Keys are the accepted key pairs; zero means DefaultKeys.
	Keys Keys
	// Clock drives expiry, push timeouts, ping's time and the Date check; nil is the
	// wall clock. duo_api_golang dates requests by the wall clock, so a fake clock should
	// start at time.Now() and move less than DateWindow in a test.
	Clock clock.Clock
	// PageSize, when set, is the most records a list answer holds, whatever limit the
	// client asks for (Duo documents limit as a maximum, and a client must follow
	// metadata.next_offset, https://duo.com/docs/adminapi "Response paging"); a small
	// one makes a test's few phones span several pages. Zero is Duo's default of 100.
	PageSize int
	// VerifiedPushDigits, when set (3 to 6), makes this a tenant whose policy is
	// "Verified Duo Push": a client that says client_supports_verified_push=1 at
	// preauth gets a txid to pass to auth, and while that push waits, auth_status's
	// status_msg carries the number Duo Mobile asks for. A client that does not say so
	// is pushed as usual: Duo then bypasses the policy (Duo Auth API, preauth).
	VerifiedPushDigits int
	// AdminLimit and AuthLimit, when set, are the Admin API's and the Auth API's
	// request limits and latency (package limittest): Duo limits the two
	// integrations apart and publishes no number for either
	// (https://duo.com/docs/rate-limits), so a test gives its own. A request over
	// the limit is answered 429 with code 42901 and no Retry-After, which Duo does
	// not document and duo_api_golang ignores (API-NOTES §1, §2). Nil: no limit, no
	// latency.
	AdminLimit, AuthLimit *limittest.Limit
}

// DateWindow is how far a request's Date may be from the server's clock.
const DateWindow = 5 * time.Minute

// PushTimeout is how long an unanswered push waits before it times out, as Duo's does.
const PushTimeout = 60 * time.Second

// User is a Duo user as the server holds it.
type User struct {
	UserID, Username string
	// Status is active, bypass, disabled or locked out.
	Status   string
	PhoneIDs []string
}

// Phone is a Duo phone as the server holds it.
type Phone struct {
	PhoneID, Number string
	// Type and Platform are as Duo writes them: "Mobile", "Apple iOS".
	Type, Platform string
	Activated      bool
	// ActivationURL is the live activation link, "" when none; it dies at ActivationExpires.
	ActivationURL     string
	ActivationExpires time.Time
	// Texted is the last activation message sent by send_sms_activation.
	Texted string
}

// Request is a request as the server received it.
type Request struct {
	Method, Path, Query string
	ContentType         string
	// Body is the body byte for byte, to compare a retried POST with the first.
	Body string
}

type push struct {
	txid, username string
	// device is the phone the push went to ("auto" resolved).
	device  string
	created time.Time
	answer  string
	// number is what Duo Mobile asks the person to type (Verified Duo Push), or "".
	number string
}

// verification is a Verified Duo Push that preauth prepared: auth takes its txid.
type verification struct {
	username, number string
	created          time.Time
	used             bool
}

type failure struct {
	status, code int
	retryAfter   string
}

type stall struct {
	arrived, release chan struct{}
	arriveOnce       sync.Once
	releaseOnce      sync.Once
}

// Server is the fake Duo. Its methods are safe for concurrent use.
type Server struct {
	srv   *httptest.Server
	keys  Keys
	clock clock.Clock
	// pageSize caps every list answer (Options.PageSize); digits is
	// Options.VerifiedPushDigits.
	pageSize, digits int
	// adminLimit and authLimit are Options.AdminLimit and Options.AuthLimit.
	adminLimit, authLimit *limittest.Limit

	mu           sync.Mutex
	seq          int
	users        map[string]*User
	phones       map[string]*Phone
	pushes       map[string]*push
	verifying    map[string]*verification
	nextAnswers  []string
	failures     map[string][]failure
	stalls       map[string]*stall
	requests     []Request
	missingGrant bool
	// effects counts the answers of each route that succeeded ("POST /admin/v1/phones").
	effects map[string]int
	// allowPolled approves a waiting push when auth_status is first asked about it.
	allowPolled bool
	gate        gate.Gate
}

// New starts a fake Duo that stops when the test ends.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Keys == (Keys{}) {
		opts.Keys = DefaultKeys()
	}
	if opts.Clock == nil {
		opts.Clock = clock.Real{}
	}
	if d := opts.VerifiedPushDigits; d != 0 && (d < 3 || d > 6) {
		// Duo's own client defaults the length to 3 (duo_client_python admin.py,
		// verified_push_length); 6 is the longest the policy offers [mem].
		t.Fatalf("duotest: VerifiedPushDigits is %d; Duo's verification codes have 3 to 6 digits", d)
	}
	s := &Server{
		keys:      opts.Keys,
		clock:     opts.Clock,
		pageSize:  opts.PageSize,
		digits:    opts.VerifiedPushDigits,
		users:     map[string]*User{},
		phones:    map[string]*Phone{},
		pushes:    map[string]*push{},
		verifying: map[string]*verification{},
		failures:  map[string][]failure{},
		stalls:    map[string]*stall{},
		effects:   map[string]int{},
	}
	s.adminLimit, s.authLimit = opts.AdminLimit, opts.AuthLimit
	s.srv = httptest.NewTLSServer(s.gate.Wrap(s))
	t.Cleanup(s.srv.Close)
	// Registered after Close so it runs first: a stalled handler must end before Close waits for it.
	t.Cleanup(s.releaseStalls)
	t.Cleanup(s.gate.ReleaseAll)
	return s
}

// Gate numbers the requests and can stop at one of them (see package gate), for
// tests that kill the client there.
func (s *Server) Gate() *gate.Gate { return &s.gate }

// Effects counts the successful answers of each route, as "METHOD pattern" (ids as
// {}): "POST /admin/v1/phones" is phones created, "POST /auth/v2/auth" pushes sent,
// "POST /admin/v1/phones/{}/send_sms_activation" activations texted.
func (s *Server) Effects() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make(map[string]int, len(s.effects))
	for k, v := range s.effects {
		out[k] = v
	}
	return out
}

// AllowPushesWhenPolled makes the person approve each push as soon as the client
// asks auth_status about it, the way someone holding the phone approves the push
// the screen told them about. A push whose transaction id the client never learned
// (its answer was lost) is never approved, and times out.
func (s *Server) AllowPushesWhenPolled(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.allowPolled = on
}

// PushAnswers counts the pushes by their answer so far: "allow", "deny", "fraud",
// "timeout", and "" for those still waiting.
func (s *Server) PushAnswers() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for _, p := range s.pushes {
		out[s.pushResult(p)]++
	}
	return out
}

// Host is the host:port clients must use as the API host (it is part of the signature).
func (s *Server) Host() string { return s.srv.Listener.Addr().String() }

// Client returns an HTTP client that trusts the server's certificate.
func (s *Server) Client() *http.Client { return s.srv.Client() }

// CACertPEM is the server's certificate in PEM, for a ca_file.
func (s *Server) CACertPEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.srv.Certificate().Raw})
}

// WriteCAFile writes CACertPEM to a file in a temporary folder and returns its path.
func (s *Server) WriteCAFile(t testing.TB) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "duotest-ca.pem")
	if err := os.WriteFile(path, s.CACertPEM(), 0o600); err != nil {
		t.Fatalf("write the fake Duo's CA file: %v", err)
	}
	return path
}

// Requests returns every request received so far, in order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Users returns copies of the users, oldest first.
func (s *Server) Users() []User {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []User
	for _, id := range sortedKeys(s.users) {
		u := *s.users[id]
		u.PhoneIDs = slices.Clone(u.PhoneIDs)
		out = append(out, u)
	}
	return out
}

// Phones returns copies of the phones, oldest first.
func (s *Server) Phones() []Phone {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Phone
	for _, id := range sortedKeys(s.phones) {
		out = append(out, *s.phones[id])
	}
	return out
}

// AddUser adds an active user, as the Duo Admin Panel or a directory sync would, and
// returns its id.
func (s *Server) AddUser(username string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addUser(username, "active").UserID
}

// AddPhone adds a phone, as the Duo Admin Panel would; typ and platform are Duo's
// request words ("mobile", "apple ios"). It returns the phone id.
func (s *Server) AddPhone(number, typ, platform string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, e := s.addPhone(number, typ, platform)
	if e != nil {
		return "", e
	}
	return p.PhoneID, nil
}

// SetUserStatus sets a user's status: active, bypass, disabled or locked out.
func (s *Server) SetUserStatus(username, status string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.userByName(username)
	if u == nil {
		return fmt.Errorf("no user %s", username)
	}
	u.Status = status
	return nil
}

// SetMissingGrant makes Admin API writes fail with 403 40301, as when the Admin API
// application lacks "Grant write resource".
func (s *Server) SetMissingGrant(missing bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.missingGrant = missing
}

// FailNext makes the next request to path fail with status and Duo code (0: the usual
// code for the status), with a Retry-After header unless retryAfter is "". Calls queue up.
func (s *Server) FailNext(path string, status, code int, retryAfter string) {
	s.FailNextN(path, 1, status, code, retryAfter)
}

// FailNextN is FailNext for the next n requests to path.
func (s *Server) FailNextN(path string, n, status, code int, retryAfter string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.failures[path] = append(s.failures[path], failure{status: status, code: code, retryAfter: retryAfter})
	}
}

// Stall makes requests to path hang until release is called or the client goes away;
// arrived is closed when the first such request comes in.
func (s *Server) Stall(path string) (arrived <-chan struct{}, release func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := &stall{arrived: make(chan struct{}), release: make(chan struct{})}
	s.stalls[path] = st
	return st.arrived, func() { st.releaseOnce.Do(func() { close(st.release) }) }
}

func (s *Server) releaseStalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range s.stalls {
		st.releaseOnce.Do(func() { close(st.release) })
	}
}

// Activate does what Duo Mobile does with a scanned activation link: it fails when the
// phone has no live activation (none made, already used, or expired).
func (s *Server) Activate(phoneID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.phones[phoneID]
	switch {
	case p == nil:
		return fmt.Errorf("no phone %s", phoneID)
	case p.ActivationURL == "":
		return fmt.Errorf("phone %s has no activation to use", phoneID)
	case !s.clock.Now().Before(p.ActivationExpires):
		return fmt.Errorf("the activation of phone %s expired at %s", phoneID, p.ActivationExpires.Format(time.RFC3339))
	}
	p.Activated, p.ActivationURL = true, ""
	return nil
}

// AnswerPush answers the user's newest waiting push as the person would: "allow",
// "deny", "fraud" or "timeout".
func (s *Server) AnswerPush(username, answer string) error {
	if !validAnswer(answer) {
		return fmt.Errorf("unknown answer %q", answer)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var newest *push
	for _, p := range s.pushes {
		if strings.EqualFold(p.username, username) && s.pushResult(p) == "" && (newest == nil || p.created.After(newest.created) || p.created.Equal(newest.created) && p.txid > newest.txid) {
			newest = p
		}
	}
	if newest == nil {
		return fmt.Errorf("no waiting push for %s", username)
	}
	newest.answer = answer
	return nil
}

// PushDevice returns the phone id the push with this transaction id went to, so a
// test can tell which of a user's phones was asked.
func (s *Server) PushDevice(txid string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pushes[txid]
	if p == nil {
		return "", false
	}
	return p.device, true
}

// VerifyNumber returns the number Duo Mobile asks the person to type for the push
// with this transaction id (Verified Duo Push), and whether there is one.
func (s *Server) VerifyNumber(txid string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pushes[txid]
	if p == nil || p.number == "" {
		return "", false
	}
	return p.number, true
}

// AnswerPushID answers the push with this transaction id.
func (s *Server) AnswerPushID(txid, answer string) error {
	if !validAnswer(answer) {
		return fmt.Errorf("unknown answer %q", answer)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.pushes[txid]
	if p == nil || s.pushResult(p) != "" {
		return fmt.Errorf("no waiting push %s", txid)
	}
	p.answer = answer
	return nil
}

// AnswerNextPush sets the answer the next push gets as soon as it is sent; calls queue up.
func (s *Server) AnswerNextPush(answer string) error {
	if !validAnswer(answer) {
		return fmt.Errorf("unknown answer %q", answer)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextAnswers = append(s.nextAnswers, answer)
	return nil
}

func validAnswer(a string) bool {
	return a == "allow" || a == "deny" || a == "fraud" || a == "timeout"
}

// pushResult is the push's answer, "timeout" once PushTimeout passed unanswered, else "".
func (s *Server) pushResult(p *push) string {
	if p.answer == "" && s.clock.Now().Sub(p.created) >= PushTimeout {
		return "timeout"
	}
	return p.answer
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// newID makes ids shaped like Duo's: a two-letter prefix and 18 characters, sorting
// in creation order.
func (s *Server) newID(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s%018d", prefix, s.seq)
}
