package connectwise

import (
	"context"
	"fmt"
	"net/http"
	"net/url"

	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

// Check proves, creating nothing, what a ticket needs: the site knows the company
// (when the codebase is asked for), the keys and clientId work (system/info), the
// board, status and company are there, and tickets can be searched, as Sent does. A
// create is the one thing it cannot prove without filing a ticket.
func (c *Notifier) Check(ctx context.Context) []provider.Check {
	const name = "connectwise"
	var out []provider.Check
	c.mu.Lock()
	known := c.codebase
	c.mu.Unlock()
	if known == "" {
		info, err := c.discover(ctx)
		if err != nil {
			return []provider.Check{{Name: name + " site", Detail: err.Error()}}
		}
		out = append(out, provider.Check{Name: name + " site", OK: true,
			Detail: fmt.Sprintf("company %s is on codebase %s (%s) at %s", c.clean(c.cfg.CompanyID), c.clean(info.Codebase), c.clean(info.VersionCode), c.host())})
	}
	root, err := c.apiRoot(ctx)
	if err != nil {
		return append(out, provider.Check{Name: name + " api", Detail: err.Error()})
	}
	ans, err := c.call(ctx, http.MethodGet, root+"system/info", nil)
	if err == nil && !ans.OK() {
		err = c.failure(ans, "read the system information")
	}
	var sys struct {
		Version string `json:"version"`
		IsCloud bool   `json:"isCloud"`
	}
	if err == nil {
		err = ans.Decode(&sys)
	}
	if err != nil {
		return append(out, provider.Check{Name: name + " api", Detail: err.Error()})
	}
	where := "on premises"
	if sys.IsCloud {
		where = "cloud"
	}
	out = append(out, provider.Check{Name: name + " api", OK: true,
		Detail: fmt.Sprintf("the API member's keys and the clientId work (ConnectWise PSA %s, %s)", c.clean(sys.Version), where)})
	detail, err := c.checkTicket(ctx, root)
	if err != nil {
		return append(out, provider.Check{Name: name + " tickets", Detail: err.Error()})
	}
	return append(out, provider.Check{Name: name + " tickets", OK: true, Detail: detail})
}

// checkTicket reads everything a ticket refers to, then searches tickets.
func (c *Notifier) checkTicket(ctx context.Context, root string) (string, error) {
	board, err := c.findBoard(ctx, root)
	if err != nil {
		return "", err
	}
	status := " with its default status"
	if c.cfg.Status != (Ref{}) {
		s, err := c.findStatus(ctx, root, board.ID)
		if err != nil {
			return "", err
		}
		status = fmt.Sprintf(", status %s (%d)", c.clean(s.Name), s.ID)
	}
	company, err := c.findCompany(ctx, root)
	if err != nil {
		return "", err
	}
	q := url.Values{"fields": {"id"}, "pageSize": {"1"}}
	ans, err := c.call(ctx, http.MethodGet, root+"service/tickets?"+q.Encode(), nil)
	if err != nil {
		return "", err
	}
	if !ans.OK() {
		return "", c.failure(ans, "search for tickets")
	}
	return fmt.Sprintf("board %s (%d)%s and company %s (%s) are there and tickets can be searched; no ticket was created",
		c.clean(board.Name), board.ID, status, c.clean(company.Name), c.clean(company.Identifier)), nil
}
