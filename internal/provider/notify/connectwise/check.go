package connectwise

import (
	"context"
	"net/http"
	"net/url"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

// Check proves, creating nothing, what a ticket needs: the site knows the company
// (when the codebase is asked for), the keys and clientId work (system/info), the
// board, status and company are there, and tickets can be searched, as Sent does. A
// create is the one thing it cannot prove without filing a ticket. provider.Check's
// Detail is a string, with no Printer to say it in the person's language, so what
// passes is said in English, like the errors.
func (c *Notifier) Check(ctx context.Context) []provider.Check {
	const name = "connectwise"
	en := catalog.English()
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
			Detail: en.T("connectwise.check.site", "Company", c.clean(c.cfg.CompanyID), "Codebase", c.clean(info.Codebase),
				"Version", c.clean(info.VersionCode), "Host", c.host())})
	}
	root, err := c.apiRoot(ctx)
	if err != nil {
		return append(out, provider.Check{Name: name + " api", Detail: err.Error()})
	}
	ans, err := c.call(ctx, http.MethodGet, root+"system/info", nil)
	if err == nil && !ans.OK() {
		err = c.failure(ans, catalog.NewError("connectwise.doing.read-system"))
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
	works := en.T("connectwise.check.api-on-premises", "Version", c.clean(sys.Version))
	if sys.IsCloud {
		works = en.T("connectwise.check.api-cloud", "Version", c.clean(sys.Version))
	}
	out = append(out, provider.Check{Name: name + " api", OK: true, Detail: works})
	detail, err := c.checkTicket(ctx, root, en)
	if err != nil {
		return append(out, provider.Check{Name: name + " tickets", Detail: err.Error()})
	}
	return append(out, provider.Check{Name: name + " tickets", OK: true, Detail: detail})
}

// checkTicket reads everything a ticket refers to, then searches tickets; what it saw
// is said by p.
func (c *Notifier) checkTicket(ctx context.Context, root string, p *catalog.Printer) (string, error) {
	board, err := c.findBoard(ctx, root)
	if err != nil {
		return "", err
	}
	var status *named
	if c.cfg.Status != (Ref{}) {
		s, err := c.findStatus(ctx, root, board.ID)
		if err != nil {
			return "", err
		}
		status = &s
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
		return "", c.failure(ans, catalog.NewError("connectwise.doing.search-tickets"))
	}
	if status == nil {
		return p.T("connectwise.check.tickets", "Board", c.clean(board.Name), "BoardID", board.ID,
			"Company", c.clean(company.Name), "Identifier", c.clean(company.Identifier)), nil
	}
	return p.T("connectwise.check.tickets-status", "Board", c.clean(board.Name), "BoardID", board.ID,
		"Status", c.clean(status.Name), "StatusID", status.ID, "Company", c.clean(company.Name), "Identifier", c.clean(company.Identifier)), nil
}
