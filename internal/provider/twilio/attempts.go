package twilio

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// attemptsPage is the part of a Verification Attempts list the client reads.
type attemptsPage struct {
	Attempts []struct {
		ServiceSID       string `json:"service_sid"`
		ConversionStatus string `json:"conversion_status"`
		DateCreated      string `json:"date_created"`
		ChannelData      struct {
			To string `json:"to"`
		} `json:"channel_data"`
	} `json:"attempts"`
}

// attemptsPageSize bounds the list: a person gets a handful of codes at most.
const attemptsPageSize = 20

// Accepted reports whether a code texted to the number at or after sentAt was
// accepted. Checking the code again cannot tell: Twilio deletes a verification once it
// is approved, and answers a second check 404. Its Verification Attempts (public beta,
// kept 30 days) still say so: every text of a verification is an attempt, marked
// conversion_status "converted" once the right code was checked.
//
// false means "not known to be accepted", never "wrong": a conversion may show up a
// moment late, and an account without the Attempts API answers an error. Callers
// then send a new code. Twilio's filters are applied again here, so a server that
// ignored one cannot make a conversion of another number or service count.
func (c *Client) Accepted(ctx context.Context, to string, sentAt time.Time) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	// Attempts are stamped with Twilio's clock; allow for this computer's being off.
	after := sentAt.Add(-maxSkew).UTC()
	q := url.Values{
		"VerifyServiceSid": {c.cfg.ServiceSID},
		"ChannelData.To":   {to},
		"Channel":          {"sms"},
		"Status":           {"converted"},
		"DateCreatedAfter": {after.Format("2006-01-02T15:04:05Z")},
		"PageSize":         {strconv.Itoa(attemptsPageSize)},
	}
	a, err := c.call(ctx, http.MethodGet, "/v2/Attempts?"+q.Encode(), nil)
	if err != nil {
		return false, err
	}
	if !a.OK() {
		return false, failure(a, to)
	}
	var page attemptsPage
	if err := a.Decode(&page); err != nil {
		return false, err
	}
	for _, at := range page.Attempts {
		created, err := time.Parse(time.RFC3339, at.DateCreated)
		if err != nil || created.Before(after) {
			continue
		}
		if at.ConversionStatus == "converted" && at.ServiceSID == c.cfg.ServiceSID && at.ChannelData.To == to {
			return true, nil
		}
	}
	return false, nil
}
