package graph

import (
	"context"
	"net/http"
	"strconv"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// Per-user MFA states Graph knows; "enabled" turns into "enforced" by itself once the
// user has registered a method, so a read after a write may differ.
const (
	MFADisabled = "disabled"
	MFAEnabled  = "enabled"
	MFAEnforced = "enforced"
)

type requirements struct {
	PerUserMfaState string `json:"perUserMfaState"`
}

// MFAState returns the user's per-user MFA state (beta endpoint).
func (c *Client) MFAState(ctx context.Context, user string) (string, error) {
	a, err := c.call(ctx, http.MethodGet, userPath("beta", user)+"/authentication/requirements", nil, op{permission: "Policy.Read.All", user: user})
	if err != nil {
		return "", err
	}
	var r requirements
	if err := a.Decode(&r); err != nil {
		return "", err
	}
	return r.PerUserMfaState, nil
}

// SetMFAState sets the user's per-user MFA state (beta endpoint).
func (c *Client) SetMFAState(ctx context.Context, user, state string) error {
	switch state {
	case MFADisabled, MFAEnabled, MFAEnforced:
	default:
		return catalog.NewError("graph.mfa.bad-state", "State", strconv.Quote(state))
	}
	_, err := c.call(ctx, http.MethodPatch, userPath("beta", user)+"/authentication/requirements", requirements{PerUserMfaState: state}, op{permission: "Policy.ReadWrite.AuthenticationMethod", user: user})
	return err
}
