package csvsafe_test

import (
	"testing"

	"github.com/mfa-onboard/mfa-onboard/internal/csvsafe"
)

func TestCellNeutralisesWhatASpreadsheetTakesForAFormula(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"=HYPERLINK(\"http://evil\")", "'=HYPERLINK(\"http://evil\")"},
		{"+1 206 555 0100", "'+1 206 555 0100"},
		{"-2+3", "'-2+3"},
		{"@SUM(A1:A9)", "'@SUM(A1:A9)"},
		{"\t=1", "'\t=1"},
		{"\r=1", "'\r=1"},
		{"alice@contoso.com", "alice@contoso.com"},
		{"", ""},
		{"a=b", "a=b"},
		{"'already quoted", "'already quoted"},
	}
	for _, tt := range tests {
		if got := csvsafe.Cell(tt.in); got != tt.want {
			t.Errorf("Cell(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestRowNeutralisesEveryCellAndLeavesItsInputAlone(t *testing.T) {
	in := []string{"=1", "ok", "@x"}
	got := csvsafe.Row(in)
	want := []string{"'=1", "ok", "'@x"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("Row(%q)[%d] = %q, want %q", in, i, got[i], want[i])
		}
	}
	if in[0] != "=1" {
		t.Errorf("Row changed its input: %q", in)
	}
}
