package fake

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"math/big"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

// textCode is the service side of one text-message code
// (phones/<k2>/<key>/sms-code.json). Only a salted hash of the code is kept, so the
// records never hold a usable code.
type textCode struct {
	// To is the number the code was texted to: the file's name is a hash of it.
	To        string    `json:"to,omitempty"`
	Hash      string    `json:"hash"`
	Salt      string    `json:"salt"`
	SentAt    time.Time `json:"sent_at"`
	ExpiresAt time.Time `json:"expires_at"`
	Wrong     int       `json:"wrong"`
	Dead      bool      `json:"dead"`
	// Approved keeps an accepted code's record, spent, as Twilio keeps a converted
	// attempt in its log after deleting the verification: checking it again fails,
	// but whether it was accepted can still be asked.
	Approved bool `json:"approved,omitempty"`
}

// Codes is the fake text-message code service (Twilio Verify's role).
type Codes struct{ s *Services }

// Codes returns the fake code sender.
func (s *Services) Codes() *Codes { return &Codes{s: s} }

// SendCode texts a fresh 6-digit code to the outbox, replacing any earlier one, unless
// the cool-down since the last code has not passed.
func (c *Codes) SendCode(ctx context.Context, to string) (provider.CodeSent, error) {
	if err := ctx.Err(); err != nil {
		return provider.CodeSent{}, err
	}
	now := c.s.clock.Now()
	code, err := sixDigits()
	if err != nil {
		return provider.CodeSent{}, err
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return provider.CodeSent{}, catalog.Wrap(err, "fake.make-code")
	}
	var sent provider.CodeSent
	err = update(c.s, numberRef(codeRecord, to), func(tc *textCode, found bool) error {
		if found {
			if wait := tc.SentAt.Add(c.s.opts.ResendCoolDown).Sub(now); wait > 0 {
				return &provider.CoolDownError{Wait: wait}
			}
		}
		*tc = textCode{
			To:        to,
			Hash:      hashCode(salt, code),
			Salt:      hex.EncodeToString(salt),
			SentAt:    now,
			ExpiresAt: now.Add(c.s.opts.CodeValid),
		}
		sent = provider.CodeSent{ExpiresAt: now.Add(c.s.opts.CodeValid), ResendAt: now.Add(c.s.opts.ResendCoolDown)}
		return nil
	})
	if err != nil {
		return provider.CodeSent{}, err
	}
	// Not "nobody will ever ask you for it": a technician's start --for asks for it on
	// a call, and a warning people learn to ignore protects nobody. The rule that
	// does protect them is who may have it, and when.
	text := c.s.opts.Text.T("fake.sms.code", "Organisation", c.s.opts.Organisation, "Code", code,
		"Count", int(c.s.opts.CodeValid.Round(time.Minute)/time.Minute))
	if err := c.s.deliver("sms", to, text, ""); err != nil {
		return provider.CodeSent{}, err
	}
	return sent, nil
}

// CheckCode compares code with the last one sent to the number. After too many wrong
// tries the code is dead, as with Twilio Verify, and only a new code helps.
func (c *Codes) CheckCode(ctx context.Context, to, code string) (provider.CodeCheck, error) {
	if err := ctx.Err(); err != nil {
		return provider.CodeCheck{}, err
	}
	now := c.s.clock.Now()
	var out provider.CodeCheck
	err := update(c.s, numberRef(codeRecord, to), func(tc *textCode, found bool) error {
		switch {
		case !found || tc.Approved || now.After(tc.ExpiresAt):
			out = provider.CodeCheck{Status: provider.CodeExpired}
			return errUnchanged
		case tc.Dead:
			out = provider.CodeCheck{Status: provider.CodeLocked}
			return errUnchanged
		}
		salt, err := hex.DecodeString(tc.Salt)
		if err != nil {
			return catalog.NewError("fake.code-record-damaged", "Phone", to, "File", c.s.file(numberRef(codeRecord, to)))
		}
		if subtle.ConstantTimeCompare([]byte(hashCode(salt, code)), []byte(tc.Hash)) == 1 {
			tc.Approved = true
			out = provider.CodeCheck{Status: provider.CodeApproved}
			return nil
		}
		tc.Wrong++
		left := c.s.opts.CodeAttempts - tc.Wrong
		if left <= 0 {
			tc.Dead = true
			out = provider.CodeCheck{Status: provider.CodeLocked}
			return nil
		}
		out = provider.CodeCheck{Status: provider.CodeWrong, AttemptsLeft: left}
		return nil
	})
	return out, err
}

func sixDigits() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", catalog.Wrap(err, "fake.make-code")
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

func hashCode(salt []byte, code string) string {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte(code))
	return hex.EncodeToString(h.Sum(nil))
}

// Accepted reports whether a code texted to the number since sentAt was accepted, as
// Twilio's Verification Attempts log can say after the verification itself is gone.
func (c *Codes) Accepted(ctx context.Context, to string, sentAt time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	tc, err := view[textCode](c.s, numberRef(codeRecord, to))
	// The tool records its own send time just after the service's: allow for it.
	return err == nil && tc != nil && tc.Approved && !tc.SentAt.Before(sentAt.Add(-time.Minute)), err
}
