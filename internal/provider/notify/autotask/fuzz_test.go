package autotask

import (
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// FuzzFailure feeds the error explanation any answer Autotask could send: it must
// never panic, never carry a control character, and never give the secret back,
// in English or in Spanish.
func FuzzFailure(f *testing.F) {
	f.Add(500, []byte(`{"errors":["Ticket: Required field 'queueID' is missing."]}`))
	f.Add(401, []byte(``))
	f.Add(400, []byte(`{"errors":["s3cr\u001bet-value","s3cret-value"]}`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		const secret = "s3cret-value"
		n := &Notifier{cfg: Config{APIUser: "api@example.com", Secret: secret}}
		e := n.failure(answer{Status: status, Body: body}, catalog.NewError("autotask.doing.create-ticket"))
		s := e.Error() + " " + catalog.New(language.Spanish).Error(e)
		if strings.Contains(s, secret) {
			t.Fatalf("the secret came back in the sentence: %q", s)
		}
		for _, r := range s {
			if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("sentence holds %U: %q", r, s)
			}
		}
	})
}
