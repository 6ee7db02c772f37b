package fake

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

// The demo Duo differs from real Duo in one honest way: its activation QR is a real
// otpauth:// TOTP URI that Duo Mobile (or any authenticator app) can add, and the
// person proves activation, and later approves the test push, by typing the code the
// app shows. Real Duo learns of activation itself and is polled instead.

// duoUser is a Duo user (users/<k2>/<key>/duo-user.json).
type duoUser struct {
	ID       string   `json:"id"`
	Username string   `json:"username"`
	Phones   []string `json:"phones,omitempty"`
	// PushTimes are the test pushes of the last pushWindow, for the cap.
	PushTimes []time.Time `json:"push_times,omitempty"`
}

// numberPhones are the Duo phones with one number and the pushes sent to them
// (phones/<k2>/<key>/duo-phones.json). A push is approved with a code of its phone's
// authenticator entry, which a code used once may not approve again, so a phone and
// its pushes change together, in one write.
type numberPhones struct {
	Number string `json:"number"`
	// Seq counts the ids this record gave, so that each is new.
	Seq    int           `json:"seq,omitempty"`
	Phones []*duoPhone   `json:"phones,omitempty"`
	Pushes []*pushRecord `json:"pushes,omitempty"`
}

// nextID is prefix, the record's key and a number: the key says where a call that is
// given the id finds it, as Duo's ids lead Duo to its records.
func (n *numberPhones) nextID(prefix string) string {
	n.Seq++
	return fmt.Sprintf("%s%s%02d", prefix, strings.ToUpper(key(n.Number)), n.Seq)
}

func (n *numberPhones) phone(id string) *duoPhone {
	for _, p := range n.Phones {
		if p != nil && p.ID == id {
			return p
		}
	}
	return nil
}

