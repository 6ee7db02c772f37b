package autotask

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

// field is one entry of entityInformation/fields.
type field struct {
	Name       string `json:"name"`
	IsRequired bool   `json:"isRequired"`
	IsReadOnly bool   `json:"isReadOnly"`
}

// Check finds the zone and reads the ticket fields Autotask requires, which proves the
// credentials and creates nothing, then names any required field the config leaves empty.
func (a *Notifier) Check(ctx context.Context) []provider.Check {
	const name = "autotask"
	zone := withSlash(a.cfg.ZoneURL)
	var out []provider.Check
	if zone == "" {
		z, err := a.discover(ctx)
		if err != nil {
			return []provider.Check{{Name: name + " zone", Detail: err.Error()}}
		}
		zone = withSlash(z.URL)
		out = append(out, provider.Check{Name: name + " zone", OK: true, Detail: fmt.Sprintf("API user %s is in zone %s (%s)", a.cfg.APIUser, a.clean(z.ZoneName), hostOf(zone))})
	}
	ans, err := a.call(ctx, http.MethodGet, zone+"V1.0/Tickets/entityInformation/fields", nil)
	if err != nil {
		return append(out, provider.Check{Name: name + " tickets", Detail: err.Error()})
	}
	if !ans.OK() {
		return append(out, provider.Check{Name: name + " tickets", Detail: a.failure(ans, "read the ticket fields").Error()})
	}
	var info struct {
		Fields []field `json:"fields"`
	}
	if err := ans.Decode(&info); err != nil {
		return append(out, provider.Check{Name: name + " tickets", Detail: err.Error()})
	}
	if missing := a.unset(info.Fields); len(missing) > 0 {
		return append(out, provider.Check{Name: name + " tickets", Detail: "Autotask requires ticket fields the config does not set: " + strings.Join(missing, ", ")})
	}
	return append(out, provider.Check{Name: name + " tickets", OK: true, Detail: "credentials work and the config sets every ticket field Autotask requires; no ticket was created"})
}

// unset lists the required, writable fields a ticket from this config leaves empty.
func (a *Notifier) unset(fields []field) []string {
	set := map[string]bool{"id": true, "companyid": true, "title": true, "description": true, "status": true, "priority": true,
		"queueid": a.cfg.QueueID > 0, "issuetype": a.cfg.IssueType > 0, "subissuetype": a.cfg.SubIssueType > 0}
	var missing []string
	for _, f := range fields {
		if f.IsRequired && !f.IsReadOnly && !set[strings.ToLower(f.Name)] {
			missing = append(missing, a.clean(f.Name))
		}
	}
	sort.Strings(missing)
	return missing
}
