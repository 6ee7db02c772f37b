package smtptest_test

import (
	"crypto/tls"
	"errors"
	"net/smtp"
	"net/textproto"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/smtp/smtptest"
)

// cleanupTB collects the cleanups New registers so that the test decides when they
// run, as the testing package does when a subtest returns.
type cleanupTB struct {
	testing.TB
	cleanups []func()
}

func (c *cleanupTB) Cleanup(f func()) { c.cleanups = append(c.cleanups, f) }

func (c *cleanupTB) runCleanups() {
	for _, f := range slices.Backward(c.cleanups) {
		f()
	}
}

// TestStopBeforeServeRuns ends a server's test before its Serve goroutine has run, as
// a subtest that never connects (an unreachable-server case) does under CPU load. With
// one P the goroutine New starts runs only once the cleanup blocks, so Close always
// comes first here; the cleanup must still return.
func TestStopBeforeServeRuns(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	for i := range 20 {
		tb := &cleanupTB{TB: t}
		stopped := make(chan struct{})
		go func() {
			defer close(stopped)
			smtptest.New(tb, smtptest.Options{User: "u", Password: "p"})
			tb.runCleanups() // at once, with no yield between, like a test that returns
		}()
		select {
		case <-stopped:
		case <-time.After(10 * time.Second):
			t.Fatalf("round %d: stopping a server whose Serve had not started yet hangs", i)
		}
	}
}

// rawAuth is a SASL exchange written out by hand, so the server is checked against
// Microsoft's wire format rather than against the client the product uses.
type rawAuth struct {
	mech    string
	initial []byte
	answers [][]byte
	asked   []string
}

func (a *rawAuth) Start(*smtp.ServerInfo) (string, []byte, error) { return a.mech, a.initial, nil }

func (a *rawAuth) Next(fromServer []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	a.asked = append(a.asked, string(fromServer))
	if len(a.answers) == 0 {
		return nil, errors.New("the server asked for more than the test has to give")
	}
	next := a.answers[0]
	a.answers = a.answers[1:]
	return next, nil
}

func xoauth2(user, token string) []byte {
	return []byte("user=" + user + "\x01auth=Bearer " + token + "\x01\x01")
}

