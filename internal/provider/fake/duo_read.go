package fake

import (
	"context"
	"errors"
	"slices"

	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

// ReadPhone lets status --live compare a person's record with the demo's, as with
// real Duo's.
var _ provider.PhoneReader = (*Duo)(nil)

// ReadPhone says what the demo holds of the phone phoneID, as real Duo's Retrieve
// Phone by ID does (https://duo.com/docs/adminapi#retrieve-phone-by-id): its number,
// whether it is activated, and whether it is one of the Duo user userID's phones.
// It only reads, as every question does.
func (d *Duo) ReadPhone(ctx context.Context, userID, phoneID string) (provider.PhoneRecord, error) {
	if err := ctx.Err(); err != nil {
		return provider.PhoneRecord{}, err
	}
	p, err := d.phone(phoneID)
	if err != nil {
		return provider.PhoneRecord{}, err
	}
	if p == nil {
		return provider.PhoneRecord{}, notFound(phonePrefix, phoneID)
	}
	rec := provider.PhoneRecord{Number: p.Number, Activated: p.Activated}
	userKey, err := d.s.locate(userID, userPrefix, false)
	if errors.Is(err, provider.ErrNotFound) {
		return rec, nil
	}
	if err != nil {
		return provider.PhoneRecord{}, err
	}
	u, err := view[duoUser](d.s, ref{usersGroup, userKey, duoUserRecord})
	if err != nil {
		return provider.PhoneRecord{}, err
	}
	rec.Attached = u != nil && u.ID == userID && slices.Contains(u.Phones, phoneID)
	return rec, nil
}
