package message_test

import (
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/message"
)

func notice() provider.Notice {
	return provider.Notice{
		ID:           "mfa-onboard-0123456789abcdef",
		User:         "alice@contoso.com",
		Organisation: "Contoso",
		MaskedPhone:  "+1 ***-***-0100",
		Completed:    []string{"mobile number verified", "registered"},
		When:         time.Date(2026, 11, 25, 9, 1, 0, 0, time.FixedZone("CET", 3600)),
		Computer:     "PC-042",
	}
}

func TestRender(t *testing.T) {
	tests := []struct {
		name, tmpl, subject string
		wantBody            []string
	}{
		{"default", "", "MFA set up: alice@contoso.com", []string{
			"alice@contoso.com (Contoso)", "mobile number verified; registered",
			"Wed, 25 Nov 2026 09:01:00 CET", "PC-042", "+1 ***-***-0100", "Reference: mfa-onboard-0123456789abcdef"}},
		{"own subject and id", "Subject: Done {{.User}}\n\nref {{.ID}} phone {{.MaskedPhone}}", "Done alice@contoso.com",
			[]string{"ref mfa-onboard-0123456789abcdef phone +1 ***-***-0100"}},
		{"no subject, no id: reference added", "{{.User}} is done", "MFA set up: alice@contoso.com",
			[]string{"alice@contoso.com is done\n\nReference: mfa-onboard-0123456789abcdef"}},
		{"subject is one line only", "Subject: a {{\"\\r\\nBcc: x\"}}\n\nbody", "a", []string{"body"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			subject, body, err := message.Render(tt.tmpl, notice())
			if err != nil {
				t.Fatal(err)
			}
			if subject != tt.subject {
				t.Errorf("subject = %q; want %q", subject, tt.subject)
			}
			for _, w := range tt.wantBody {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q:\n%s", w, body)
				}
			}
		})
	}
}

func TestRenderErrors(t *testing.T) {
	tests := []struct{ name, tmpl, want string }{
		{"parse", "{{.User", "notify.template is not a valid template"},
		{"unknown field", "{{.Nope}}", "notify.template could not be filled in"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := message.Render(tt.tmpl, notice())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v; want %q", err, tt.want)
			}
		})
	}
	n := notice()
	n.ID = ""
	if _, _, err := message.Render("", n); err == nil {
		t.Fatal("a notice without id rendered")
	}
}
