package duo

import "testing"

func TestVerifyNumberIn(t *testing.T) {
	tests := []struct{ msg, want string }{
		// The words of Duo's own mock, duosecurity/duo_unix tests/mockduo.py.
		{"Please enter verification code 376 into Duo Mobile...", "376"},
		{"Please enter verification code 048213 into Duo Mobile...", "048213"},
		{"Pushed a login request to your device...", ""},
		{"Pushed a login request to your phone.", ""},
		{"", ""},
	}
	for _, tt := range tests {
		if got := verifyNumberIn(tt.msg); got != tt.want {
			t.Errorf("verifyNumberIn(%q) = %q; want %q", tt.msg, got, tt.want)
		}
	}
}
