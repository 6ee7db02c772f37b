package duo

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

// pushesPerWindow and pushWindow cap test pushes so that no loop, retry or impatient
// technician can push-bomb a person. This cap lives in memory, for one process: the
// duo-test step holds the same cap across runs from the person's saved state, and
// this is the second line behind it.
const (
	pushesPerWindow = 3
	pushWindow      = 5 * time.Minute
)

type preauth struct {
	Result    string `json:"result"`
	StatusMsg string `json:"status_msg"`
	// TxID is the Verified Duo Push prepared for a client that says it supports one.
	TxID    string `json:"txid"`
	Devices []struct {
		Device       string   `json:"device"`
		Capabilities []string `json:"capabilities"`
	} `json:"devices"`
}

// Ready asks Duo's preauth whether username can be pushed to on deviceID: the phone's
// Admin API phone_id is the device id preauth lists and auth takes.
func (c *Client) Ready(ctx context.Context, username, deviceID string) (bool, error, error) {
	if err := checkIDs(deviceID); err != nil {
		return false, nil, err
	}
	var p preauth
	if err := c.call(ctx, AuthAPI, http.MethodPost, "/auth/v2/preauth", url.Values{"username": {username}}, &p); err != nil {
		return false, nil, err
	}
	switch p.Result {
	case "auth":
		for _, d := range p.Devices {
			if d.Device == deviceID && slices.Contains(d.Capabilities, "push") {
				return true, nil, nil
			}
		}
		// Another device may take pushes (the phone of an earlier enrollment), but a push
		// it approves would not prove the phone just enrolled.
		return false, catalog.NewError("duo.ready.not-this-device"), nil
	case "enroll":
		// enroll_portal_url is deliberately not shown: enrolment happens in duo-enroll.
		return false, catalog.NewError("duo.ready.enroll"), nil
	case "deny":
		return false, catalog.NewError("duo.ready.deny", "Duo", sanitize.Line(p.StatusMsg)), nil
	case "allow":
		// A bypass user is let in without a push, so a push proves nothing.
		return false, catalog.NewError("duo.ready.bypass"), nil
	}
	return false, nil, catalog.NewError("duo.ready.unknown", "Result", strconv.Quote(sanitize.Line(p.Result)))
}

// Push sends a Duo Push to the user's device deviceID, at most pushesPerWindow per
// pushWindow, after a preauth that readies a Verified Duo Push where the user's policy
// asks for one (see verifiedPush). device=auto is never used: Duo would pick the
// user's first capable device, which after a new enrollment may be the old phone.
func (c *Client) Push(ctx context.Context, username, deviceID string) (provider.Push, error) {
	if err := checkIDs(deviceID); err != nil {
		return provider.Push{}, err
	}
	if err := c.takePushSlot(username); err != nil {
		return provider.Push{}, err
	}
	params := url.Values{"username": {username}, "factor": {"push"}, "device": {deviceID}, "async": {"1"}}
	txid, err := c.verifiedPush(ctx, username)
	if err != nil {
		return provider.Push{}, err
	}
	if txid != "" {
		params.Set("txid", txid)
	}
	var r struct {
		TxID string `json:"txid"`
	}
	err = c.call(ctx, AuthAPI, http.MethodPost, "/auth/v2/auth", params, &r)
	var duoErr *Error
	if errors.As(err, &duoErr) && duoErr.Code == 40002 && duoErr.Detail == "device" {
		return provider.Push{}, catalog.Wrap(err, "duo.push.not-a-device")
	}
	if err != nil {
		return provider.Push{}, err
	}
	if r.TxID == "" {
		return provider.Push{}, catalog.NewError("duo.push.no-txid")
	}
	return provider.Push{ID: r.TxID}, nil
}

// verifiedPush says to Duo that this client shows the number of a Verified Duo Push,
// and returns the txid Duo prepared for the push, "" when the user's policy asks for
// none. Duo takes client_supports_verified_push at preauth, not at auth (Duo Auth API
// https://duo.com/docs/authapi#/preauth; duo_unix lib/duo.c _duo_preauth and
// duo_client_python auth.py preauth send it there), and the txid preauth then gives
// goes to auth (duo_unix duo_login; duo_client_python auth.py auth's txid). Without
// it Duo bypasses a "Verified Duo Push" policy and sends a plain push, which would
// not test the sign-in the person will meet. The number itself comes with
// auth_status (see Status).
func (c *Client) verifiedPush(ctx context.Context, username string) (string, error) {
	var p preauth
	params := url.Values{"username": {username}, "client_supports_verified_push": {"1"}}
	if err := c.call(ctx, AuthAPI, http.MethodPost, "/auth/v2/preauth", params, &p); err != nil {
		return "", err
	}
	if p.Result != "auth" {
		// auth refuses the push in its own words (checked by Ready before).
		return "", nil
	}
	return p.TxID, nil
}

