package autotask

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// toolFields are the ticket fields a ticket from this tool always fills from its own
// settings: the title carries the notice id Sent looks for, so nothing else may write
// it, and the routing fields have their own config keys. Autotask matches field names
// without regard to case, so neither does this list.
var toolFields = map[string]bool{
	"id": true, "title": true, "description": true, "companyid": true, "queueid": true,
	"status": true, "priority": true, "issuetype": true, "subissuetype": true,
}

// ToolField reports whether name (in any case) is a ticket field the tool sets
// itself, which Config.Fields therefore cannot hold.
func ToolField(name string) bool { return toolFields[strings.ToLower(strings.TrimSpace(name))] }

// checkFields refuses extra fields that would replace the tool's own, that are not
// one value, or that name the same field twice.
func checkFields(fields map[string]any) error {
	seen := map[string]string{}
	for _, name := range sortedNames(fields) {
		low := strings.ToLower(strings.TrimSpace(name))
		switch v := fields[name]; {
		case low == "":
			return catalog.NewError("autotask.field-name-empty")
		case ToolField(name):
			return catalog.NewError("autotask.field-is-tools", "Field", strconv.Quote(name))
		case seen[low] != "":
			return catalog.NewError("autotask.field-twice", "Field", strconv.Quote(name), "Other", strconv.Quote(seen[low]))
		case v == nil:
			return catalog.NewError("autotask.field-no-value", "Field", strconv.Quote(name))
		case !scalar(v):
			return catalog.NewError("autotask.field-not-scalar", "Field", strconv.Quote(name))
		}
		seen[low] = name
	}
	return nil
}

func scalar(v any) bool {
	switch v.(type) {
	case string, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return true
	}
	return false
}

func sortedNames(fields map[string]any) []string { return slices.Sorted(maps.Keys(fields)) }
