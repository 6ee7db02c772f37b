package webhook_test

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/webhook"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/notify/webhook/webhooktest"
)

// awkward is a notice whose every field a person typed or a computer reported is full
// of the characters Slack's mrkdwn and the Adaptive Card Markdown give a meaning to.
func awkward() provider.Notice {
	n := notice()
	n.User = "a_b*c<d>&e@contoso.com"
	n.Organisation = "[Contoso](https://evil.example) ~Ltd~ `x` &amp; {{DATE(2026-01-01T00:00:00Z)}}"
	n.Computer = "# PC_042 <@U123> <!channel>"
	return n
}

// literals are the parts of awkward's message that must be shown character for character.
var literals = []string{
	"MFA set up: a_b*c<d>&e@contoso.com",
	"a_b*c<d>&e@contoso.com ([Contoso](https://evil.example) ~Ltd~ `x` &amp; {{DATE(2026-01-01T00:00:00Z)}})",
	"Computer: # PC_042 <@U123> <!channel>",
	"Sign-in phone: +1 ***-***-0100",
}

func post(t *testing.T, kind string) []byte {
	t.Helper()
	srv := webhooktest.New(t)
	if _, err := newNotifier(t, srv, kind, clock.NewFake(start)).Notify(context.Background(), awkward()); err != nil {
		t.Fatal(err)
	}
	posts := srv.Posts()
	if len(posts) != 1 {
		t.Fatalf("%d posts; want 1", len(posts))
	}
	return posts[0].Body
}

// TestSlackShowsUserDataLiterally: with "mrkdwn": false Slack applies no formatting to
// the text, and &, < and > are its control characters, written as &amp;, &lt; and
// &gt;, which is all it decodes for display.
// https://docs.slack.dev/reference/messaging/payload
// https://docs.slack.dev/messaging/formatting-message-text#escaping
func TestSlackShowsUserDataLiterally(t *testing.T) {
	var m struct {
		Text   string `json:"text"`
		Mrkdwn *bool  `json:"mrkdwn"`
	}
	if err := json.Unmarshal(post(t, webhook.KindSlack), &m); err != nil {
		t.Fatal(err)
	}
	if m.Mrkdwn == nil || *m.Mrkdwn {
		t.Fatalf("mrkdwn = %v; want false, so that * _ ~ ` in user data format nothing", m.Mrkdwn)
	}
	if strings.ContainsAny(strings.NewReplacer("&lt;", "", "&gt;", "", "&amp;", "").Replace(m.Text), "<>&") {
		t.Fatalf("the text has a control character Slack would parse:\n%s", m.Text)
	}
	shown := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(m.Text)
	for _, want := range literals {
		if !strings.Contains(shown, want) {
			t.Errorf("Slack shows\n%s\nwhich lacks %q", shown, want)
		}
	}
}

