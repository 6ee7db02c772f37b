package account

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"alice@contoso.com", "alice@contoso.com", true},
		{"  Alice@Contoso.COM ", "alice@contoso.com", true},
		{"o'neil@contoso.com", "o'neil@contoso.com", true},
		{"alice", "", false},
		{"alice@localhost", "", false},
		{"alice@contoso.", "", false},
		{"Alice <alice@contoso.com>", "", false},
		{"alice@[10.0.0.1]", "", false},
		{"", "", false},
		{strings.Repeat("a", 250) + "@contoso.com", "", false},
		{strings.Repeat("a", 64) + "@" + strings.Repeat("b", 180) + ".com", strings.Repeat("a", 64) + "@" + strings.Repeat("b", 180) + ".com", true},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("Parse(%.40q) = %q, %v; want %q, ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestLongAddressIsRefusedWithItsLength(t *testing.T) {
	_, err := Parse(strings.Repeat("x", 5000) + "@contoso.com")
	if err == nil || !strings.Contains(err.Error(), "254") {
		t.Fatalf("a 5,000-character address: %v; want a refusal naming the limit", err)
	}
}
