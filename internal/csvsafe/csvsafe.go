// Package csvsafe keeps a CSV file this program writes from being taken for formulas
// when a spreadsheet opens it (CSV injection): a person's name, an address or a
// reason quoted from a service can start with "=" and would otherwise be run.
package csvsafe

import "strings"

// triggers are the first characters a spreadsheet reads as the start of a formula,
// as OWASP lists them: https://owasp.org/www-community/attacks/CSV_Injection
const triggers = "=+-@\t\r"

// Cell returns s with a leading single quote when it starts with =, +, -, @, a tab
// or a carriage return, so that a spreadsheet shows it as the text it is.
func Cell(s string) string {
	if s != "" && strings.IndexByte(triggers, s[0]) >= 0 {
		return "'" + s
	}
	return s
}

// Row returns a copy of cells with each one passed through Cell.
func Row(cells []string) []string {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = Cell(c)
	}
	return out
}
