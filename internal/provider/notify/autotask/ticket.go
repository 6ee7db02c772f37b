package autotask

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/message"
)

// Autotask's field lengths: a longer value is refused.
const (
	maxTitle       = 255
	maxDescription = 8000
)

// ticket is the body of a ticket create.
type ticket struct {
	CompanyID    int64  `json:"companyID"`
	Title        string `json:"title"`
	Description  string `json:"description"`
	Status       int    `json:"status"`
	Priority     int    `json:"priority"`
	QueueID      int64  `json:"queueID,omitempty"`
	IssueType    int    `json:"issueType,omitempty"`
	SubIssueType int    `json:"subIssueType,omitempty"`
}

// Title is a notice's ticket title; the bracketed id is what Sent searches for.
func Title(user, noticeID string) string {
	marker := " [" + noticeID + "]"
	head := "MFA set up: " + user
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
	t := ticket{
		CompanyID: a.cfg.CompanyID, Title: Title(n.User, n.ID), Description: body,
		Status: a.cfg.Status, Priority: a.cfg.Priority, QueueID: a.cfg.QueueID,
		IssueType: a.cfg.IssueType, SubIssueType: a.cfg.SubIssueType,
	}
	ans, err := a.call(ctx, http.MethodPost, zone+"V1.0/Tickets", t)
	if err != nil {
		return "", err
	}
	if !ans.OK() {
		return "", a.failure(ans, "create the ticket")
	}
	var created struct {
		ItemID int64 `json:"itemId"`
	}
	if err := ans.Decode(&created); err != nil {
		return "", err
	}
	if created.ItemID == 0 {
		return "", fmt.Errorf("autotask accepted the ticket but gave no ticket id; look for a ticket titled %q before running again", t.Title)
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
		return "", false, a.failure(ans, "search for an earlier ticket")
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

func receipt(id int64) string { return fmt.Sprintf("ticket %d", id) }
