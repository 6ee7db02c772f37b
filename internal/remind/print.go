package remind

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

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
// skipped, and a summary line. Every cell comes from a state file or the config, so
// each is made one safe line.
func WriteTable(w io.Writer, rows []Result, t Tally, dryRun bool) error {
	if len(rows) > 0 {
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "USER\tWAITING ON\tSINCE (UTC)\tMESSAGE\tTO\tVIA\tRESULT")
		for _, r := range rows {
			cells := []string{r.User, r.Step, since(r.WaitingSince), message(r), r.To, r.Channel, r.Status}
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
				fmt.Fprintf(w, "%s, %s: %s\n", sanitize.Inline(r.User), r.Status, sanitize.Line(r.Reason))
			case r.Problem != "":
				fmt.Fprintf(w, "%s: %s\n", sanitize.Inline(r.User), sanitize.Line(r.Problem))
			}
		}
	}
	_, err := fmt.Fprintln(w, summary(rows, t, dryRun))
	return err
}

func since(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04")
}

func message(r Result) string {
	if r.Action == KindEscalate {
		return "escalation to " + r.Recipient
	}
	if r.Action == "" {
		return ""
	}
	return fmt.Sprintf("reminder %d of %d", r.Reminder, r.Max)
}

func summary(rows []Result, t Tally, dryRun bool) string {
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
	later := fmt.Sprintf("%s on their part", people(t.Waiting, "waits", "wait"))
	if t.Later > 0 {
		later += fmt.Sprintf("; %d of them not due now", t.Later)
	}
	switch {
	case t.Waiting == 0 && len(rows) == 0:
		return "Nobody waits on their part: nothing to send."
	case len(rows) == 0:
		return "Nothing is due: " + later + "."
	case dryRun:
		return fmt.Sprintf("Would send %s and %s (nothing was sent: --dry-run). %s.", plural(reminders, "reminder"), plural(escalations, "escalation"), capital(later))
	}
	line := fmt.Sprintf("Sent %s and %s", plural(reminders, "reminder"), plural(escalations, "escalation"))
	if n := count[Failed]; n > 0 {
		line += fmt.Sprintf("; %d failed", n)
	}
	if n := count[Skipped]; n > 0 {
		line += fmt.Sprintf("; %d skipped", n)
	}
	return line + ". " + capital(later) + "."
}

func people(n int, one, many string) string {
	if n == 1 {
		return "1 person " + one
	}
	return fmt.Sprintf("%d people %s", n, many)
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func capital(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
