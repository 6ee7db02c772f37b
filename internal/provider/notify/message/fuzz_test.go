package message

import (
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

// FuzzRender fills any template an MSP could write: it must never panic, the subject
// must stay one line (no injected mail headers), and the body must carry the id a
// resend is recognised by.
func FuzzRender(f *testing.F) {
	f.Add("", "alice@contoso.com")
	f.Add(Default, "bob@contoso.com")
	f.Add("Subject: {{.User}}\r\nBcc: x@evil\n\n{{join .Completed \", \"}} {{when .When}}", "eve\r\nBcc: x@evil@contoso.com")
	f.Add("{{define \"a\"}}{{template \"a\"}}{{end}}{{template \"a\"}}", "a@b.c")
	f.Fuzz(func(t *testing.T, tmpl, user string) {
		n := provider.Notice{ID: "mfa-onboard-0123abcd", User: user, Organisation: "Example MSP", MaskedPhone: "+1 ***-***-0100",
			Completed: []string{"phone verified"}, When: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), Computer: "pc"}
		subject, body, err := Render(tmpl, n)
		if err != nil {
			return
		}
		if strings.ContainsAny(subject, "\r\n") {
			t.Fatalf("subject spans lines: %q", subject)
		}
		if !strings.Contains(body, n.ID) {
			t.Fatalf("body lacks the notice id: %q", body)
		}
	})
}