func (n *numberPhones) push(id string) *pushRecord {
	for _, p := range n.Pushes {
		if p != nil && p.ID == id {
			return p
		}
	}
	return nil
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

// Id prefixes, as Duo's: DU a user, DP a phone; TX a push's transaction.
const (
	userPrefix  = "DU"
	phonePrefix = "DP"
	pushPrefix  = "TX"
)

// Duo is the fake Duo: the Admin API's enrollment and the Auth API's push.
type Duo struct{ s *Services }

// Duo returns the fake Duo.
func (s *Services) Duo() *Duo { return &Duo{s: s} }

var totpOpts = totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// pushesPerWindow and pushWindow cap test pushes so a loop can never push-bomb a person.
// The demo service keeps its push times in the user's record, as a vendor would on its
// side, so this cap holds across runs; the duo-test step holds the same cap from the
// person's state for every Pusher.
const (
	pushesPerWindow = 3
	pushWindow      = 5 * time.Minute
)

// FindUser returns the id of the Duo user called username.
func (d *Duo) FindUser(ctx context.Context, username string) (string, error) {
	u, err := view[duoUser](d.s, userRef(duoUserRecord, username))
	if err != nil {
		return "", err
	}
	if u == nil {
		return "", provider.ErrNotFound
	}
	return u.ID, nil
}

// CreateUser creates a Duo user; the demo always may.
func (d *Duo) CreateUser(ctx context.Context, username string) (string, error) {
	at := userRef(duoUserRecord, username)
	id := userPrefix + strings.ToUpper(at.key)
	err := update(d.s, at, func(u *duoUser, found bool) error {
		if found {
			return catalog.NewError("fake.duo-user-exists", "User", username)
		}
		*u = duoUser{ID: id, Username: username}
		return nil
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// FindPhone returns the id of the phone with this number.
func (d *Duo) FindPhone(ctx context.Context, e164 string) (string, error) {
	rec, err := view[numberPhones](d.s, numberRef(duoPhonesRecord, e164))
	if err != nil {
		return "", err
	}
	if rec != nil {
		for _, p := range rec.Phones {
			if p != nil && p.Number == e164 {
				return p.ID, nil
			}
		}
	}
	return "", provider.ErrNotFound
}

// CreatePhone creates a mobile phone.
func (d *Duo) CreatePhone(ctx context.Context, e164, platform string) (string, error) {
	var id string
	err := update(d.s, numberRef(duoPhonesRecord, e164), func(rec *numberPhones, _ bool) error {
		rec.Number = e164
		id = rec.nextID(phonePrefix)
		rec.Phones = append(rec.Phones, &duoPhone{ID: id, Number: e164, Platform: platform})
		return nil
	})
	return id, err
}

// phonesOf returns where the phone (or push) id is kept, wrapping provider.ErrNotFound
// for an id the demo never gave.
func (d *Duo) phonesOf(id, prefix string) (ref, error) {
	k, err := d.s.locate(id, prefix, true)
	return ref{phonesGroup, k, duoPhonesRecord}, err
}

// phone reads the phone phoneID for a question; nil when there is none.
func (d *Duo) phone(phoneID string) (*duoPhone, error) {
	at, err := d.phonesOf(phoneID, phonePrefix)
	if errors.Is(err, provider.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	rec, err := view[numberPhones](d.s, at)
	if err != nil || rec == nil {
		return nil, err
	}
	return rec.phone(phoneID), nil
}

// Associate attaches a phone to a user, once.
func (d *Duo) Associate(ctx context.Context, userID, phoneID string) error {
	notFound := catalog.Wrap(provider.ErrNotFound, "fake.associate-not-found", "Phone", phoneID, "User", userID)
	userKey, err := d.s.locate(userID, userPrefix, false)
	if errors.Is(err, provider.ErrNotFound) {
		return notFound
	}
	if err != nil {
		return err
	}
	p, err := d.phone(phoneID)
	if err != nil {
		return err
	}
	if p == nil {
		return notFound
	}
	return update(d.s, ref{usersGroup, userKey, duoUserRecord}, func(u *duoUser, found bool) error {
		switch {
		case !found || u.ID != userID:
			return notFound
		case slices.Contains(u.Phones, phoneID):
			return errUnchanged
		}
		u.Phones = append(u.Phones, phoneID)
		return nil
	})
}

// NewActivation makes a new authenticator entry for the phone; the previous entry's
// codes stop working, as a new Duo activation link voids the old one.
func (d *Duo) NewActivation(ctx context.Context, phoneID string) (provider.Activation, error) {
	act, _, err := d.newActivation(phoneID)
	return act, err
}

// newActivation is NewActivation, also returning the phone's number.
func (d *Duo) newActivation(phoneID string) (act provider.Activation, number string, err error) {
	at, err := d.phonesOf(phoneID, phonePrefix)
	if err != nil {
		return act, "", err
	}
	err = update(d.s, at, func(rec *numberPhones, _ bool) error {
		p := rec.phone(phoneID)
		if p == nil {
			return notFound(phonePrefix, phoneID)
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
			return catalog.Wrap(err, "fake.make-entry")
		}
		now := d.s.clock.Now()
		p.Secret = key.Secret()
		p.Activated = false
		p.LastCounter = 0
		p.ActExpires = now.Add(d.s.opts.ActivationValid)
		act = provider.Activation{Link: totpURI(org, p.Secret), ExpiresAt: p.ActExpires, NeedsCode: true}
		number = p.Number
		return nil
	})
	return act, number, err
}

// CurrentActivation rebuilds the pending entry from the seed and expiry the demo
// service keeps, so a resumed run shows exactly what was shown or texted before and
// the entry the person already added keeps working.
func (d *Duo) CurrentActivation(ctx context.Context, phoneID string) (provider.Activation, bool, error) {
	p, err := d.phone(phoneID)
	if err != nil {
		return provider.Activation{}, false, err
	}
	if p == nil {
		return provider.Activation{}, false, notFound(phonePrefix, phoneID)
	}
	// The same test as ConfirmActivation's, so an entry shown again is one it accepts.
	if p.Secret == "" || p.Activated || d.s.clock.Now().After(p.ActExpires) {
		return provider.Activation{}, false, nil
	}
	return provider.Activation{Link: totpURI(d.s.opts.Organisation, p.Secret), ExpiresAt: p.ActExpires, NeedsCode: true}, true, nil
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
	act, number, err := d.newActivation(phoneID)
	if err != nil {
		return act, err
	}
	text := d.s.opts.Text.T("fake.sms.activation", "Organisation", d.s.opts.Organisation, "Link", act.Link)
	return act, d.s.deliver("sms", number, text, act.Link)
}

// Activated reports whether the demo entry has been proven with a code.
func (d *Duo) Activated(ctx context.Context, phoneID string) (bool, error) {
	p, err := d.phone(phoneID)
	if err != nil {
		return false, err
	}
	if p == nil {
		return false, notFound(phonePrefix, phoneID)
	}
	return p.Activated, nil
}

// ConfirmActivation accepts the code the authenticator app shows for the new entry.
func (d *Duo) ConfirmActivation(ctx context.Context, phoneID, code string) error {
	none := catalog.Wrap(provider.ErrNotFound, "fake.no-activation", "Phone", phoneID)
	at, err := d.phonesOf(phoneID, phonePrefix)
	if errors.Is(err, provider.ErrNotFound) {
		return none
	}
	if err != nil {
		return err
	}
	return update(d.s, at, func(rec *numberPhones, _ bool) error {
		p := rec.phone(phoneID)
		if p == nil || p.Secret == "" {
			return none
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
			return catalog.Wrap(err, "fake.compute-code")
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
func (d *Duo) Ready(ctx context.Context, username, deviceID string) (bool, error, error) {
	u, err := view[duoUser](d.s, userRef(duoUserRecord, username))
	if err != nil {
		return false, nil, err
	}
	p, err := d.phone(deviceID)
	if err != nil {
		return false, nil, err
	}
	reason := pushReason(u, p, deviceID)
	return reason == nil, reason, nil
}

// pushReason says, in words for the person, why no push can go to the user's phone
// deviceID (p, nil when there is none); nil when one can.
func pushReason(u *duoUser, p *duoPhone, deviceID string) error {
	switch {
	case u == nil:
		return catalog.NewError("fake.ready.no-user")
	case p == nil || !slices.Contains(u.Phones, deviceID):
		return catalog.NewError("fake.ready.not-users-phone")
	case !p.Activated:
		return catalog.NewError("fake.ready.not-activated")
	}
	return nil
}

// Push sends a demo login request for deviceID to the outbox, at most pushesPerWindow
// per pushWindow.
func (d *Duo) Push(ctx context.Context, username, deviceID string) (provider.Push, error) {
	// Asked first without locks, so that a push that cannot go leaves no file behind.
	if ok, reason, err := d.Ready(ctx, username, deviceID); err != nil || !ok {
		if err == nil {
			err = catalog.Wrap(provider.ErrNotFound, "fake.push-not-sent", "Phone", deviceID, "Reason", reason)
		}
		return provider.Push{}, err
	}
	push, number, err := d.push(username, deviceID)
	if err != nil {
		return provider.Push{}, err
	}
	text := d.s.opts.Text.T("fake.push.text", "User", username, "Organisation", d.s.opts.Organisation)
	if err := d.s.deliver("push", number, text, ""); err != nil {
		return provider.Push{}, err
	}
	return provider.Push{ID: push.ID, NeedsCode: true, ExpiresAt: push.Created.Add(d.s.opts.PushValid)}, nil
}

// push records a push to deviceID under the user's lock and then the phone's (always
// in that order, so two calls never wait for each other crosswise). The push is
// counted against the cap before it is recorded: a run stopped between the two writes
// has used one of the person's pushes without sending it, and never sent one the cap
// does not know of.
func (d *Duo) push(username, deviceID string) (push pushRecord, number string, err error) {
	userAt := userRef(duoUserRecord, username)
	phonesAt, err := d.phonesOf(deviceID, phonePrefix)
	if err != nil {
		return push, "", err
	}
	unlockUser, err := d.s.lock(userAt)
	if err != nil {
		return push, "", err
	}
	defer unlockUser()
	unlockPhones, err := d.s.lock(phonesAt)
	if err != nil {
		return push, "", err
	}
	defer unlockPhones()
	var u duoUser
	var rec numberPhones
	foundUser, err := d.s.read(userAt, &u)
	if err != nil {
		return push, "", err
	}
	if _, err := d.s.read(phonesAt, &rec); err != nil {
		return push, "", err
	}
	p := rec.phone(deviceID)
	user := &u
	if !foundUser {
		user = nil
	}
	if reason := pushReason(user, p, deviceID); reason != nil {
		return push, "", catalog.Wrap(provider.ErrNotFound, "fake.push-not-sent", "Phone", deviceID, "Reason", reason)
	}
	now := d.s.clock.Now()
	var recent []time.Time
	for _, t := range u.PushTimes {
		if now.Sub(t) < pushWindow {
			recent = append(recent, t)
		}
	}
	if len(recent) >= pushesPerWindow {
		return push, "", catalog.Wrap(provider.ErrRateLimited, "fake.push-capped", "Pushes", pushesPerWindow, "Minutes", int(pushWindow/time.Minute))
	}
	u.PushTimes = append(recent, now)
	push = pushRecord{ID: rec.nextID(pushPrefix), Username: username, PhoneID: p.ID, Created: now, Result: string(provider.PushWaiting)}
	rec.Pushes = append(rec.Pushes, &push)
	if err := d.s.write(userAt, &u); err != nil {
		return push, "", err
	}
	if err := d.s.write(phonesAt, &rec); err != nil {
		return push, "", err
	}
	return push, p.Number, nil
}

// Status reports the push's result; an unanswered push times out like a real one.
// It is a question, asked in polling loops and by every resumed run, so it reads the
// records and never rewrites them: the timeout follows from the push's age.
func (d *Duo) Status(ctx context.Context, pushID string) (provider.PushStatus, error) {
	at, err := d.phonesOf(pushID, pushPrefix)
	if err != nil {
		return provider.PushStatus{}, err
	}
	rec, err := view[numberPhones](d.s, at)
	if err != nil {
		return provider.PushStatus{}, err
	}
	var p *pushRecord
	if rec != nil {
		p = rec.push(pushID)
	}
	if p == nil {
		return provider.PushStatus{}, notFound(pushPrefix, pushID)
	}
	result := p.Result
	if result == string(provider.PushWaiting) && d.s.clock.Now().Sub(p.Created) > d.s.opts.PushValid {
		result = string(provider.PushTimeout)
	}
	msg := pushMessage(result)
	return provider.PushStatus{Result: provider.PushResult(result), Message: msg.Error(), Said: msg}, nil
}

// pushMessage is what the demo Duo says of a push, as Duo's status_msg does.
func pushMessage(result string) *catalog.Error {
	switch provider.PushResult(result) {
	case provider.PushAllowed:
		return catalog.NewError("fake.push.approved")
	case provider.PushDenied:
		return catalog.NewError("fake.push.denied")
	case provider.PushTimeout:
		return catalog.NewError("fake.push.timeout")
	}
	return catalog.NewError("fake.push.waiting")
}

// ApproveWithCode approves a waiting push with the demo entry's current code.
func (d *Duo) ApproveWithCode(ctx context.Context, pushID, code string) error {
	at, err := d.phonesOf(pushID, pushPrefix)
	if err != nil {
		return err
	}
	return update(d.s, at, func(rec *numberPhones, _ bool) error {
		push := rec.push(pushID)
		if push == nil {
			return notFound(pushPrefix, pushID)
		}
		now := d.s.clock.Now()
		if push.Result == string(provider.PushWaiting) && now.Sub(push.Created) > d.s.opts.PushValid {
			push.Result = string(provider.PushTimeout)
		}
		if push.Result != string(provider.PushWaiting) {
			return provider.ErrExpired
		}
		p := rec.phone(push.PhoneID)
		if p == nil {
			return notFound(phonePrefix, push.PhoneID)
		}
		if err := checkTOTP(p, code, now); err != nil {
			return err
		}
		push.Result = string(provider.PushAllowed)
		return nil
	})
}
