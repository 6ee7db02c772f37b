package fake

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

// The demo Duo differs from real Duo in one honest way: its activation QR is a real
// otpauth:// TOTP URI that Duo Mobile (or any authenticator app) can add, and the
// person proves activation, and later approves the test push, by typing the code the
// app shows. Real Duo learns of activation itself and is polled instead.

type duoUser struct {
	ID       string   `json:"id"`
	Username string   `json:"username"`
	Phones   []string `json:"phones,omitempty"`
}

type duoPhone struct {
	ID       string `json:"id"`
	Number   string `json:"number"`
	Platform string `json:"platform"`
	// Secret is the demo authenticator entry's TOTP seed. It lives only here, on the
	// demo service's side, never in the user's state.
	Secret      string    `json:"secret,omitempty"`
	Account     string    `json:"account,omitempty"`
	ActExpires  time.Time `json:"activation_expires,omitempty"`
	Activated   bool      `json:"activated"`
	LastCounter int64     `json:"last_counter,omitempty"`
}

type pushRecord struct {
	ID       string    `json:"id"`
	Username string    `json:"username"`
	PhoneID  string    `json:"phone_id"`
	Created  time.Time `json:"created"`
	Result   string    `json:"result"`
}

// Duo is the fake Duo: the Admin API's enrollment and the Auth API's push.
type Duo struct{ s *Services }

// Duo returns the fake Duo.
func (s *Services) Duo() *Duo { return &Duo{s: s} }

var totpOpts = totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// pushesPerWindow and pushWindow cap test pushes so a loop can never push-bomb a person.
const (
	pushesPerWindow = 3
	pushWindow      = 5 * time.Minute
)

// FindUser returns the id of the Duo user called username.
func (d *Duo) FindUser(ctx context.Context, username string) (string, error) {
	var id string
	err := d.s.view(func(r *records) error {
		if u := r.DuoUsers[strings.ToLower(username)]; u != nil {
			id = u.ID
			return nil
		}
		return provider.ErrNotFound
	})
	return id, err
}

// CreateUser creates a Duo user; the demo always may.
func (d *Duo) CreateUser(ctx context.Context, username string) (string, error) {
	var id string
	err := d.s.update(func(r *records) error {
		key := strings.ToLower(username)
		if r.DuoUsers[key] != nil {
			return fmt.Errorf("duo user %s already exists", username)
		}
		if r.DuoUsers == nil {
			r.DuoUsers = map[string]*duoUser{}
		}
		id = r.nextID("DU")
		r.DuoUsers[key] = &duoUser{ID: id, Username: username}
		return nil
	})
	return id, err
}

// FindPhone returns the id of the phone with this number.
func (d *Duo) FindPhone(ctx context.Context, e164 string) (string, error) {
	var id string
	err := d.s.view(func(r *records) error {
		for _, p := range r.DuoPhones {
			if p.Number == e164 {
				id = p.ID
				return nil
			}
		}
		return provider.ErrNotFound
	})
	return id, err
}

// CreatePhone creates a mobile phone.
func (d *Duo) CreatePhone(ctx context.Context, e164, platform string) (string, error) {
	var id string
	err := d.s.update(func(r *records) error {
		if r.DuoPhones == nil {
			r.DuoPhones = map[string]*duoPhone{}
		}
		id = r.nextID("DP")
		r.DuoPhones[id] = &duoPhone{ID: id, Number: e164, Platform: platform}
		return nil
	})
	return id, err
}

// Associate attaches a phone to a user, once.
func (d *Duo) Associate(ctx context.Context, userID, phoneID string) error {
	return d.s.update(func(r *records) error {
		u := r.userByID(userID)
		if u == nil || r.DuoPhones[phoneID] == nil {
			return fmt.Errorf("associate phone %s with user %s: %w", phoneID, userID, provider.ErrNotFound)
		}
		for _, p := range u.Phones {
			if p == phoneID {
				return nil
			}
		}
		u.Phones = append(u.Phones, phoneID)
		r.DuoPhones[phoneID].Account = u.Username
		return nil
	})
}

func (r *records) userByID(id string) *duoUser {
	for _, u := range r.DuoUsers {
		if u.ID == id {
			return u
		}
	}
	return nil
}

