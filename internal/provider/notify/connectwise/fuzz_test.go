package connectwise

import (
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// FuzzFailure feeds the error explanation any answer ConnectWise could send: it must
// never panic, never carry a control character, and never give the private key
// back, in English or in Spanish.
func FuzzFailure(f *testing.F) {
	f.Add(400, []byte(`{"code":"InvalidObject","message":"ticket object is invalid","errors":[{"code":"MaxLengthField","message":"The field summary must be a string with a maximum length of 100.","resource":"ticket","field":"summary"}]}`))
	f.Add(401, []byte(``))
	f.Add(429, []byte(`{"error":"ConnectWiseAPI","message":"Too many requests. Please try again in 30 seconds."}`))
	f.Add(403, []byte(`{"code":"Security","message":"pr1v\u001bate-key","errors":[{"message":"pr1vate-key","field":"pr1vate-key"}]}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		const key = "pr1vate-key"
		n := &Notifier{cfg: Config{CompanyID: "contoso", PrivateKey: key}}
		e := n.failure(answer{Status: status, Body: body}, catalog.NewError("connectwise.doing.create-ticket"))
		s := e.Error() + " " + catalog.New(language.Spanish).Error(e)
		if strings.Contains(s, key) {
			t.Fatalf("the private key came back in the sentence: %q", s)
		}
		for _, r := range s {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("sentence holds %U: %q", r, s)
			}
		}
	})
}
