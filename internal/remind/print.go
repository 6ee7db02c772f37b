package remind

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

// Schema versions remind's JSON document; add fields freely, but renaming or removing
// one needs a new version.
const Schema = 1

// Report is remind's JSON document: the messages that were due, and the state files
// that could not be read (their people may be due too).
type Report struct {
	Schema    int      `json:"schema"`
	DryRun    bool     `json:"dry_run"`
	Reminders []Result `json:"reminders"`
	Problems  []string `json:"problems,omitempty"`
}

// Tally is what the table's last line says of everyone else.
type Tally struct {
	// Waiting is how many people wait on a part of their own, due or not.
	Waiting int
	// Later is how many of them have nothing due now.
	Later int
}

// WriteTable prints one line per message, the reasons of those that failed or were
// skipped, and a summary line, in text's language. Every cell comes from a state file
// or the config, so each is made one safe line.
func WriteTable(text *catalog.Printer, w io.Writer, rows []Result, t Tally, dryRun bool) error {
	if len(rows) > 0 {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		header := []string{text.T("remind.head.user"), text.T("remind.head.waiting-on"), text.T("remind.head.since"),
			text.T("remind.head.message"), text.T("remind.head.to"), text.T("remind.head.via"), text.T("remind.head.result")}
		fmt.Fprintln(tw, strings.Join(header, "\t"))
		for _, r := range rows {
			cells := []string{r.User, r.Step, since(r.WaitingSince), message(text, r), r.To, r.Channel, statusWord(text, r.Status)}
			for i, c := range cells {
				if cells[i] = sanitize.Inline(c); cells[i] == "" {
					cells[i] = "-"
				}
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintln(w)
		for _, r := range rows {
			switch {
			case r.Reason != "":
				fmt.Fprintf(w, "%s, %s: %s\n", sanitize.Inline(r.User), statusWord(text, r.Status), sanitize.Line(r.Reason))
			case r.Problem != "":
				fmt.Fprintf(w, "%s: %s\n", sanitize.Inline(r.User), sanitize.Line(r.Problem))
			}
		}
	}
	_, err := fmt.Fprintln(w, summary(text, rows, t, dryRun))
	return err
}

func since(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04")
}

// statusWord is how the table says a result's status; one it does not know is shown
// as it is.
func statusWord(text *catalog.Printer, status string) string {
	switch status {
	case Sent:
		return text.T("remind.status.sent")
	case Failed:
		return text.T("remind.status.failed")
	case Skipped:
		return text.T("remind.status.skipped")
	case WouldSend:
		return text.T("remind.status.would-send")
	}
	return status
}

func message(text *catalog.Printer, r Result) string {
	switch {
	case r.Action == KindEscalate && r.Recipient == ToManager:
		return text.T("remind.message.escalate-manager")
	case r.Action == KindEscalate && r.Recipient == ToSupport:
		return text.T("remind.message.escalate-support")
	case r.Action == KindEscalate:
		return text.T("remind.message.escalate", "Recipient", r.Recipient)
	case r.Action == "":
		return ""
	}
	return text.T("remind.message.reminder", "Number", r.Reminder, "Max", r.Max)
}

func summary(text *catalog.Printer, rows []Result, t Tally, dryRun bool) string {
	count := map[string]int{}
	reminders, escalations := 0, 0
	for _, r := range rows {
		count[r.Status]++
		if r.Status == Sent || r.Status == WouldSend {
			if r.Action == KindEscalate {
				escalations++
			} else {
				reminders++
			}
		}
	}
	waiting := text.T("remind.summary.waiting", "Count", t.Waiting)
	if t.Later > 0 {
		waiting = text.T("remind.summary.waiting-later", "Count", t.Waiting, "Later", t.Later)
	}
	sent := []any{"Reminders", text.T("remind.summary.reminders", "Count", reminders),
		"Escalations", text.T("remind.summary.escalations", "Count", escalations), "Waiting", waiting}
	failed, skipped := count[Failed], count[Skipped]
	switch {
	case t.Waiting == 0 && len(rows) == 0:
		return text.T("remind.summary.nobody")
	case len(rows) == 0:
		return text.T("remind.summary.nothing-due", "Waiting", waiting)
	case dryRun:
		return text.T("remind.summary.would-send", sent...)
	case failed > 0 && skipped > 0:
		return text.T("remind.summary.sent-failed-skipped", append(sent, "Failed", failed, "Skipped", skipped)...)
	case failed > 0:
		return text.T("remind.summary.sent-failed", append(sent, "Failed", failed)...)
	case skipped > 0:
		return text.T("remind.summary.sent-skipped", append(sent, "Skipped", skipped)...)
	}
	return text.T("remind.summary.sent", sent...)
}
