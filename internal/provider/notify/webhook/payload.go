package webhook

import (
	"strings"
)

// teamsPayload is the Adaptive Card wrapper a Teams Workflows webhook expects.
func teamsPayload(subject, body string) map[string]any {
	blocks := []map[string]any{{"type": "TextBlock", "text": subject, "weight": "Bolder", "size": "Medium", "wrap": true}}
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

// slackPayload is a Slack incoming-webhook message.
func slackPayload(subject, body string) map[string]any {
	return map[string]any{"text": "*" + subject + "*\n" + strings.TrimRight(body, "\n")}
}

// paragraphs splits text at blank lines; a TextBlock shows single line breaks only
// with markdown's two spaces, so lines inside a paragraph are joined with that.
func paragraphs(text string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n\n") {
		if p = strings.Trim(p, "\n"); strings.TrimSpace(p) != "" {
			out = append(out, strings.ReplaceAll(p, "\n", "  \n"))
		}
	}
	return out
}
