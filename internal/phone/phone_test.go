package phone

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, input, region string
		want                Number
		reason              string // when non-empty, Parse must fail with exactly this reason
	}{
		// These US demo numbers are all valid FIXED_LINE_OR_MOBILE in phonenumbers v1.8.1.
		{name: "US national", input: "2015550100", region: "US", want: Number{"+12015550100", "US", 1}},
		{name: "US punctuated", input: "(201) 555-0100", region: "US", want: Number{"+12015550100", "US", 1}},
		{name: "US dots", input: " 201.555.0100 ", region: "US", want: Number{"+12015550100", "US", 1}},
		{name: "US with +1", input: "+1 201-555-0100", region: "US", want: Number{"+12015550100", "US", 1}},
		{name: "US with 1 trunk", input: "1 206 555 0100", region: "US", want: Number{"+12065550100", "US", 1}},
		{name: "US 415", input: "415-555-0132", region: "us", want: Number{"+14155550132", "US", 1}},
		{name: "CA shares +1", input: "+1 613 555 0123", region: "US", want: Number{"+16135550123", "CA", 1}},
		{name: "plus overrides region", input: "+1 201 555 0100", region: "DE", want: Number{"+12015550100", "US", 1}},
		{name: "00 overrides region", input: "0044 7400 123456", region: "US", want: Number{"+447400123456", "GB", 44}},
		{name: "US 011 prefix", input: "011 44 7400 123456", region: "US", want: Number{"+447400123456", "GB", 44}},
		{name: "AU 0011 prefix", input: "0011 44 7400 123456", region: "AU", want: Number{"+447400123456", "GB", 44}},
		{name: "UK mobile", input: "+44 7400 123456", region: "US", want: Number{"+447400123456", "GB", 44}},
		{name: "UK mobile national", input: "07400 123456", region: "GB", want: Number{"+447400123456", "GB", 44}},
		{name: "DE mobile", input: "+49 1512 3456789", region: "US", want: Number{"+4915123456789", "DE", 49}},
		{name: "DE mobile national", input: "01512 3456789", region: "DE", want: Number{"+4915123456789", "DE", 49}},
		{name: "no region but plus", input: "+44 7400 123456", region: "", want: Number{"+447400123456", "GB", 44}},

		{name: "UK fixed line", input: "+44 20 7946 0958", region: "US",
			reason: "that looks like a landline: a text message cannot reach it; enter a mobile number"},
		{name: "DE fixed line", input: "+49 30 901820", region: "US",
			reason: "that looks like a landline: a text message cannot reach it; enter a mobile number"},
		{name: "toll free", input: "+1 800 555 0100", region: "US",
			reason: "that is a toll-free number: a text message cannot reach it; enter a mobile number"},
		{name: "premium rate", input: "+44 909 876 5432", region: "US",
			reason: "that is a premium-rate number: a text message cannot reach it; enter a mobile number"},
		{name: "VoIP", input: "+44 56 1234 5678", region: "US",
			reason: "that looks like an internet (VoIP) number, which cannot be used to sign in; enter a mobile number"},
		{name: "UK personal number", input: "+44 70 1234 5678", region: "US",
			reason: "that is not a mobile number: a text message cannot reach it; enter a mobile number"},
		{name: "UK drama range is not valid", input: "+44 7700 900123", region: "US",
			reason: "that is not a valid phone number for GB: check the digits"},
		{name: "US 555 area code", input: "555 555 0100", region: "US",
			reason: "that is not a valid phone number for US (add the country code, starting with +, for a number from another country)"},
		{name: "local only", input: "555-0100", region: "US", reason: "that number is too short: include the area code"},
		{name: "too short", input: "12", region: "US", reason: "that number is too short"},
		{name: "one digit", input: "1", region: "US", reason: "that number is too short"},
		{name: "nine digits", input: "201 555 010", region: "US", reason: "that number is too short"},
		{name: "eleven digits", input: "+1 201 555 01000", region: "US", reason: "that number is too long"},
		{name: "40 digits", input: strings.Repeat("1234567890", 4), region: "US", reason: "that number is too long"},
		{name: "over 64 chars", input: strings.Repeat("1 ", 40), region: "US", reason: "that number is too long"},
		{name: "letters", input: "1-800-FLOWERS", region: "US", reason: "use digits (spaces, dashes, dots and brackets between them are fine), with + or 00 before a country code"},
		{name: "extension", input: "201 555 0100 x12", region: "US", reason: "use digits (spaces, dashes, dots and brackets between them are fine), with + or 00 before a country code"},
		{name: "plus inside", input: "1+2015550100", region: "US", reason: "use digits (spaces, dashes, dots and brackets between them are fine), with + or 00 before a country code"},
		{name: "empty", input: "", region: "US", reason: "enter a phone number"},
		{name: "blank", input: "  \t ", region: "US", reason: "enter a phone number"},
		{name: "plus alone", input: "+", region: "US", reason: "that number is too short"},
		{name: "bad country code", input: "+999 123 4567", region: "US", reason: "+999 is not a country calling code"},
		{name: "bad country code after 00", input: "00999 123 4567", region: "US", reason: "+999 is not a country calling code"},
		{name: "zero country code", input: "+0 123 4567", region: "US", reason: "+0 is not a country calling code"},
		{name: "no region no plus", input: "201 555 0100", region: "",
			reason: "start the number with + and its country code, e.g. +1 for the US"},
		{name: "unknown region no plus", input: "201 555 0100", region: "XX",
			reason: "start the number with + and its country code, e.g. +1 for the US"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.input, tt.region)
			if tt.reason != "" {
				var ie *InvalidError
				if !errors.As(err, &ie) {
					t.Fatalf("Parse(%q, %q) = %+v, %v; want *InvalidError %q", tt.input, tt.region, got, err, tt.reason)
				}
				if ie.Reason != tt.reason || err.Error() != tt.reason || ie.Input != tt.input {
					t.Fatalf("Parse(%q, %q) error = %+v; want reason %q", tt.input, tt.region, ie, tt.reason)
				}
				if got != (Number{}) {
					t.Fatalf("Parse(%q, %q) returned %+v with an error", tt.input, tt.region, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q, %q) error: %v", tt.input, tt.region, err)
			}
			if got != tt.want {
				t.Fatalf("Parse(%q, %q) = %+v; want %+v", tt.input, tt.region, got, tt.want)
			}
		})
	}
}

