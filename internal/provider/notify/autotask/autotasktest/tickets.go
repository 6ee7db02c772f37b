package autotasktest

import (
	"encoding/json"
	"net/http"
	"strings"
)

// knownFields are the ticket fields the fake describes.
func knownFields() []string {
	return []string{"id", "companyID", "title", "description", "status", "priority", "queueID", "issueType", "subIssueType", "ticketCategory"}
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	var fields map[string]any
	if err := json.NewDecoder(r.Body).Decode(&fields); err != nil {
		writeErrors(w, http.StatusBadRequest, "The request body is not valid JSON.")
		return
	}
	for _, req := range s.opts.Required {
		if v, ok := fields[req]; !ok || v == nil || v == "" || v == float64(0) {
			writeErrors(w, http.StatusInternalServerError, "Missing Required Field: "+req)
			return
		}
	}
	id := int64(7000 + len(s.tickets))
	s.tickets = append(s.tickets, Ticket{ID: id, Fields: fields})
	writeJSON(w, http.StatusOK, map[string]any{"itemId": id})
}

// query supports the one filter the client uses: contains on title.
func (s *Server) query(w http.ResponseWriter, r *http.Request) {
	var q struct {
		Filter []struct {
			Op, Field string
			Value     any
		} `json:"filter"`
	}
	if err := json.NewDecoder(r.Body).Decode(&q); err != nil || len(q.Filter) != 1 {
		writeErrors(w, http.StatusInternalServerError, "The filter is not valid.")
		return
	}
	f := q.Filter[0]
	value, _ := f.Value.(string)
	if f.Op != "contains" || f.Field != "title" || value == "" {
		writeErrors(w, http.StatusInternalServerError, "autotasktest supports only contains on title")
		return
	}
	items := []map[string]any{}
	for _, t := range s.tickets {
		if strings.Contains(strings.ToLower(t.Title()), strings.ToLower(value)) {
			items = append(items, map[string]any{"id": t.ID, "title": t.Title(), "companyID": t.Fields["companyID"]})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items,
		"pageDetails": map[string]any{"count": len(items), "requestCount": 500, "prevPageUrl": nil, "nextPageUrl": nil}})
}

func (s *Server) fields(w http.ResponseWriter) {
	required := map[string]bool{}
	for _, f := range s.opts.Required {
		required[f] = true
	}
	out := make([]map[string]any, 0, len(knownFields()))
	for _, name := range knownFields() {
		out = append(out, map[string]any{"name": name, "dataType": "integer", "isRequired": required[name] || name == "id",
			"isReadOnly": name == "id", "isQueryable": true, "isPickList": false})
	}
	writeJSON(w, http.StatusOK, map[string]any{"fields": out})
}
