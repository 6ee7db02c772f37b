// Package message turns a provider.Notice into the words every support channel sends,
// so that mail, chat and tickets say the same thing and all carry the notice id.
//
// A template is Go text/template over a Notice. Its first line is the subject when it
// starts with "Subject:", and the body is what follows the next blank line; without a
// subject line the whole output is the body and the subject is the default one. If the
// body does not contain the notice id, a "Reference: <id>" line is added: the id is how a
// person (or Sent, where the channel can search) recognises a resend of the same notice.
package message

import (
	"bytes"
	"strings"
	"text/template"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

// Default is the message sent when the MSP gives no template of its own. It is the
// support desk's text, like the MSP's own template that replaces it, so it is the same
// whatever language the person's run speaks.
//
// untranslated: the support desk's notice, which the MSP words in notify.template.
const Default = `Subject: MFA set up: {{.User}}

{{.User}}{{with .Organisation}} ({{.}}){{end}} has finished their part of the two-step sign-in set-up.

Done: {{join .Completed "; "}}
When: {{when .When}}
Computer: {{or .Computer "(not known)"}}
Sign-in phone: {{or .MaskedPhone "(none)"}}

Please make two-step sign-in (MFA) required on this account.

Reference: {{.ID}}
`

// referencePrefix starts the line added when a template leaves the id out.
const referencePrefix = "Reference: "

// Render fills tmpl (Default when empty) with n and returns the subject and body.
func Render(tmpl string, n provider.Notice) (subject, body string, err error) {
	if n.ID == "" {
		return "", "", catalog.NewError("message.no-id")
	}
	if strings.TrimSpace(tmpl) == "" {
		tmpl = Default
	}
	t, err := Parse(tmpl)
	if err != nil {
		return "", "", err
	}
	var out bytes.Buffer
	if err := t.Execute(&out, n); err != nil {
		return "", "", catalog.Wrap(err, "message.fill")
	}
	subject, body = split(out.String())
	if subject == "" {
		subject = "MFA set up: " + n.User // untranslated: the desk's default subject, as in Default
	}
	if !strings.Contains(body, n.ID) {
		body = strings.TrimRight(body, "\n") + "\n\n" + referencePrefix + n.ID + "\n"
	}
	return oneLine(subject), body, nil
}

// Parse checks an MSP-supplied template (empty is Default); config loading can call
// it to fail early.
func Parse(tmpl string) (*template.Template, error) {
	if strings.TrimSpace(tmpl) == "" {
		tmpl = Default
	}
	t, err := template.New("notify.template").Option("missingkey=error").Funcs(funcs()).Parse(tmpl)
	if err != nil {
		return nil, catalog.Wrap(err, "message.parse")
	}
	return t, nil
}

// funcs returns the functions every template may use; a fresh map each time, so
// nothing shared can be changed.
func funcs() template.FuncMap {
	return template.FuncMap{
		"join": strings.Join,
		"when": func(t time.Time) string { return t.Format(time.RFC1123) },
	}
}

// split takes a leading "Subject:" line off the text.
func split(text string) (subject, body string) {
	text = strings.ReplaceAll(text, "\r\n", "\n")
	first, rest, _ := strings.Cut(text, "\n")
	s, ok := strings.CutPrefix(first, "Subject:")
	if !ok {
		return "", strings.TrimLeft(text, "\n")
	}
	return strings.TrimSpace(s), strings.TrimLeft(rest, "\n")
}

// oneLine keeps a subject on one line, so it cannot inject mail headers.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\r' || r == '\n' || r == '\t' }), " ")
}
