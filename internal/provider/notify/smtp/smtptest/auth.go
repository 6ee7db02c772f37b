package smtptest

import (
	"bytes"
	"errors"
	"strings"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Auth is how the server lets a client log in.
type Auth int

const (
	// AuthPlain offers AUTH PLAIN and checks User and Password.
	AuthPlain Auth = iota
	// AuthXOAUTH2 offers AUTH XOAUTH2 alone and checks User and Token, as Exchange
	// Online does for an app's client-credentials token.
	AuthXOAUTH2
	// AuthExchangeOnline is Exchange Online once basic authentication for client
	// submission is retired: it answers a password login (LOGIN or PLAIN) with
	// 550 5.7.30 and checks XOAUTH2 as AuthXOAUTH2 does. It offers LOGIN and XOAUTH2,
	// which is what smtp.office365.com is seen to advertise after STARTTLS; no
	// Microsoft page lists it.
	AuthExchangeOnline
)

// Login is one successful login.
type Login struct {
	Mechanism, User string
}

// xoauth2 is the SASL mechanism name Microsoft and Google use for a bearer token.
const xoauth2 = "XOAUTH2"

// Exchange Online's answers. The success line is go-smtp's own.
var (
	// https://techcommunity.microsoft.com/blog/exchange/exchange-online-to-retire-basic-auth-for-client-submission-smtp-auth/4114750
	errBasicRetired = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 30}, Message: "Basic authentication is not supported for Client Submission."}
	// https://learn.microsoft.com/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth
	// ("SMTP Protocol Exchange": a refused token is answered 535 5.7.3).
	errTokenRefused = &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 3}, Message: "Authentication unsuccessful"}
)

func (ss *session) AuthMechanisms() []string {
	switch ss.s.opts.Auth {
	case AuthXOAUTH2:
		return []string{xoauth2}
	case AuthExchangeOnline:
		return []string{sasl.Login, xoauth2}
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	mode := ss.s.opts.Auth
	switch {
	case mech == xoauth2 && mode != AuthPlain:
		return &xoauth2Server{check: ss.checkToken}, nil
	case mode == AuthExchangeOnline && mech == sasl.Plain:
		return sasl.NewPlainServer(func(string, string, string) error { return errBasicRetired }), nil
	case mode == AuthExchangeOnline && mech == sasl.Login:
		return &loginServer{done: func(string, string) error { return errBasicRetired }}, nil
	case mode == AuthPlain && mech == sasl.Plain:
		return sasl.NewPlainServer(func(_, username, password string) error {
			if username != ss.s.opts.User || password != ss.s.opts.Password {
				return smtp.ErrAuthFailed
			}
			ss.loggedIn(sasl.Plain, username)
			return nil
		}), nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (ss *session) checkToken(user, token string) error {
	good := ss.s.opts.Token != "" && token == ss.s.opts.Token
	if ss.s.opts.TokenOK != nil {
		good = ss.s.opts.TokenOK(token)
	}
	if user != ss.s.opts.User || !good {
		return errTokenRefused
	}
	ss.loggedIn(xoauth2, user)
	return nil
}

func (ss *session) loggedIn(mech, user string) {
	ss.authed = true
	ss.s.mu.Lock()
	ss.s.logins = append(ss.s.logins, Login{Mechanism: mech, User: user})
	ss.s.mu.Unlock()
}

// xoauth2Server reads the SASL XOAUTH2 response Microsoft documents:
// base64("user=" + user + "^Aauth=Bearer " + token + "^A^A"), where ^A is 0x01. It
// takes the response with AUTH (an initial response) or after an empty 334 challenge,
// as in Microsoft's own SMTP example.
type xoauth2Server struct {
	check func(user, token string) error
}

func (x *xoauth2Server) Next(response []byte) ([]byte, bool, error) {
	if response == nil {
		return nil, false, nil // no initial response: ask for it with "334 "
	}
	user, token, err := parseXOAUTH2(response)
	if err != nil {
		return nil, false, errTokenRefused
	}
	return nil, true, x.check(user, token)
}

func parseXOAUTH2(b []byte) (user, token string, err error) {
	rest, ok := bytes.CutSuffix(b, []byte("\x01\x01"))
	if !ok {
		return "", "", errors.New("the XOAUTH2 response does not end with ^A^A")
	}
	u, a, ok := strings.Cut(string(rest), "\x01")
	if !ok {
		return "", "", errors.New("the XOAUTH2 response has no auth part")
	}
	user, okU := strings.CutPrefix(u, "user=")
	token, okA := strings.CutPrefix(a, "auth=Bearer ")
	if !okU || !okA || user == "" || token == "" {
		return "", "", errors.New("the XOAUTH2 response is not user=…^Aauth=Bearer …")
	}
	return user, token, nil
}

// loginServer is AUTH LOGIN as Microsoft's [MS-XLOGIN] describes it: the server asks
// "Username:" then "Password:", each in a 334 line.
// https://learn.microsoft.com/openspecs/exchange_server_protocols/ms-xlogin
type loginServer struct {
	step     int
	username string
	done     func(username, password string) error
}

func (l *loginServer) Next(response []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		l.step++
		if response == nil {
			return []byte("Username:"), false, nil
		}
		l.username = string(response) // sent with AUTH LOGIN itself
		l.step++
		return []byte("Password:"), false, nil
	case 1:
		l.step++
		l.username = string(response)
		return []byte("Password:"), false, nil
	}
	return nil, true, l.done(l.username, string(response))
}
