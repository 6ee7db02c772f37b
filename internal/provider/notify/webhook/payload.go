package webhook

import (
	"regexp"
	"strings"
	"sync"
)

// teamsPayload is the Adaptive Card wrapper a Teams Workflows webhook expects. The
// message is plain text (the same words the mail carries), so every TextBlock gets it
// with Markdown escaped: a user, organisation or computer name is shown as typed.
func teamsPayload(subject, body string) map[string]any {
	blocks := []map[string]any{{"type": "TextBlock", "text": teamsText(subject), "weight": "Bolder", "size": "Medium", "wrap": true}}
	for _, para := range paragraphs(body) {
		blocks = append(blocks, map[string]any{"type": "TextBlock", "text": para, "wrap": true})
	}
	return map[string]any{
		"type": "message",
		"attachments": []map[string]any{{
			"contentType": "application/vnd.microsoft.card.adaptive",
			"contentUrl":  nil,
			"content": map[string]any{
				"type":    "AdaptiveCard",
				"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
				"version": "1.4",
				"body":    blocks,
			},
		}},
	}
}

// slackPayload is a Slack incoming-webhook message. "mrkdwn": false turns formatting
// off, so * _ ~ ` in user data stay characters (Slack's mrkdwn has no escape for
// them); & < > are Slack's control characters whatever the setting and are written as
// the entities Slack decodes for display. So the subject is a plain first line.
// https://docs.slack.dev/reference/messaging/payload (mrkdwn)
// https://docs.slack.dev/messaging/formatting-message-text#escaping
func slackPayload(subject, body string) map[string]any {
	return map[string]any{"text": slackText(subject + "\n" + strings.TrimRight(body, "\n")), "mrkdwn": false}
}

var slackEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func slackText(s string) string { return slackEscaper.Replace(s) }

// paragraphs splits text at blank lines; a TextBlock shows single line breaks only
// with markdown's two spaces, so lines inside a paragraph are joined with that.
func paragraphs(text string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if p = strings.Trim(p, "\n"); strings.TrimSpace(p) != "" {
			lines := strings.Split(p, "\n")
			for i, l := range lines {
				lines[i] = teamsText(l)
			}
			out = append(out, strings.Join(lines, "  \n"))
		}
	}
	return out
}

// A TextBlock's text is a subset of CommonMark (emphasis, lists, links), and
// CommonMark shows any ASCII punctuation after a backslash as itself.
// https://learn.microsoft.com/adaptive-cards/authoring-cards/text-features
// https://spec.commonmark.org/0.31.2/#backslash-escapes
// Only what could be read as markup is escaped, so ordinary text (an address, a
// computer name such as PC-042) reaches the card unchanged.
var (
	// Anywhere: the escape itself, emphasis, links, code, strikethrough, autolinks.
	inlineMarkup = strings.NewReplacer(`\`, `\\`, `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`,
		"`", "\\`", `~`, `\~`, `<`, `\<`,
		// The card's DATE() and TIME() functions start with {{.
		// https://learn.microsoft.com/adaptive-cards/authoring-cards/text-features#datetime-formatting-and-localization
		`{{`, `{\{`)
	// An entity reference (&amp; &#38;) would be decoded; a lone & is shown as is.
	entity = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`&(#[0-9]{1,7};|#[xX][0-9a-fA-F]{1,6};|[A-Za-z][A-Za-z0-9]{0,31};)`)
	})
	// At the start of a line (after up to three spaces): a heading, a quote, a bullet,
	// a setext underline or rule, or the number of an ordered list.
	blockStart  = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^( {0,3})([#>+=-])`) })
	orderedList = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^( {0,3}[0-9]{1,9})([.)])`) })
)

// teamsText escapes one line for a TextBlock.
func teamsText(line string) string {
	line = inlineMarkup.Replace(line)
	line = entity().ReplaceAllString(line, `\&$1`)
	line = blockStart().ReplaceAllString(line, `$1\$2`)
	return orderedList().ReplaceAllString(line, `$1\$2`)
}
