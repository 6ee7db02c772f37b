package graph

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/phone"
)

// mobileMethodID is the id Graph gives every user's mobile phone method.
const mobileMethodID = "3179e48a-750b-4051-897c-87b9720928f7"

// methodsPermission is what adding and updating a phone method needs.
const methodsPermission = PermissionRegisterPhones

// readPermission is what a 403 on reading phone methods means is missing: the
// read-only permission when that is what the configured roles need (the portal
// route), else the read-write one, which reads too.
func (c *Client) readPermission() string {
	for _, n := range c.cfg.Needs {
		if n.Permission == PermissionRegisterPhones {
			return PermissionRegisterPhones
		}
	}
	for _, n := range c.cfg.Needs {
		if n.Permission == PermissionReadPhones {
			return PermissionReadPhones
		}
	}
	return PermissionRegisterPhones
}

// phoneMethod is Graph's phoneAuthenticationMethod.
type phoneMethod struct {
	ID          string `json:"id,omitempty"`
	PhoneNumber string `json:"phoneNumber"`
	PhoneType   string `json:"phoneType"`
}

// MobileMethod returns the user's mobile phone method as E.164, or "".
func (c *Client) MobileMethod(ctx context.Context, user string) (string, error) {
	m, err := c.mobile(ctx, user)
	if err != nil || m == nil {
		return "", err
	}
	return fromGraph(m.PhoneNumber), nil
}

// RegisterMobile makes e164 the user's mobile method: added when there is none,
// updated in place when there is (a user has at most one mobile).
func (c *Client) RegisterMobile(ctx context.Context, user, e164 string) (string, error) {
	m, err := c.mobile(ctx, user)
	if err != nil {
		return "", err
	}
	if m != nil && fromGraph(m.PhoneNumber) == e164 {
		return idOr(m.ID), nil
	}
	body := phoneMethod{PhoneNumber: phone.GraphFormat(e164), PhoneType: "mobile"}
	if m == nil {
		a, err := c.call(ctx, http.MethodPost, userPath("v1.0", user)+"/authentication/phoneMethods", body, op{permission: methodsPermission, user: user})
		if err == nil {
			var created phoneMethod
			if err := a.Decode(&created); err != nil {
				return "", err
			}
			return idOr(created.ID), nil
		}
		// Another run may have added a mobile since it was read: Graph then refuses a
		// second one, and an update is what is wanted.
		var ge *Error
		if !errors.As(err, &ge) || (ge.Status != http.StatusBadRequest && ge.Status != http.StatusConflict) {
			return "", err
		}
		if m, _ = c.mobile(ctx, user); m == nil {
			return "", err
		}
	}
	id := idOr(m.ID)
	if _, err := c.call(ctx, http.MethodPatch, userPath("v1.0", user)+"/authentication/phoneMethods/"+id, body, op{permission: methodsPermission, user: user}); err != nil {
		return "", err
	}
	return id, nil
}

// mobile returns the user's mobile phone method, or nil.
func (c *Client) mobile(ctx context.Context, user string) (*phoneMethod, error) {
	a, err := c.call(ctx, http.MethodGet, userPath("v1.0", user)+"/authentication/phoneMethods", nil, op{permission: c.readPermission(), user: user})
	if err != nil {
		return nil, err
	}
	var list struct {
		Value []phoneMethod `json:"value"`
	}
	if err := a.Decode(&list); err != nil {
		return nil, err
	}
	for _, m := range list.Value {
		if strings.EqualFold(m.PhoneType, "mobile") {
			return &m, nil
		}
	}
	return nil, nil
}

// fromGraph turns Graph's "+1 2065550100" (optionally "x123") into E.164. Anything
// else, such as a masked number, comes back without its spaces, so it never equals a
// real number and the step asks before replacing it.
func fromGraph(s string) string {
	s = strings.ReplaceAll(s, " ", "")
	if i := strings.IndexAny(s, "xX"); i > 0 && digits(s[i+1:]) {
		s = s[:i]
	}
	return s
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

func idOr(id string) string {
	if id == "" {
		return mobileMethodID
	}
	return id
}