// dialTLS connects and upgrades with STARTTLS, as a submission client must before AUTH.
func dialTLS(t *testing.T, srv *smtptest.Server) *smtp.Client {
	t.Helper()
	c, err := smtp.Dial(srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	if err := c.Hello("msp.example"); err != nil {
		t.Fatal(err)
	}
	if err := c.StartTLS(&tls.Config{ServerName: srv.Host(), RootCAs: srv.CertPool(), MinVersion: tls.VersionTLS12}); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestAuthModes(t *testing.T) {
	const user, password, token = "notify@msp.example", "pw", "eyJ0eXAiOiJKV1QiLCJub25jZSI6ImFiYyJ9.e30.sig"
	tests := []struct {
		name      string
		mode      smtptest.Auth
		offered   string
		auth      *rawAuth
		code      int    // 0 is success
		enhanced  string // the start of the reply's text
		asked     []string
		loginMech string
	}{
		{"plain, right password", smtptest.AuthPlain, "PLAIN",
			&rawAuth{mech: "PLAIN", initial: []byte("\x00" + user + "\x00" + password)}, 0, "", nil, "PLAIN"},
		{"xoauth2 alone, token with AUTH", smtptest.AuthXOAUTH2, "XOAUTH2",
			&rawAuth{mech: "XOAUTH2", initial: xoauth2(user, token)}, 0, "", nil, "XOAUTH2"},
		{"xoauth2 alone, token after an empty 334 as in Microsoft's example", smtptest.AuthXOAUTH2, "XOAUTH2",
			&rawAuth{mech: "XOAUTH2", answers: [][]byte{xoauth2(user, token)}}, 0, "", []string{""}, "XOAUTH2"},
		{"xoauth2 alone, wrong token", smtptest.AuthXOAUTH2, "XOAUTH2",
			&rawAuth{mech: "XOAUTH2", initial: xoauth2(user, "not-the-token")}, 535, "5.7.3 Authentication unsuccessful", nil, ""},
		{"xoauth2 alone, another mailbox", smtptest.AuthXOAUTH2, "XOAUTH2",
			&rawAuth{mech: "XOAUTH2", initial: xoauth2("other@msp.example", token)}, 535, "5.7.3", nil, ""},
		{"xoauth2 alone, not the XOAUTH2 format", smtptest.AuthXOAUTH2, "XOAUTH2",
			&rawAuth{mech: "XOAUTH2", initial: []byte("user=" + user + " auth=Bearer " + token)}, 535, "5.7.3", nil, ""},
		{"xoauth2 alone refuses a password", smtptest.AuthXOAUTH2, "XOAUTH2",
			&rawAuth{mech: "PLAIN", initial: []byte("\x00" + user + "\x00" + password)}, 504, "", nil, ""},
		{"exchange online, LOGIN", smtptest.AuthExchangeOnline, "LOGIN XOAUTH2",
			&rawAuth{mech: "LOGIN", answers: [][]byte{[]byte(user), []byte(password)}}, 550,
			"5.7.30 Basic authentication is not supported for Client Submission", []string{"Username:", "Password:"}, ""},
		{"exchange online, PLAIN", smtptest.AuthExchangeOnline, "LOGIN XOAUTH2",
			&rawAuth{mech: "PLAIN", initial: []byte("\x00" + user + "\x00" + password)}, 550, "5.7.30", nil, ""},
		{"exchange online, XOAUTH2", smtptest.AuthExchangeOnline, "LOGIN XOAUTH2",
			&rawAuth{mech: "XOAUTH2", initial: xoauth2(user, token)}, 0, "", nil, "XOAUTH2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := smtptest.New(t, smtptest.Options{User: user, Password: password, Token: token, Auth: tt.mode})
			c := dialTLS(t, srv)
			if ok, mechs := c.Extension("AUTH"); !ok || mechs != tt.offered {
				t.Fatalf("AUTH offers %q (%v); want %q", mechs, ok, tt.offered)
			}
			err := c.Auth(tt.auth)
			var reply *textproto.Error
			switch {
			case tt.code == 0 && err != nil:
				t.Fatalf("login refused: %v", err)
			case tt.code != 0 && (!errors.As(err, &reply) || reply.Code != tt.code || len(reply.Msg) < len(tt.enhanced) || reply.Msg[:len(tt.enhanced)] != tt.enhanced):
				t.Fatalf("login answered %v; want %d %s", err, tt.code, tt.enhanced)
			}
			if !slices.Equal(tt.auth.asked, tt.asked) {
				t.Errorf("the server asked %q; want %q", tt.auth.asked, tt.asked)
			}
			var want []smtptest.Login
			if tt.loginMech != "" {
				want = []smtptest.Login{{Mechanism: tt.loginMech, User: user}}
			}
			if got := srv.Logins(); !slices.Equal(got, want) {
				t.Errorf("logins %v; want %v", got, want)
			}
		})
	}
}

func TestRecordsHello(t *testing.T) {
	srv := smtptest.New(t, smtptest.Options{User: "u", Password: "p"})
	c := dialTLS(t, srv)
	if err := c.Auth(smtp.PlainAuth("", "u", "p", srv.Host())); err != nil {
		t.Fatal(err)
	}
	if err := c.Mail("a@msp.example"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("b@msp.example"); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	_, _ = w.Write([]byte("Subject: x\r\n\r\nbody\r\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if m := srv.Messages(); len(m) != 1 || m[0].Hello != "msp.example" {
		t.Fatalf("messages %+v; want one, after EHLO msp.example", m)
	}
}
