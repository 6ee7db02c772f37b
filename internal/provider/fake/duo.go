package fake

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"net/url"
	"slices"
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
// The demo service keeps its push times in its records file, as a vendor would on its
// side, so this cap holds across runs; the duo-test step holds the same cap from the
// person's state for every Pusher.
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
		org := d.s.opts.Organisation
		key, err := totp.Generate(totp.GenerateOpts{
			Issuer:      org,
			AccountName: org,
			Period:      30,
			SecretSize:  secretSize,
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
		act = provider.Activation{Link: totpURI(org, p.Secret), ExpiresAt: p.ActExpires, NeedsCode: true}
		return nil
	})
	return act, err
}

// CurrentActivation rebuilds the pending entry from the seed and expiry the demo
// service keeps, so a resumed run shows exactly what was shown or texted before and
// the entry the person already added keeps working.
func (d *Duo) CurrentActivation(ctx context.Context, phoneID string) (provider.Activation, bool, error) {
	var act provider.Activation
	var ok bool
	err := d.s.view(func(r *records) error {
		p := r.DuoPhones[phoneID]
		if p == nil {
			return fmt.Errorf("phone %s: %w", phoneID, provider.ErrNotFound)
		}
		// The same test as ConfirmActivation's, so an entry shown again is one it accepts.
		if p.Secret == "" || p.Activated || d.s.clock.Now().After(p.ActExpires) {
			return nil
		}
		act = provider.Activation{Link: totpURI(d.s.opts.Organisation, p.Secret), ExpiresAt: p.ActExpires, NeedsCode: true}
		ok = true
		return nil
	})
	return act, ok, err
}

// secretSize is 16 bytes (128 bits, 26 base32 characters): RFC 4226's minimum, and
// shorter than pquerna/otp's default of 20, to keep the QR code small.
const secretSize = 16

// totpURI writes the entry in Google's Key URI format as briefly as apps still read it
// right, so that its QR code fits a terminal of 80×24: the label is the organisation
// alone (the name Duo Mobile and Google Authenticator show for the entry), and SHA1,
// 6 digits and 30 s are left out because they are the defaults. No issuer parameter:
// it is optional, and with a label that has no "issuer:" prefix apps show the label.
func totpURI(org, secret string) string {
	// A colon would split the label into issuer and account name.
	label := strings.ReplaceAll(org, ":", " ")
	return (&url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + label, RawQuery: "secret=" + secret}).String()
}

// SendActivation texts a new activation to the phone; like Duo's send_sms_activation,
// it voids the one before.
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

// Ready answers like Duo's preauth for one device: the user's phone deviceID can be
// pushed to once it is attached to the user and activated.
func (d *Duo) Ready(ctx context.Context, username, deviceID string) (bool, string, error) {
	var reason string
	err := d.s.view(func(r *records) error {
		_, reason = r.pushable(username, deviceID)
		return nil
	})
	return err == nil && reason == "", reason, err
}

// pushable returns the user's phone deviceID if a push can go to it, else the reason
// it cannot, in words for the person.
func (r *records) pushable(username, deviceID string) (*duoPhone, string) {
	u := r.DuoUsers[strings.ToLower(username)]
	p := r.DuoPhones[deviceID]
	switch {
	case u == nil:
		return nil, "this user has no activated Duo Mobile yet: finish the duo-enroll step first"
	case p == nil || !slices.Contains(u.Phones, deviceID):
		return nil, "the phone added in duo-enroll is not one of this user's Duo phones: run mfa-onboard reset, then mfa-onboard start to add it again"
	case !p.Activated:
		return nil, "the phone added in duo-enroll has no activated Duo Mobile yet: finish the duo-enroll step first"
	}
	return p, ""
}

// Push sends a demo login request for deviceID to the outbox, at most pushesPerWindow
// per pushWindow.
func (d *Duo) Push(ctx context.Context, username, deviceID string) (provider.Push, error) {
	var push pushRecord
	var number string
	err := d.s.update(func(r *records) error {
		p, reason := r.pushable(username, deviceID)
		if p == nil {
			return fmt.Errorf("no push was sent to phone %s (%w): %s", deviceID, provider.ErrNotFound, reason)
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
			return fmt.Errorf("%d test pushes in the last %d minutes already: %w", pushesPerWindow, int(pushWindow/time.Minute), provider.ErrRateLimited)
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
	return provider.Push{ID: push.ID, NeedsCode: true, ExpiresAt: push.Created.Add(d.s.opts.PushValid)}, nil
}

// Status reports the push's result; an unanswered push times out like a real one.
// It is a question, asked in polling loops and by every resumed run, so it reads the
// records and never rewrites them: the timeout follows from the push's age.
func (d *Duo) Status(ctx context.Context, pushID string) (provider.PushStatus, error) {
	var st provider.PushStatus
	err := d.s.view(func(r *records) error {
		p := r.Pushes[pushID]
		if p == nil {
			return fmt.Errorf("push %s: %w", pushID, provider.ErrNotFound)
		}
		result := p.Result
		if result == string(provider.PushWaiting) && d.s.clock.Now().Sub(p.Created) > d.s.opts.PushValid {
			result = string(provider.PushTimeout)
		}
		st = provider.PushStatus{Result: provider.PushResult(result), Message: pushMessage(result)}
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
