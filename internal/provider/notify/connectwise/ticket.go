package connectwise

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/message"
)

// maxSummary is the longest summary ConnectWise takes: the Ticket model's summary has
// maxLength 100, and a longer one is refused with MaxLengthField.
const maxSummary = 100

// noticeID is what a notice id may hold: it goes into a conditions string, where a
// quote would end it and brackets or * are wildcards (developer guide, Conditions and
// Escaping Characters).
var noticeID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_-]+$`) })

// Summary is a notice's ticket summary; the bracketed id is what Sent searches for. It
// is the support desk's text, as the notice's own subject is, so it is the same
// whatever language the person's run speaks.
func Summary(user, noticeID string) string {
	marker := " [" + noticeID + "]"
	head := "MFA set up: " + user // untranslated: the desk's ticket summary, as message.Default's subject
	if r := []rune(head); len(r)+len([]rune(marker)) > maxSummary {
		head = string(r[:max(0, maxSummary-len([]rune(marker)))])
	}
	return head + marker
}

// ref is a reference object of a ticket body: {"id"} or {"identifier"}.
type ref struct {
	ID         int64  `json:"id,omitempty"`
	Identifier string `json:"identifier,omitempty"`
}

// ticket is the body of a service ticket create.
type ticket struct {
	Summary            string `json:"summary"`
	Board              ref    `json:"board"`
	Status             *ref   `json:"status,omitempty"`
	Company            ref    `json:"company"`
	InitialDescription string `json:"initialDescription"`
}

// Notify opens a service ticket and returns "ticket N", unless a ticket for this
// notice is there already (an earlier run filed it and stopped before saving): then
// that ticket's receipt is returned and nothing is created.
func (c *Notifier) Notify(ctx context.Context, n provider.Notice) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	_, body, err := message.Render(c.cfg.Template, n)
	if err != nil {
		return "", err
	}
	if receipt, found, err := c.Sent(ctx, n.ID); err != nil || found {
		return receipt, err
	}
	root, err := c.apiRoot(ctx)
	if err != nil {
		return "", err
	}
	board, status, err := c.ids(ctx, root)
	if err != nil {
		return "", err
	}
	t := ticket{Summary: Summary(n.User, n.ID), Board: ref{ID: board}, Company: ref{ID: c.cfg.Company.ID, Identifier: c.cfg.Company.Identifier},
		InitialDescription: body}
	if status != 0 {
		t.Status = &ref{ID: status}
	}
	ans, err := c.call(ctx, http.MethodPost, root+"service/tickets", t)
	if err != nil {
		return "", err
	}
	if !ans.OK() {
		return "", c.failure(ans, catalog.NewError("connectwise.doing.create-ticket"))
	}
	var created struct {
		ID int64 `json:"id"`
	}
	if err := ans.Decode(&created); err != nil {
		return "", err
	}
	if created.ID == 0 {
		return "", catalog.NewError("connectwise.no-ticket-number", "Summary", strconv.Quote(t.Summary))
	}
	return receipt(created.ID), nil
}

// Sent looks for a ticket whose summary carries the notice id.
func (c *Notifier) Sent(ctx context.Context, id string) (string, bool, error) {
	if err := ctx.Err(); err != nil {
		return "", false, err
	}
	if !noticeID().MatchString(id) {
		return "", false, catalog.NewError("connectwise.notice-id-invalid", "ID", strconv.Quote(id))
	}
	root, err := c.apiRoot(ctx)
	if err != nil {
		return "", false, err
	}
	// contains is a substring match on summary; the oldest ticket first, so that a
	// duplicate someone made by hand never replaces the one this tool filed.
	// untranslated: ConnectWise's conditions and orderBy syntax.
	q := url.Values{"conditions": {`summary contains "` + id + `"`}, "fields": {"id,summary"}, "orderBy": {"id asc"}, "pageSize": {"25"}}
	ans, err := c.call(ctx, http.MethodGet, root+"service/tickets?"+q.Encode(), nil)
	if err != nil {
		return "", false, err
	}
	if !ans.OK() {
		return "", false, c.failure(ans, catalog.NewError("connectwise.doing.search-earlier"))
	}
	var found []struct {
		ID      int64  `json:"id"`
		Summary string `json:"summary"`
	}
	if err := ans.Decode(&found); err != nil {
		return "", false, err
	}
	for _, t := range found {
		// The brackets make sure it is our marker, not part of a longer id.
		if strings.Contains(t.Summary, "["+id+"]") {
			return receipt(t.ID), true, nil
		}
	}
	return "", false, nil
}

// ids returns the board and status ids, looking up a board or status given by name
// once: the ticket create takes them by id.
func (c *Notifier) ids(ctx context.Context, root string) (board, status int64, err error) {
	c.mu.Lock()
	board, status = c.board, c.status
	c.mu.Unlock()
	if board == 0 {
		b, err := c.findBoard(ctx, root)
		if err != nil {
			return 0, 0, err
		}
		board = b.ID
	}
	if status == 0 && c.cfg.Status.Name != "" {
		s, err := c.findStatus(ctx, root, board)
		if err != nil {
			return 0, 0, err
		}
		status = s.ID
	}
	c.mu.Lock()
	c.board, c.status = board, status
	c.mu.Unlock()
	return board, status, nil
}

// named is a board, status or company as ConnectWise gives it.
type named struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Identifier string `json:"identifier"`
}

// findBoard reads the configured board, by id or by name.
func (c *Notifier) findBoard(ctx context.Context, root string) (named, error) {
	if id := c.cfg.Board.ID; id != 0 {
		return c.one(ctx, root+"service/boards/"+strconv.FormatInt(id, 10), catalog.NewError("connectwise.doing.read-board"),
			catalog.NewError("connectwise.board-missing", "ID", id))
	}
	return c.byName(ctx, root+"service/boards", "name", c.cfg.Board.Name, catalog.NewError("connectwise.doing.find-board"),
		catalog.NewError("connectwise.board-name-missing", "Name", strconv.Quote(c.clean(c.cfg.Board.Name))))
}

// findStatus reads the configured status on the board: statuses belong to a board.
func (c *Notifier) findStatus(ctx context.Context, root string, board int64) (named, error) {
	boardName := c.cfg.Board.Name
	if boardName == "" {
		boardName = strconv.FormatInt(board, 10)
	}
	statuses := root + "service/boards/" + strconv.FormatInt(board, 10) + "/statuses"
	if id := c.cfg.Status.ID; id != 0 {
		return c.one(ctx, statuses+"/"+strconv.FormatInt(id, 10), catalog.NewError("connectwise.doing.read-status"),
			catalog.NewError("connectwise.status-missing", "Board", c.clean(boardName), "ID", id))
	}
	return c.byName(ctx, statuses, "name", c.cfg.Status.Name, catalog.NewError("connectwise.doing.find-status"),
		catalog.NewError("connectwise.status-name-missing", "Board", c.clean(boardName), "Name", strconv.Quote(c.clean(c.cfg.Status.Name))))
}

// findCompany reads the configured company, by id or by identifier.
func (c *Notifier) findCompany(ctx context.Context, root string) (named, error) {
	if id := c.cfg.Company.ID; id != 0 {
		return c.one(ctx, root+"company/companies/"+strconv.FormatInt(id, 10), catalog.NewError("connectwise.doing.read-company"),
			catalog.NewError("connectwise.company-missing", "ID", id))
	}
	return c.byName(ctx, root+"company/companies", "identifier", c.cfg.Company.Identifier, catalog.NewError("connectwise.doing.find-company"),
		catalog.NewError("connectwise.company-identifier-missing", "Identifier", strconv.Quote(c.clean(c.cfg.Company.Identifier))))
}

// one reads a record by id; a 404 is the record not being there, which missing says.
// doing is what failure says was being done.
func (c *Notifier) one(ctx context.Context, rawURL string, doing, missing *catalog.Error) (named, error) {
	ans, err := c.call(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return named{}, err
	}
	if ans.Status == http.StatusNotFound {
		return named{}, missing
	}
	if !ans.OK() {
		return named{}, c.failure(ans, doing)
	}
	var v named
	if err := ans.Decode(&v); err != nil {
		return named{}, err
	}
	return v, nil
}

// byName finds the one record whose field equals value, or returns missing. A
// conditions string takes * as a wildcard, so what comes back is compared again here.
func (c *Notifier) byName(ctx context.Context, rawURL, field, value string, doing, missing *catalog.Error) (named, error) {
	q := url.Values{"conditions": {field + ` = "` + value + `"`}, "pageSize": {"25"}}
	ans, err := c.call(ctx, http.MethodGet, rawURL+"?"+q.Encode(), nil)
	if err != nil {
		return named{}, err
	}
	if !ans.OK() {
		return named{}, c.failure(ans, doing)
	}
	var found []named
	if err := ans.Decode(&found); err != nil {
		return named{}, err
	}
	var match []named
	for _, v := range found {
		got := v.Name
		if field == "identifier" {
			got = v.Identifier
		}
		if strings.EqualFold(strings.TrimSpace(got), strings.TrimSpace(value)) {
			match = append(match, v)
		}
	}
	switch len(match) {
	case 0:
		return named{}, missing
	case 1:
		return match[0], nil
	}
	return named{}, catalog.NewError("connectwise.ambiguous", "Records", len(match), "Name", strconv.Quote(c.clean(value)),
		"First", match[0].ID, "Second", match[1].ID)
}

// receipt is what the state records for a ticket, and what the steps show as its
// reference.
func receipt(id int64) string {
	return "ticket " + strconv.FormatInt(id, 10) // untranslated: the state's receipt for this ticket
}