// verifyNumberIn finds the number Duo Mobile asks for in a waiting push's status_msg:
// Duo's words are "Please enter verification code 376 into Duo Mobile..." in Duo's
// own mock (duo_unix tests/mockduo.py), and duo_unix shows them as they are, so only
// the number is relied on: the one run of digits, 3 to 6 long (Duo's policy offers
// codes of 3 or 6 digits [mem]). A message with other digits or none gives "".
func verifyNumberIn(msg string) string {
	runs := digitRuns().FindAllString(msg, -1)
	if len(runs) != 1 || len(runs[0]) < 3 || len(runs[0]) > 6 {
		return ""
	}
	return runs[0]
}

var digitRuns = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`[0-9]+`) })

// takePushSlot counts a push before it is sent, so a push whose answer was lost still
// counts against the cap.
func (c *Client) takePushSlot(username string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.cfg.Clock.Now()
	key := strings.ToLower(username)
	var recent []time.Time
	for _, t := range c.pushes[key] {
		if now.Sub(t) < pushWindow {
			recent = append(recent, t)
		}
	}
	if len(recent) >= pushesPerWindow {
		c.pushes[key] = recent
		return catalog.Wrap(provider.ErrRateLimited, "duo.push.capped", "Pushes", pushesPerWindow, "User", username, "Minutes", int(pushWindow/time.Minute))
	}
	c.pushes[key] = append(recent, now)
	return nil
}

// Status asks Duo about the push. auth_status is a long-poll; an attempt that reaches
// CallTimeout with no change means the push is still waiting. A txid Duo does not know
// (it forgets old transactions) is provider.ErrNotFound: that push can no longer be
// answered, which a resumed run must tell from Duo being unreachable.
func (c *Client) Status(ctx context.Context, pushID string) (provider.PushStatus, error) {
	var r struct {
		Result    string `json:"result"`
		Status    string `json:"status"`
		StatusMsg string `json:"status_msg"`
	}
	err := c.call(ctx, AuthAPI, http.MethodGet, "/auth/v2/auth_status", url.Values{"txid": {pushID}}, &r)
	if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		return said(provider.PushWaiting, catalog.NewError("duo.push.waiting")), nil
	}
	var duoErr *Error
	if errors.As(err, &duoErr) && duoErr.Code == 40002 && duoErr.Detail == "txid" {
		return provider.PushStatus{}, forgottenPush{catalog.Wrap(err, "duo.push.forgotten", "NotFound", provider.ErrNotFound)}
	}
	if err != nil {
		return provider.PushStatus{}, err
	}
	msg := sanitize.Line(r.StatusMsg)
	switch {
	case r.Result == "waiting":
		// Under Verified Duo Push the waiting push's status_msg holds the number Duo
		// Mobile asks for (Duo Auth API, auth_status; duo_unix shows it so).
		return provider.PushStatus{Result: provider.PushWaiting, Message: msg, VerifyNumber: verifyNumberIn(msg)}, nil
	case r.Result == "allow":
		return provider.PushStatus{Result: provider.PushAllowed, Message: msg}, nil
	case r.Status == "timeout":
		return provider.PushStatus{Result: provider.PushTimeout, Message: msg}, nil
	case r.Status == "fraud":
		return said(provider.PushDenied, catalog.NewError("duo.push.fraud")), nil
	case r.Result == "deny":
		return provider.PushStatus{Result: provider.PushDenied, Message: msg}, nil
	}
	return provider.PushStatus{}, catalog.NewError("duo.push.unknown-status", "Result", strconv.Quote(sanitize.Line(r.Result)))
}

// said is a push's status in words of ours rather than Duo's.
func said(result provider.PushResult, msg *catalog.Error) provider.PushStatus {
	return provider.PushStatus{Result: result, Message: msg.Error(), Said: msg}
}

// forgottenPush is a push Duo no longer knows: provider.ErrNotFound, explained by
// Duo's own refusal, which errors.As still finds.
type forgottenPush struct{ msg *catalog.Error }

func (e forgottenPush) Error() string                      { return e.msg.Error() }
func (e forgottenPush) Localize(p *catalog.Printer) string { return e.msg.Localize(p) }
func (e forgottenPush) Unwrap() error                      { return e.msg.Unwrap() }

// Is makes the push's absence provider.ErrNotFound.
func (e forgottenPush) Is(target error) bool { return target == provider.ErrNotFound }

// ApproveWithCode is never needed: Push.NeedsCode is false for real Duo.
func (c *Client) ApproveWithCode(ctx context.Context, pushID, code string) error {
	return catalog.NewError("duo.push.no-code")
}
