package duo

import "testing"

func TestTheScannableActivationComesFromTheBarcode(t *testing.T) {
	for _, tt := range []struct{ barcode, want string }{
		{"https://api-abcdef.duosecurity.com/frame/qr?value=duo%3A%2F%2Fact-code", "duo://act-code"},
		{"https://api-eval.duosecurity.com/frame/qr?value=8LIRa5danrICkhHtkLxi", ""},
		{"", ""},
		{"::not a url", ""},
	} {
		if got := scannable(tt.barcode); got != tt.want {
			t.Errorf("scannable(%q) = %q; want %q", tt.barcode, got, tt.want)
		}
	}
}