// NewActivation makes a new authenticator entry for the phone; the previous entry's
// codes stop working, as a new Duo activation link voids the old one.
func (d *Duo) NewActivation(ctx context.Context, phoneID string) (provider.Activation, error) {
	var act provider.Activation
	err := d.s.update(func(r *records) error {
		p := r.DuoPhones[phoneID]
		if p == nil {
			return fmt.Errorf("phone %s: %w", phoneID, provider.ErrNotFound)
		}
		account := p.Account
		if account == "" {
			account = p.Number
		}
		key, err := totp.Generate(totp.GenerateOpts{
			Issuer:      d.s.opts.Organisation,
			AccountName: account,
			Period:      30,
			Digits:      otp.DigitsSix,
			Algorithm:   otp.AlgorithmSHA1,
			Rand:        rand.Reader,
		})
		if err != nil {
			return fmt.Errorf("make the demo authenticator entry: %w", err)
		}
		now := d.s.clock.Now()
		p.Secret = key.Secret()
		p.Activated = false
		p.LastCounter = 0
		p.ActExpires = now.Add(d.s.opts.ActivationValid)
		act = provider.Activation{Link: totpURI(d.s.opts.Organisation, account, key.Secret()), ExpiresAt: p.ActExpires, NeedsCode: true}
		return nil
	})
	return act, err
}

// totpURI writes the entry in Google's Key URI format with only what differs from
// the defaults (SHA1, 6 digits, 30 s), which keeps the QR code small enough for a
// terminal: the issuer travels as a parameter, which every current app reads.
func totpURI(issuer, account, secret string) string {
	q := url.Values{"secret": {secret}, "issuer": {issuer}}
	return (&url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + account, RawQuery: strings.ReplaceAll(q.Encode(), "+", "%20")}).String()
}

// SendActivation texts the current activation to the phone.
func (d *Duo) SendActivation(ctx context.Context, phoneID string) (provider.Activation, error) {
	act, err := d.NewActivation(ctx, phoneID)
	if err != nil {
		return act, err
	}
	var number string
	if err := d.s.view(func(r *records) error { number = r.DuoPhones[phoneID].Number; return nil }); err != nil {
		return act, err
	}
	text := fmt.Sprintf("%s: to add your account to Duo Mobile, open this link on this phone: %s", d.s.opts.Organisation, act.Link)
	return act, d.s.deliver("sms", number, text, act.Link)
}

// Activated reports whether the demo entry has been proven with a code.
func (d *Duo) Activated(ctx context.Context, phoneID string) (bool, error) {
	var ok bool
	err := d.s.view(func(r *records) error {
		p := r.DuoPhones[phoneID]
		if p == nil {
			return fmt.Errorf("phone %s: %w", phoneID, provider.ErrNotFound)
		}
		ok = p.Activated
		return nil
	})
	return ok, err
}

// ConfirmActivation accepts the code the authenticator app shows for the new entry.
func (d *Duo) ConfirmActivation(ctx context.Context, phoneID, code string) error {
	return d.s.update(func(r *records) error {
		p := r.DuoPhones[phoneID]
		if p == nil || p.Secret == "" {
			return fmt.Errorf("phone %s has no activation: %w", phoneID, provider.ErrNotFound)
		}
		now := d.s.clock.Now()
		if !p.Activated && now.After(p.ActExpires) {
			return provider.ErrExpired
		}
		if err := checkTOTP(p, code, now); err != nil {
			return err
		}
		p.Activated = true
		return nil
	})
}

// checkTOTP accepts the code for the current 30-second step or one either side, and
// refuses a code whose step was already used, so a code cannot be replayed.
func checkTOTP(p *duoPhone, code string, now time.Time) error {
	for _, skew := range []int64{0, -1, 1} {
		at := now.Add(time.Duration(skew*30) * time.Second)
		want, err := totp.GenerateCodeCustom(p.Secret, at, totpOpts)
		if err != nil {
			return fmt.Errorf("compute the demo code: %w", err)
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) != 1 {
			continue
		}
		counter := at.Unix() / 30
		if counter <= p.LastCounter {
			return provider.ErrCodeUsed
		}
		p.LastCounter = counter
		return nil
	}
	return provider.ErrWrongCode
}

