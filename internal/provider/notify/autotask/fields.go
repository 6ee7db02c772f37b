package autotask

import (
	"fmt"
	"maps"
	"slices"
	"strings"
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
			return fmt.Errorf("an extra Autotask ticket field has an empty name; give each field its Autotask name, such as billingCodeID")
		case ToolField(name):
			return fmt.Errorf("%q is a ticket field mfa-onboard sets itself (from the company, queue, status, priority and issue type settings, or from the notice for title and description); remove it from the extra fields", name)
		case seen[low] != "":
			return fmt.Errorf("the extra Autotask ticket field %q is given twice (also as %q); keep one", name, seen[low])
		case v == nil:
			return fmt.Errorf("the extra Autotask ticket field %q has no value; give it one or remove it", name)
		case !scalar(v):
			return fmt.Errorf("the extra Autotask ticket field %q must be one value (a number, text or true/false), not a list or a map", name)
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
