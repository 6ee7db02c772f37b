package duo

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

// ReadPhone lets status --live compare the record with Duo.
var _ provider.PhoneReader = (*Client)(nil)

// duoUser and duoPhone hold the few fields the client reads from Duo's objects.
type duoUser struct {
	UserID   string `json:"user_id"`
	Username string `json:"username"`
}

type duoPhone struct {
	PhoneID   string `json:"phone_id"`
	Number    string `json:"number"`
	Type      string `json:"type"`
	Platform  string `json:"platform"`
	Activated bool   `json:"activated"`
	// Users are the users the phone is attached to (in the answer of a phone by id).
	Users []duoUser `json:"users"`
}

// FindUser returns the Duo user id for username, or provider.ErrNotFound.
func (c *Client) FindUser(ctx context.Context, username string) (string, error) {
	users, err := listAll[duoUser](ctx, c, "/admin/v1/users", url.Values{"username": {username}})
	if err != nil {
		return "", err
	}
	for _, u := range users {
		if strings.EqualFold(u.Username, username) {
			return u.UserID, nil
		}
	}
	// Duo's username normalisation may match a differently written name (DOMAIN\name);
	// one answer is still this user.
	if len(users) == 1 {
		return users[0].UserID, nil
	}
	return "", catalog.Wrap(provider.ErrNotFound, "duo.no-user", "User", username)
}

// CreateUser creates the Duo user when duo.create_users allows it. A create that
// fails is followed by a look: the user may exist all the same (see foundAfter).
func (c *Client) CreateUser(ctx context.Context, username string) (string, error) {
	if !c.cfg.CreateUsers {
		return "", catalog.NewError("duo.create-users-off", "User", username)
	}
	var u duoUser
	err := c.call(ctx, AdminAPI, http.MethodPost, "/admin/v1/users", url.Values{"username": {username}}, &u)
	if err != nil {
		return foundAfter(err, func() (string, error) { return c.FindUser(ctx, username) })
	}
	return u.UserID, nil
}

// foundAfter is what a failed create gives: the record find finds, else the create's
// own error. Whatever Duo answered, the record may exist: made meanwhile (a directory
// sync, another run), or by this very request whose answer was lost. The error code
// says nothing certain, as no Duo source documents what Duo answers a duplicate with
// (https://duo.com/docs/adminapi lists only the create's parameters).
func foundAfter(createErr error, find func() (string, error)) (string, error) {
	if id, err := find(); err == nil {
		return id, nil
	}
	return "", createErr
}

// FindPhone returns the id of the phone with this E.164 number, or provider.ErrNotFound.
func (c *Client) FindPhone(ctx context.Context, e164 string) (string, error) {
	phones, err := listAll[duoPhone](ctx, c, "/admin/v1/phones", url.Values{"number": {e164}})
	if err != nil {
		return "", err
	}
	for _, p := range phones {
		if p.Number == e164 {
			return p.PhoneID, nil
		}
	}
	if len(phones) == 1 {
		return phones[0].PhoneID, nil
	}
	return "", catalog.Wrap(provider.ErrNotFound, "duo.no-phone")
}

// duoPlatform maps the procedure's platform names to Duo's (the values of the Admin
// API's platform parameter, untranslated).
func duoPlatform(platform string) (string, bool) {
	switch strings.ToLower(platform) {
	case "ios":
		return "apple ios", true // untranslated: a value Duo's API takes
	case "android":
		return "google android", true // untranslated: a value Duo's API takes
	case "":
		return "generic smartphone", true // untranslated: a value Duo's API takes
	}
	return "", false
}

// CreatePhone creates a mobile phone for the number and platform ("ios", "android",
// or "" for a smartphone of unknown make). A create that fails is followed by a look,
// as in CreateUser.
func (c *Client) CreatePhone(ctx context.Context, e164, platform string) (string, error) {
	want, ok := duoPlatform(platform)
	if !ok {
		return "", catalog.NewError("duo.unknown-platform", "Platform", strconv.Quote(platform))
	}
	var p duoPhone
	err := c.call(ctx, AdminAPI, http.MethodPost, "/admin/v1/phones", url.Values{"number": {e164}, "type": {"mobile"}, "platform": {want}}, &p)
	if err != nil {
		return foundAfter(err, func() (string, error) { return c.FindPhone(ctx, e164) })
	}
	// Duo answers "Mobile"/"Apple iOS" for "mobile"/"apple ios".
	if !strings.EqualFold(p.Type, "mobile") || !strings.EqualFold(p.Platform, want) {
		return "", catalog.NewError("duo.phone-wrong-kind", "Phone", p.PhoneID, "Type", strconv.Quote(sanitize.Line(p.Type)),
			"Platform", strconv.Quote(sanitize.Line(p.Platform)), "Want", strconv.Quote(want))
	}
	return p.PhoneID, nil
}

// Associate attaches the phone to the user; doing it twice is harmless.
func (c *Client) Associate(ctx context.Context, userID, phoneID string) error {
	if err := checkIDs(userID, phoneID); err != nil {
		return err
	}
	path := "/admin/v1/users/" + userID + "/phones"
	err := c.call(ctx, AdminAPI, http.MethodPost, path, url.Values{"phone_id": {phoneID}}, nil)
	var duoErr *Error
	if !errors.As(err, &duoErr) {
		return err
	}
	// Duo may refuse a second association; that is success only if it is really there,
	// on whichever page of the user's phones it is.
	phones, lerr := listAll[duoPhone](ctx, c, path, nil)
	if lerr == nil && slices.ContainsFunc(phones, func(p duoPhone) bool { return p.PhoneID == phoneID }) {
		return nil
	}
	return err
}