// TestTeamsShowsUserDataLiterally: a TextBlock is read as a subset of CommonMark, and
// CommonMark shows any backslash-escaped ASCII punctuation as itself.
// https://learn.microsoft.com/adaptive-cards/authoring-cards/text-features
// https://spec.commonmark.org/0.31.2/#backslash-escapes
func TestTeamsShowsUserDataLiterally(t *testing.T) {
	var m struct {
		Attachments []struct {
			Content struct {
				Body []struct {
					Text string `json:"text"`
				} `json:"body"`
			} `json:"content"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(post(t, webhook.KindTeams), &m); err != nil {
		t.Fatal(err)
	}
	var shown []string
	for _, b := range m.Attachments[0].Content.Body {
		for _, line := range strings.Split(b.Text, "  \n") {
			if bare := unescapedMarkup(line); bare != "" {
				t.Errorf("%q reaches Markdown unescaped in %q", bare, line)
			}
			shown = append(shown, unescape(line))
		}
	}
	all := strings.Join(shown, "\n")
	for _, want := range literals {
		if !strings.Contains(all, want) {
			t.Errorf("Teams shows\n%s\nwhich lacks %q", all, want)
		}
	}
}

// unescapedMarkup finds a character with a Markdown meaning that has no backslash
// before it: anywhere for emphasis, links, code, autolinks and entities; at the
// start of a line for headings, quotes and lists.
func unescapedMarkup(line string) string {
	for _, re := range []*regexp.Regexp{
		regexp.MustCompile(`(^|[^\\])(\\\\)*([*_\[\]` + "`" + `~<])`),
		regexp.MustCompile(`(^|[^\\])(\\\\)*(&[A-Za-z0-9#]+;)`),
		regexp.MustCompile(`(^|[^\\])(\\\\)*(\{\{)`),
		regexp.MustCompile(`^ {0,3}([#>+=-])`),
		regexp.MustCompile(`^ {0,3}\d+([.)])`),
	} {
		if m := re.FindStringSubmatch(line); m != nil {
			return m[len(m)-1]
		}
	}
	return ""
}

// unescape is what a CommonMark renderer shows for text with nothing but escapes in it.
func unescape(s string) string {
	return regexp.MustCompile(`\\([!-/:-@\[-`+"`"+`{-~])`).ReplaceAllString(s, "$1")
}

// TestTeamsEscapesOnlyMarkup puts a computer name on a line of its own, where Markdown
// also reads headings, quotes, lists and rules, and checks the exact line the card
// gets: escapes where Markdown would read markup, nothing where it would not.
func TestTeamsEscapesOnlyMarkup(t *testing.T) {
	tests := []struct{ computer, sent string }{
		{"PC-042", "PC-042"},
		{"alice@contoso.com (Contoso) 1.5 a-b a+b a#b 3 > 2", "alice@contoso.com (Contoso) 1.5 a-b a+b a#b 3 > 2"},
		{"& and &c", "& and &c"},
		{"# PC", `\# PC`},
		{"## PC", `\## PC`},
		{"   # PC", `   \# PC`},
		{"> PC", `\> PC`},
		{"- PC", `\- PC`},
		{"+ PC", `\+ PC`},
		{"* PC", `\* PC`},
		{"1. PC", `1\. PC`},
		{"12) PC", `12\) PC`},
		{"---", `\---`},
		{"===", `\===`},
		{"PC_042", `PC\_042`},
		{"**PC**", `\*\*PC\*\*`},
		{"[PC](https://evil.example)", `\[PC\](https://evil.example)`},
		{"`PC` ~~x~~", "\\`PC\\` \\~\\~x\\~\\~"},
		{`C:\PC`, `C:\\PC`},
		{"<https://evil.example> <at>x</at>", `\<https://evil.example> \<at>x\</at>`},
		{"&amp; &#38; &#x26;", `\&amp; \&#38; \&#x26;`},
		{"{{DATE(2026-01-01T00:00:00Z)}}", `{\{DATE(2026-01-01T00:00:00Z)}}`},
	}
	for _, tt := range tests {
		srv := webhooktest.New(t)
		w, err := webhook.New(webhook.Config{Kind: webhook.KindTeams, URL: srv.TeamsURL(), HTTPClient: srv.Client(),
			Clock: clock.NewFake(start), Template: "Subject: MFA set up\n\n{{.Computer}}\n\nReference: {{.ID}}\n"})
		if err != nil {
			t.Fatal(err)
		}
		n := notice()
		n.Computer = tt.computer
		if _, err := w.Notify(context.Background(), n); err != nil {
			t.Fatal(err)
		}
		var m struct {
			Attachments []struct {
				Content struct {
					Body []struct {
						Text string `json:"text"`
					} `json:"body"`
				} `json:"content"`
			} `json:"attachments"`
		}
		if err := json.Unmarshal(srv.Posts()[0].Body, &m); err != nil {
			t.Fatal(err)
		}
		if got := m.Attachments[0].Content.Body[1].Text; got != tt.sent {
			t.Errorf("computer %q is sent as %q; want %q", tt.computer, got, tt.sent)
		}
		if got := unescape(tt.sent); got != tt.computer {
			t.Errorf("the test's %q shows as %q, not %q", tt.sent, got, tt.computer)
		}
	}
}
