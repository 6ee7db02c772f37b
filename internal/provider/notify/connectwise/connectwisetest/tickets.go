package connectwisetest

import (
	"encoding/json"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// maxSummary is the longest summary ConnectWise takes (the Ticket model's summary
// has maxLength 100).
const maxSummary = 100

// reference is a {"id"} / {"name"} / {"identifier"} object of a ticket body.
type reference struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Identifier string `json:"identifier"`
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	if s.denied[TicketAdd] {
		writeSecurity(w)
		return
	}
	var body struct {
		Summary            *string    `json:"summary"`
		Board              *reference `json:"board"`
		Status             *reference `json:"status"`
		Company            *reference `json:"company"`
		InitialDescription string     `json:"initialDescription"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "InvalidObject", "ticket object is invalid",
			fieldError{"InvalidJson", "The request body is not valid JSON.", "ticket", ""})
		return
	}
	invalid := func(code, msg, field string) {
		writeError(w, http.StatusBadRequest, "InvalidObject", "ticket object is invalid", fieldError{code, msg, "ticket", field})
	}
	switch {
	case body.Summary == nil || strings.TrimSpace(*body.Summary) == "":
		invalid("MissingRequiredField", "summary is required.", "summary")
		return
	case utf8.RuneCountInString(*body.Summary) > maxSummary:
		invalid("MaxLengthField", "The field summary must be a string with a maximum length of 100.", "summary")
		return
	case body.Company == nil:
		invalid("MissingRequiredField", "company is required.", "company")
		return
	}
	company, ok := s.findCompany(*body.Company)
	if !ok {
		invalid("NotFound", "Company not found", "company")
		return
	}
	// The fake takes boards and statuses by id only, as the client sends them.
	board := s.boards[0]
	if body.Board != nil {
		if board, ok = s.boardByID(strconv.FormatInt(body.Board.ID, 10)); !ok {
			invalid("NotFound", "Service Board "+strconv.FormatInt(body.Board.ID, 10)+" not found", "board/id")
			return
		}
	}
	status, found := Status{}, false
	for _, st := range board.Statuses {
		if (body.Status == nil && st.Default) || (body.Status != nil && st.ID == body.Status.ID) {
			status, found = st, true
		}
	}
	if !found {
		id := int64(0)
		if body.Status != nil {
			id = body.Status.ID
		}
		invalid("NotFound", "Service Status "+strconv.FormatInt(id, 10)+" not found for Service Board "+strconv.FormatInt(board.ID, 10), "status/id")
		return
	}
	t := Ticket{ID: s.nextID(), Summary: *body.Summary, BoardID: board.ID, StatusID: status.ID, CompanyID: company.ID, InitialDescription: body.InitialDescription}
	s.tickets = append(s.tickets, t)
	// initialDescription is "only available for POST, will not be returned in the response".
	writeJSON(w, http.StatusCreated, s.ticketJSON(t))
}

func (s *Server) findCompany(ref reference) (Company, bool) {
	for _, c := range s.companies {
		if (ref.ID != 0 && c.ID == ref.ID) || (ref.ID == 0 && ref.Identifier != "" && strings.EqualFold(c.Identifier, ref.Identifier)) {
			return c, true
		}
	}
	return Company{}, false
}

func (s *Server) ticketJSON(t Ticket) map[string]any {
	out := map[string]any{"id": t.ID, "summary": t.Summary, "recordType": "ServiceTicket", "_info": info("ticket")}
	if b, ok := s.boardByID(strconv.FormatInt(t.BoardID, 10)); ok {
		out["board"] = map[string]any{"id": b.ID, "name": b.Name}
		for _, st := range b.Statuses {
			if st.ID == t.StatusID {
				out["status"] = map[string]any{"id": st.ID, "name": st.Name}
			}
		}
	}
	if c, ok := s.findCompany(reference{ID: t.CompanyID}); ok {
		out["company"] = map[string]any{"id": c.ID, "identifier": c.Identifier, "name": c.Name}
	}
	return out
}

// listTickets answers GET service/tickets with conditions, orderBy (id), fields,
// page and pageSize (25 by default, at most 1000).
func (s *Server) listTickets(w http.ResponseWriter, r *http.Request) {
	if s.denied[TicketInquire] {
		writeSecurity(w)
		return
	}
	c, ok := parseConditions(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	size, page := 25, 1
	if v := q.Get("pageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, "InvalidObject", "pageSize is not valid")
			return
		}
		size = min(n, 1000)
	}
	if v := q.Get("page"); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			page = n
		}
	}
	var found []Ticket
	for _, t := range s.tickets {
		if c.match(map[string]any{"id": t.ID, "summary": t.Summary, "board/id": t.BoardID, "company/id": t.CompanyID}) {
			found = append(found, t)
		}
	}
	switch strings.ToLower(strings.TrimSpace(q.Get("orderBy"))) {
	case "", "id", "id asc":
	case "id desc":
		sort.Slice(found, func(i, j int) bool { return found[i].ID > found[j].ID })
	default:
		writeError(w, http.StatusBadRequest, "InvalidObject", "connectwisetest orders by id only")
		return
	}
	from := min((page-1)*size, len(found))
	found = found[from:min(from+size, len(found))]
	var fields []string
	if v := q.Get("fields"); v != "" {
		fields = strings.Split(v, ",")
	}
	out := []map[string]any{}
	for _, t := range found {
		full := s.ticketJSON(t)
		if fields == nil {
			out = append(out, full)
			continue
		}
		part := map[string]any{}
		for _, f := range fields {
			if v, ok := full[strings.TrimSpace(f)]; ok {
				part[strings.TrimSpace(f)] = v
			}
		}
		out = append(out, part)
	}
	writeJSON(w, http.StatusOK, out)
}

// conditions is one clause of ConnectWise's conditions syntax: a field, = or contains,
// and a quoted string or a number. No condition matches everything.
type conditions struct {
	field, op string
	text      string
	number    *int64
}

var clause = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?i)^\s*([a-z][a-z/]*)\s*(=|\scontains\s)\s*(?:"([^"]*)"|(-?\d+))\s*$`)
})

func parseConditions(w http.ResponseWriter, r *http.Request) (conditions, bool) {
	raw := r.URL.Query().Get("conditions")
	if raw == "" {
		return conditions{}, true
	}
	m := clause().FindStringSubmatch(raw)
	if m == nil {
		writeError(w, http.StatusBadRequest, "InvalidObject", "connectwisetest understands one clause, field = \"text\", field = number or field contains \"text\": "+raw)
		return conditions{}, false
	}
	c := conditions{field: strings.ToLower(m[1]), op: strings.ToLower(strings.TrimSpace(m[2])), text: m[3]}
	if m[4] != "" {
		n, _ := strconv.ParseInt(m[4], 10, 64)
		c.number = &n
	}
	return c, true
}

// match compares as ConnectWise does: text without regard to case.
func (c conditions) match(fields map[string]any) bool {
	if c.field == "" {
		return true
	}
	v, ok := fields[c.field]
	if !ok {
		return false
	}
	switch v := v.(type) {
	case int64:
		return c.number != nil && c.op == "=" && *c.number == v
	case string:
		if c.number != nil {
			return false
		}
		if c.op == "contains" {
			return strings.Contains(strings.ToLower(v), strings.ToLower(c.text))
		}
		return strings.EqualFold(v, c.text)
	}
	return false
}