// activation is the answer of activation_url and send_sms_activation.
type activation struct {
	URL       string          `json:"activation_url"`
	Barcode   string          `json:"activation_barcode"`
	ValidSecs json.RawMessage `json:"valid_secs"`
}

// scannable is the activation Duo's own "Use QR code" scanner reads: the value inside
// activation_barcode (https://api-…/frame/qr?value=duo%3A%2F%2F<code>), which is not
// the activation_url deep link (that one is opened on the phone). "" when Duo sent none.
func scannable(barcode string) string {
	u, err := url.Parse(barcode)
	if err != nil {
		return ""
	}
	v := u.Query().Get("value")
	if !strings.HasPrefix(v, "duo://") {
		return ""
	}
	return v
}

// NewActivation asks Duo for a fresh activation link; Duo learns of activation itself.
func (c *Client) NewActivation(ctx context.Context, phoneID string) (provider.Activation, error) {
	a, err := c.activate(ctx, phoneID, "activation_url")
	if err != nil {
		return provider.Activation{}, err
	}
	if a.Link == "" && a.OpenLink == "" {
		return provider.Activation{}, catalog.NewError("duo.no-activation-link")
	}
	if a.Link == "" {
		// No scannable value: the deep link is all there is, for the QR code too.
		a.Link = a.OpenLink
	}
	return a, nil
}

// CurrentActivation never has one to give back: Duo shows an activation link only in
// the answer that made it, and this tool keeps no link, so a resumed run needs a new one.
func (c *Client) CurrentActivation(ctx context.Context, phoneID string) (provider.Activation, bool, error) {
	return provider.Activation{}, false, nil
}

// SendActivation has Duo text a fresh activation link to the phone; Link stays empty.
func (c *Client) SendActivation(ctx context.Context, phoneID string) (provider.Activation, error) {
	a, err := c.activate(ctx, phoneID, "send_sms_activation")
	a.Link, a.OpenLink = "", ""
	return a, err
}

func (c *Client) activate(ctx context.Context, phoneID, call string) (provider.Activation, error) {
	if err := checkIDs(phoneID); err != nil {
		return provider.Activation{}, err
	}
	secs := int64(c.cfg.ActivationValid / time.Second)
	params := url.Values{"valid_secs": {strconv.FormatInt(secs, 10)}, "install": {"1"}}
	start := c.cfg.Clock.Now()
	var a activation
	if err := c.call(ctx, AdminAPI, http.MethodPost, "/admin/v1/phones/"+phoneID+"/"+call, params, &a); err != nil {
		return provider.Activation{}, err
	}
	if n := parseInt(a.ValidSecs); n > 0 {
		secs = int64(n)
	}
	return provider.Activation{Link: sanitizeLink(scannable(a.Barcode)), OpenLink: a.URL, ExpiresAt: start.Add(time.Duration(secs) * time.Second)}, nil
}

// Activated reports whether Duo Mobile on the phone has been activated.
func (c *Client) Activated(ctx context.Context, phoneID string) (bool, error) {
	if err := checkIDs(phoneID); err != nil {
		return false, err
	}
	var p duoPhone
	if err := c.call(ctx, AdminAPI, http.MethodGet, "/admin/v1/phones/"+phoneID, nil, &p); err != nil {
		return false, err
	}
	return p.Activated, nil
}

// ReadPhone reads the phone with one GET of Retrieve Phone by ID, whose answer holds
// the users it is attached to (https://duo.com/docs/adminapi#retrieve-phone-by-id).
// A deleted phone is 404 there (40401), which is provider.ErrNotFound. The user is
// matched by id, not name: under Duo's username normalisation the name Duo keeps
// need not be the one this tool gave.
func (c *Client) ReadPhone(ctx context.Context, userID, phoneID string) (provider.PhoneRecord, error) {
	if err := checkIDs(phoneID); err != nil {
		return provider.PhoneRecord{}, err
	}
	var p duoPhone
	if err := c.call(ctx, AdminAPI, http.MethodGet, "/admin/v1/phones/"+phoneID, nil, &p); err != nil {
		return provider.PhoneRecord{}, err
	}
	attached := userID != "" && slices.ContainsFunc(p.Users, func(u duoUser) bool { return u.UserID == userID })
	return provider.PhoneRecord{Number: p.Number, Activated: p.Activated, Attached: attached}, nil
}

// ConfirmActivation is never needed: Activation.NeedsCode is false for real Duo.
func (c *Client) ConfirmActivation(ctx context.Context, phoneID, code string) error {
	return catalog.NewError("duo.no-code-to-confirm")
}

// checkIDs refuses an id that is not Duo's plain letters and digits: ids go into
// request paths, which the library signs as they are written.
func checkIDs(ids ...string) error {
	for _, id := range ids {
		ok := id != "" && len(id) <= 64
		for _, r := range id {
			ok = ok && (r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
		}
		if !ok {
			return catalog.NewError("duo.bad-id", "ID", strconv.Quote(sanitize.Line(id)))
		}
	}
	return nil
}

// sanitizeLink keeps a link from Duo only if it holds nothing a terminal or a QR code
// reader could take for more than a link.
func sanitizeLink(s string) string {
	if sanitize.Inline(s) != s || strings.ContainsAny(s, " ") {
		return ""
	}
	return s
}
