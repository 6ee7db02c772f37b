package autotasktest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// fieldInfo is one entry of Tickets/entityInformation/fields, in the shape Autotask
// documents: https://ww1.autotask.net/help/DeveloperHelp/Content/APIs/REST/API_Calls/REST_EntityInformationCall.htm
// and, for picklistValues, https://ww1.autotask.net/help/DeveloperHelp/Content/APIs/General/Picklists.htm
type fieldInfo struct {
	Name                     string          `json:"name"`
	DataType                 string          `json:"dataType"`
	Length                   int             `json:"length"`
	IsRequired               bool            `json:"isRequired"`
	IsReadOnly               bool            `json:"isReadOnly"`
	IsQueryable              bool            `json:"isQueryable"`
	IsReference              bool            `json:"isReference"`
	ReferenceEntityType      string          `json:"referenceEntityType"`
	IsPickList               bool            `json:"isPickList"`
	PicklistValues           []picklistValue `json:"picklistValues"`
	PicklistParentValueField string          `json:"picklistParentValueField"`
	IsSupportedWebhookField  bool            `json:"isSupportedWebhookField"`
}

// picklistValue is one choice of a picklist; Autotask gives the value as a string.
type picklistValue struct {
	Value          string `json:"value"`
	Label          string `json:"label"`
	IsDefaultValue bool   `json:"isDefaultValue"`
	SortOrder      int    `json:"sortOrder"`
	ParentValue    string `json:"parentValue"`
	IsActive       bool   `json:"isActive"`
	IsSystem       bool   `json:"isSystem"`
}

func pick(values ...string) []picklistValue {
	out := make([]picklistValue, 0, len(values))
	for i, v := range values {
		value, label, _ := strings.Cut(v, "=")
		active := !strings.HasSuffix(label, " (inactive)")
		out = append(out, picklistValue{Value: value, Label: strings.TrimSuffix(label, " (inactive)"), SortOrder: i + 1, IsActive: active, IsSystem: true})
	}
	return out
}

// knownFields are the ticket fields the fake describes: a tenant's usual ones, with
// picklists standing in for the tenant's own values (they differ in every Autotask).
func knownFields() []fieldInfo {
	return []fieldInfo{
		{Name: "id", DataType: "long", IsReadOnly: true, IsRequired: true, IsQueryable: true},
		{Name: "ticketNumber", DataType: "string", Length: 50, IsReadOnly: true, IsQueryable: true},
		{Name: "createDate", DataType: "datetime", IsReadOnly: true, IsQueryable: true},
		{Name: "companyID", DataType: "integer", IsReference: true, ReferenceEntityType: "Company", IsQueryable: true},
		{Name: "title", DataType: "string", Length: 255, IsQueryable: true},
		{Name: "description", DataType: "string", Length: 8000, IsQueryable: true},
		{Name: "status", DataType: "integer", IsPickList: true, IsQueryable: true, PicklistValues: pick("1=New", "5=Complete", "8=In Progress")},
		{Name: "priority", DataType: "integer", IsPickList: true, IsQueryable: true, PicklistValues: pick("1=High", "2=Medium", "3=Low", "4=Critical")},
		{Name: "queueID", DataType: "integer", IsPickList: true, IsQueryable: true, PicklistValues: pick("8=Client Portal", "29682833=Level I Support")},
		{Name: "issueType", DataType: "integer", IsPickList: true, IsQueryable: true, PicklistValues: pick("3=Account Management", "7=Security")},
		{Name: "subIssueType", DataType: "integer", IsPickList: true, IsQueryable: true, PicklistParentValueField: "issueType",
			PicklistValues: []picklistValue{{Value: "11", Label: "MFA", ParentValue: "7", IsActive: true, SortOrder: 1}}},
		{Name: "ticketCategory", DataType: "integer", IsPickList: true, IsQueryable: true, PicklistValues: pick("2=AEM Alert", "3=Standard", "4=Legacy (inactive)")},
		{Name: "ticketType", DataType: "integer", IsPickList: true, IsQueryable: true, PicklistValues: pick("1=Service Request", "2=Incident")},
		{Name: "source", DataType: "integer", IsPickList: true, IsQueryable: true, PicklistValues: pick("2=Phone", "4=Email", "-1=Client Portal")},
		{Name: "billingCodeID", DataType: "integer", IsReference: true, ReferenceEntityType: "BillingCode", IsQueryable: true},
		{Name: "dueDateTime", DataType: "datetime", IsQueryable: true},
		{Name: "assignedResourceID", DataType: "integer", IsReference: true, ReferenceEntityType: "Resource", IsQueryable: true},
		{Name: "assignedResourceRoleID", DataType: "integer", IsReference: true, ReferenceEntityType: "Role", IsQueryable: true},
	}
}

// fieldList is knownFields with the configured required flags, plus any required
// field the fake does not otherwise describe.
func (s *Server) fieldList() []fieldInfo {
	required := map[string]bool{}
	for _, f := range s.opts.Required {
		required[f] = true
	}
	out := knownFields()
	for i := range out {
		if required[out[i].Name] {
			out[i].IsRequired = true
			delete(required, out[i].Name)
		}
	}
	for _, f := range s.opts.Required {
		if required[f] {
			out = append(out, fieldInfo{Name: f, DataType: "integer", IsRequired: true, IsQueryable: true})
		}
	}
	return out
}

func (s *Server) create(w http.ResponseWriter, r *http.Request) {
	var fields map[string]any
	if err := json.NewDecoder(r.Body).Decode(&fields); err != nil {
		writeErrors(w, http.StatusBadRequest, "The request body is not valid JSON.")
		return
	}
	for _, f := range s.fieldList() {
		v, ok := fields[f.Name]
		unset := !ok || v == nil || v == "" || v == float64(0)
		switch {
		case f.IsReadOnly:
			continue
		case (f.IsPickList || f.IsReference) && f.IsRequired && unset, f.IsPickList && !unset && !inPicklist(f, v):
			// What Autotask answered for a missing picklist (WYRE-AI/autotask-mcp#46):
			// a business-rule violation is HTTP 500 with the reason in errors[].
			writeErrors(w, http.StatusInternalServerError, "Value does not reference an existing entity for "+f.Name+" . ")
			return
		case f.IsRequired && unset:
			writeErrors(w, http.StatusInternalServerError, "Missing Required Field: "+f.Name)
			return
		}
	}
	id := int64(7000 + len(s.tickets))
	s.tickets = append(s.tickets, Ticket{ID: id, Fields: fields})
	writeJSON(w, http.StatusOK, map[string]any{"itemId": id})
}

func inPicklist(f fieldInfo, v any) bool {
	want := fmt.Sprint(v)
	for _, p := range f.PicklistValues {
		if p.Value == want && p.IsActive {
			return true
		}
	}
	return false
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
	writeJSON(w, http.StatusOK, map[string]any{"fields": s.fieldList()})
}
