package autotask

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/message"
)

// Autotask's field lengths: a longer value is refused.
const (
	maxTitle       = 255
	maxDescription = 8000
)

// ticketBody is the body of a ticket create: the extra fields as configured, then the
// tool's own (New made sure the two never name the same field). Optional settings left
// at zero are left out, as Autotask takes a zero id as a reference to nothing.
func (a *Notifier) ticketBody(title, description string) map[string]any {
	t := make(map[string]any, len(a.cfg.Fields)+8)
	for k, v := range a.cfg.Fields {
		t[k] = v
	}
	t["companyID"], t["title"], t["description"] = a.cfg.CompanyID, title, description
	t["status"], t["priority"] = a.cfg.Status, a.cfg.Priority
	for k, v := range map[string]int64{"queueID": a.cfg.QueueID, "issueType": int64(a.cfg.IssueType), "subIssueType": int64(a.cfg.SubIssueType)} {
		if v != 0 {
			t[k] = v
		}
	}
	return t
}

// Title is a notice's ticket title; the bracketed id is what Sent searches for. It is
// the support desk's text, as the notice's own subject is, so it is the same whatever
// language the person's run speaks.
func Title(user, noticeID string) string {
	marker := " [" + noticeID + "]"
	head := "MFA set up: " + user // untranslated: the desk's ticket title, as message.Default's subject
	if r := []rune(head); len(r)+len([]rune(marker)) > maxTitle {
		head = string(r[:maxTitle-len([]rune(marker))])
	}
	return head + marker
}

// Notify opens a ticket and returns "ticket N".
func (a *Notifier) Notify(ctx context.Context, n provider.Notice) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	_, body, err := message.Render(a.cfg.Template, n)
	if err != nil {
		return "", err
	}
	if r := []rune(body); len(r) > maxDescription {
		body = string(r[:maxDescription])
	}
	zone, err := a.zoneRoot(ctx)
	if err != nil {
		return "", err
	}
	title := Title(n.User, n.ID)
	ans, err := a.call(ctx, http.MethodPost, zone+"V1.0/Tickets", a.ticketBody(title, body))
	if err != nil {
		return "", err
	}
	if !ans.OK() {
		return "", a.failure(ans, catalog.NewError("autotask.doing.create-ticket"))
	}
	var created struct {
		ItemID int64 `json:"itemId"`
	}
	if err := ans.Decode(&created); err != nil {
		return "", err
	}
	if created.ItemID == 0 {
		return "", catalog.NewError("autotask.no-ticket-id", "Title", strconv.Quote(title))
	}
	return receipt(created.ItemID), nil
}

// Sent looks for a ticket whose title carries the notice id.
func (a *Notifier) Sent(ctx context.Context, id string) (string, bool, error) {
	if err := ctx.Err(); err != nil {
		return "", false, err
	}
	zone, err := a.zoneRoot(ctx)
	if err != nil {
		return "", false, err
	}
	q := map[string]any{"filter": []map[string]any{{"op": "contains", "field": "title", "value": id}}}
	ans, err := a.call(ctx, http.MethodPost, zone+"V1.0/Tickets/query", q)
	if err != nil {
		return "", false, err
	}
	if !ans.OK() {
		return "", false, a.failure(ans, catalog.NewError("autotask.doing.search-earlier"))
	}
	var found struct {
		Items []struct {
			ID    int64  `json:"id"`
			Title string `json:"title"`
		} `json:"items"`
	}
	if err := ans.Decode(&found); err != nil {
		return "", false, err
	}
	for _, it := range found.Items {
		// contains is a substring match; the brackets make sure it is our marker.
		if strings.Contains(it.Title, "["+id+"]") {
			return receipt(it.ID), true, nil
		}
	}
	return "", false, nil
}

// receipt is what the state records for a ticket, and what the steps show as its
// reference.
func receipt(id int64) string {
	return fmt.Sprintf("ticket %d", id) // untranslated: the state's receipt for this ticket
}
