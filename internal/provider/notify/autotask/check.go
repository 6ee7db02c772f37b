package autotask

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/httpcall"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

// field is one entry of Tickets/entityInformation/fields, as far as the check needs it:
// https://ww1.autotask.net/help/DeveloperHelp/Content/APIs/REST/API_Calls/REST_EntityInformationCall.htm
type field struct {
	Name           string `json:"name"`
	IsRequired     bool   `json:"isRequired"`
	IsReadOnly     bool   `json:"isReadOnly"`
	IsPickList     bool   `json:"isPickList"`
	PicklistValues []struct {
		Value    string `json:"value"`
		IsActive bool   `json:"isActive"`
	} `json:"picklistValues"`
}

// Check finds the zone and reads the ticket fields Autotask requires, which proves the
// credentials and creates nothing, then names any required field the config leaves empty.
// provider.Check's Detail is a string, with no Printer to say it in the person's
// language, so what passes is said in English, like the errors.
func (a *Notifier) Check(ctx context.Context) []provider.Check {
	const name = "autotask"
	en := catalog.English()
	zone := httpcall.WithSlash(a.cfg.ZoneURL)
	var out []provider.Check
	if zone == "" {
		z, err := a.discover(ctx)
		if err != nil {
			return []provider.Check{{Name: name + " zone", Detail: err.Error()}}
		}
		zone = httpcall.WithSlash(z.URL)
		out = append(out, provider.Check{Name: name + " zone", OK: true,
			Detail: en.T("autotask.check.zone", "User", a.cfg.APIUser, "Zone", a.clean(z.ZoneName), "Host", hostOf(zone))})
	}
	ans, err := a.call(ctx, http.MethodGet, zone+"V1.0/Tickets/entityInformation/fields", nil)
	if err != nil {
		return append(out, provider.Check{Name: name + " tickets", Detail: err.Error()})
	}
	if !ans.OK() {
		return append(out, provider.Check{Name: name + " tickets", Detail: a.failure(ans, catalog.NewError("autotask.doing.read-fields")).Error()})
	}
	var info struct {
		Fields []field `json:"fields"`
	}
	if err := ans.Decode(&info); err != nil {
		return append(out, provider.Check{Name: name + " tickets", Detail: err.Error()})
	}
	if problems := a.problems(info.Fields); len(problems) > 0 {
		said := make([]string, len(problems))
		for i, p := range problems {
			said[i] = en.Error(p)
		}
		return append(out, provider.Check{Name: name + " tickets", Detail: en.T("autotask.check.fix", "Problems", strings.Join(said, "; "))})
	}
	return append(out, provider.Check{Name: name + " tickets", OK: true, Detail: en.T("autotask.check.ok")})
}

// problems lists, one whole clause each, what a ticket from this config would get
// wrong against the tenant's field definitions: required fields left empty, extra
// fields the entity does not have or cannot take, and values their picklist does not
// offer.
func (a *Notifier) problems(fields []field) []error {
	var out []error
	if missing := a.unset(fields); len(missing) > 0 {
		out = append(out, catalog.NewError("autotask.check.unset", "Fields", strings.Join(missing, ", ")))
	}
	byName := make(map[string]field, len(fields))
	for _, f := range fields {
		byName[strings.ToLower(f.Name)] = f
	}
	var unknown, readOnly, badValue []string
	for _, n := range sortedNames(a.cfg.Fields) {
		f, ok := byName[strings.ToLower(n)]
		switch {
		case !ok:
			unknown = append(unknown, a.clean(n))
		case f.IsReadOnly:
			readOnly = append(readOnly, a.clean(n))
		}
	}
	if len(unknown) > 0 {
		out = append(out, catalog.NewError("autotask.check.unknown", "Fields", strings.Join(unknown, ", ")))
	}
	if len(readOnly) > 0 {
		out = append(out, catalog.NewError("autotask.check.read-only", "Fields", strings.Join(readOnly, ", ")))
	}
	for _, v := range a.values() {
		if f, ok := byName[strings.ToLower(v.name)]; ok && f.IsPickList && len(f.PicklistValues) > 0 && !offers(f, v.value) {
			badValue = append(badValue, fmt.Sprintf("%s %s", a.clean(v.name), a.clean(v.value)))
		}
	}
	switch {
	case len(badValue) == 1:
		out = append(out, catalog.NewError("autotask.check.inactive-value", "Values", badValue[0]))
	case len(badValue) > 1:
		out = append(out, catalog.NewError("autotask.check.inactive-values", "Values", strings.Join(badValue, ", ")))
	}
	return out
}

type setting struct{ name, value string }

// values are the fields a ticket from this config fills with a value the tenant
// chooses, named settings first, in a stable order.
func (a *Notifier) values() []setting {
	out := []setting{{"status", fmt.Sprint(a.cfg.Status)}, {"priority", fmt.Sprint(a.cfg.Priority)}}
	for _, v := range []struct {
		name string
		n    int64
	}{{"queueID", a.cfg.QueueID}, {"issueType", int64(a.cfg.IssueType)}, {"subIssueType", int64(a.cfg.SubIssueType)}} {
		if v.n != 0 {
			out = append(out, setting{v.name, fmt.Sprint(v.n)})
		}
	}
	for _, n := range sortedNames(a.cfg.Fields) {
		out = append(out, setting{n, fmt.Sprint(a.cfg.Fields[n])})
	}
	return out
}

// offers reports whether value is an active choice of f (Autotask gives picklist
// values as strings).
func offers(f field, value string) bool {
	for _, p := range f.PicklistValues {
		if p.Value == value && p.IsActive {
			return true
		}
	}
	return false
}

// unset lists the required, writable fields a ticket from this config leaves empty:
// neither a named setting nor an extra field fills them.
func (a *Notifier) unset(fields []field) []string {
	set := map[string]bool{"id": true, "companyid": true, "title": true, "description": true, "status": true, "priority": true,
		"queueid": a.cfg.QueueID > 0, "issuetype": a.cfg.IssueType > 0, "subissuetype": a.cfg.SubIssueType > 0}
	for n := range a.cfg.Fields {
		set[strings.ToLower(n)] = true
	}
	var missing []string
	for _, f := range fields {
		if f.IsRequired && !f.IsReadOnly && !set[strings.ToLower(f.Name)] {
			missing = append(missing, a.clean(f.Name))
		}
	}
	sort.Strings(missing)
	return missing
}
