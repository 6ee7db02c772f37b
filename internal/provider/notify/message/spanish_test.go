package message_test

import (
	"errors"
	"strings"
	"testing"
	"text/template"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/message"
)

// A template the notice cannot fill is the technician's to fix: its sentence is said
// in the run's language, and the template's own error is still there to inspect.
func TestRenderErrorsSpeakThePrintersLanguage(t *testing.T) {
	_, _, err := message.Render("{{.Nope}}", notice())
	if err == nil {
		t.Fatal("a template naming no field rendered")
	}
	var exec template.ExecError
	if !errors.As(err, &exec) {
		t.Errorf("err = %v; errors.As finds no template.ExecError", err)
	}
	if en := err.Error(); !strings.HasPrefix(en, "notify.template could not be filled in (template: notify.template:1:2: executing") ||
		!strings.HasSuffix(en, "); use only the fields ID, User, Organisation, MaskedPhone, Completed, When and Computer") {
		t.Errorf("English = %q", en)
	}
	es := catalog.New(language.Spanish).Error(err)
	if !strings.HasPrefix(es, "no se pudo completar notify.template (template: notify.template:1:2: executing") ||
		!strings.Contains(es, "use solo los campos ID, User, Organisation, MaskedPhone, Completed, When y Computer") {
		t.Errorf("Spanish = %q", es)
	}
}

// The built-in notice goes to the support desk, not to the person: it stays as it is
// whatever language the run speaks.
func TestTheDefaultNoticeIsTheDesksText(t *testing.T) {
	subject, body, err := message.Render("", notice())
	if err != nil {
		t.Fatal(err)
	}
	if subject != "MFA set up: alice@contoso.com" || !strings.Contains(body, "has finished their part of the two-step sign-in set-up.") {
		t.Errorf("subject %q, body:\n%s", subject, body)
	}
}