// Ready answers like Duo's preauth: a user with an activated phone can be pushed to.
func (d *Duo) Ready(ctx context.Context, username string) (bool, string, error) {
	var ok bool
	var reason string
	err := d.s.view(func(r *records) error {
		if _, p := r.activePhone(username); p == nil {
			reason = "this user has no activated Duo Mobile yet: finish the duo-enroll step first"
			return nil
		}
		ok = true
		return nil
	})
	return ok, reason, err
}

func (r *records) activePhone(username string) (*duoUser, *duoPhone) {
	u := r.DuoUsers[strings.ToLower(username)]
	if u == nil {
		return nil, nil
	}
	for _, id := range u.Phones {
		if p := r.DuoPhones[id]; p != nil && p.Activated {
			return u, p
		}
	}
	return u, nil
}

// Push sends a demo login request to the outbox, at most pushesPerWindow per pushWindow.
func (d *Duo) Push(ctx context.Context, username string) (provider.Push, error) {
	var push pushRecord
	var number string
	err := d.s.update(func(r *records) error {
		_, p := r.activePhone(username)
		if p == nil {
			return fmt.Errorf("no activated phone for %s: %w", username, provider.ErrNotFound)
		}
		now := d.s.clock.Now()
		key := strings.ToLower(username)
		var recent []time.Time
		for _, t := range r.PushTimes[key] {
			if now.Sub(t) < pushWindow {
				recent = append(recent, t)
			}
		}
		if len(recent) >= pushesPerWindow {
			return fmt.Errorf("%d test pushes in %s already: %w", pushesPerWindow, pushWindow, provider.ErrRateLimited)
		}
		if r.PushTimes == nil {
			r.PushTimes = map[string][]time.Time{}
		}
		r.PushTimes[key] = append(recent, now)
		if r.Pushes == nil {
			r.Pushes = map[string]*pushRecord{}
		}
		push = pushRecord{ID: r.nextID("TX"), Username: username, PhoneID: p.ID, Created: now, Result: string(provider.PushWaiting)}
		r.Pushes[push.ID] = &push
		number = p.Number
		return nil
	})
	if err != nil {
		return provider.Push{}, err
	}
	text := fmt.Sprintf("Duo Push (demo): login request for %s at %s. To approve it here, type the code Duo Mobile shows.", username, d.s.opts.Organisation)
	if err := d.s.deliver("push", number, text, ""); err != nil {
		return provider.Push{}, err
	}
	return provider.Push{ID: push.ID, NeedsCode: true}, nil
}

// Status reports the push's result; an unanswered push times out like a real one.
func (d *Duo) Status(ctx context.Context, pushID string) (provider.PushStatus, error) {
	var st provider.PushStatus
	err := d.s.update(func(r *records) error {
		p := r.Pushes[pushID]
		if p == nil {
			return fmt.Errorf("push %s: %w", pushID, provider.ErrNotFound)
		}
		if p.Result == string(provider.PushWaiting) && d.s.clock.Now().Sub(p.Created) > d.s.opts.PushValid {
			p.Result = string(provider.PushTimeout)
		}
		st = provider.PushStatus{Result: provider.PushResult(p.Result), Message: pushMessage(p.Result)}
		return nil
	})
	return st, err
}

func pushMessage(result string) string {
	switch provider.PushResult(result) {
	case provider.PushAllowed:
		return "Success. The push was approved."
	case provider.PushDenied:
		return "The push was denied."
	case provider.PushTimeout:
		return "Nobody answered the push in time."
	}
	return "Waiting for an answer on the phone."
}

// ApproveWithCode approves a waiting push with the demo entry's current code.
func (d *Duo) ApproveWithCode(ctx context.Context, pushID, code string) error {
	return d.s.update(func(r *records) error {
		push := r.Pushes[pushID]
		if push == nil {
			return fmt.Errorf("push %s: %w", pushID, provider.ErrNotFound)
		}
		now := d.s.clock.Now()
		if push.Result == string(provider.PushWaiting) && now.Sub(push.Created) > d.s.opts.PushValid {
			push.Result = string(provider.PushTimeout)
		}
		if push.Result != string(provider.PushWaiting) {
			return provider.ErrExpired
		}
		p := r.DuoPhones[push.PhoneID]
		if p == nil {
			return fmt.Errorf("phone %s: %w", push.PhoneID, provider.ErrNotFound)
		}
		if err := checkTOTP(p, code, now); err != nil {
			return err
		}
		push.Result = string(provider.PushAllowed)
		return nil
	})
}