func TestMask(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+12015550100", "+1 ***-***-0100"},
		{"+447400123456", "+44 **** **3456"},
		{"+4915123456789", "+49 **** ***6789"},
		{"+33612345678", "+33 * ** ** 56 78"},
		// Strings that do not parse still show only their last four digits.
		{"2015550100", "******0100"},
		{"+999 1234 5678", "+*** **** 5678"},
		{"123", "123"},
		{"", ""},
		{"\x1b[31m+12015550100", "**+*******0100"},
	}
	for _, tt := range tests {
		if got := Mask(tt.in); got != tt.want {
			t.Errorf("Mask(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestDisplay(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+12015550100", "+1 201-555-0100"},
		{"+447400123456", "+44 7400 123456"},
		{"+4915123456789", "+49 1512 3456789"},
		{"not a number", "  "},
		{"\x1b[2J+1 201", "2+1 201"},
	}
	for _, tt := range tests {
		if got := Display(tt.in); got != tt.want {
			t.Errorf("Display(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func TestGraphFormat(t *testing.T) {
	tests := []struct{ in, want string }{
		{"+12015550100", "+1 2015550100"},
		{"+447400123456", "+44 7400123456"},
		{"+4915123456789", "+49 15123456789"},
		{"+390612345678", "+39 0612345678"}, // Italy keeps its leading zero
		{"garbage", "garbage"},
	}
	for _, tt := range tests {
		if got := GraphFormat(tt.in); got != tt.want {
			t.Errorf("GraphFormat(%q) = %q; want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range [][2]string{
		{"+1 201-555-0100", "US"}, {"(206) 555-0100", "US"}, {"0044 7400 123456", "US"},
		{"07400 123456", "GB"}, {"+49 1512 3456789", ""}, {"+44 20 7946 0958", "GB"},
		{"+999 1", "US"}, {strings.Repeat("9", 40), "US"}, {"1-800-FLOWERS", "US"}, {"", ""},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, input, region string) {
		n, err := Parse(input, region)
		if err != nil {
			var ie *InvalidError
			if !errors.As(err, &ie) || ie.Reason == "" {
				t.Fatalf("Parse(%q, %q) error %v is not an *InvalidError with a reason", input, region, err)
			}
			return
		}
		if !strings.HasPrefix(n.E164, "+") {
			t.Fatalf("Parse(%q, %q).E164 = %q; want a leading +", input, region, n.E164)
		}
		again, err := Parse(n.E164, region)
		if err != nil || again != n {
			t.Fatalf("Parse(%q) = %+v, %v; want %+v", n.E164, again, err, n)
		}
		cc := strconv.Itoa(n.CountryCode)
		if !strings.HasPrefix(n.E164, "+"+cc) {
			t.Fatalf("E164 %q does not start with +%s", n.E164, cc)
		}
		m := Mask(n.E164)
		digits := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, m)
		if want := cc + n.E164[len(n.E164)-4:]; digits != want {
			t.Fatalf("Mask(%q) = %q shows digits %q; want only %q", n.E164, m, digits, want)
		}
		if !strings.HasPrefix(m, "+"+cc+" ") {
			t.Fatalf("Mask(%q) = %q; want it to start with +%s", n.E164, m, cc)
		}
	})
}
