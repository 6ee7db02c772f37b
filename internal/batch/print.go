package batch

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/csvsafe"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
	"github.com/mfa-onboard/mfa-onboard/internal/screen"
)

// Printer writes each row's result as it ends, then the batch's summary.
type Printer interface {
	Result(Result)
	// Summary ends the output and returns the first error writing any of it.
	Summary(Summary) error
}

// order is how summaries list the statuses.
var order = []Status{Completed, Waiting, Failed, Skipped, Unchanged, Interrupted, WouldRun}

// Describe is one row's result as one line of text for a person, safe to print.
func Describe(res Result) string {
	who := res.User
	if who == "" {
		who = "(no person)"
	}
	head := fmt.Sprintf("line %d  %s  ", res.Line, sanitize.Inline(who))
	reason := sanitize.Inline(res.Reason)
	switch res.Status {
	case Completed:
		if res.Earlier {
			return head + "completed (by an earlier run of this batch)"
		}
		return head + "completed"
	case Waiting:
		return head + fmt.Sprintf("waiting at %s: %s", res.Step, reason)
	case Failed:
		text := head + "failed"
		if res.Step != "" {
			text += " at " + res.Step
		}
		text += ": " + reason
		if res.Earlier {
			text += " (in an earlier run; --retry-failed runs it again)"
		}
		return text
	case Skipped:
		return fmt.Sprintf("line %d  skipped: %s", res.Line, reason)
	case Unchanged:
		return head + "unchanged: already finished before this batch"
	case Interrupted:
		return head + "interrupted: " + reason
	case WouldRun:
		return head + fmt.Sprintf("would run %s (%d steps left)", strings.Join(res.Remaining, ", "), len(res.Remaining))
	}
	return head + string(res.Status)
}

// Tally is the summary's counts as a phrase: "3 completed, 1 waiting".
func Tally(s Summary) string {
	var parts []string
	for _, st := range order {
		if n := s.Count(st); n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	if len(parts) == 0 {
		return "no people"
	}
	return strings.Join(parts, ", ")
}

// TextPrinter writes a line per row and a summary in words.
type TextPrinter struct {
	w    io.Writer
	file string
	// Rows is false when each row is shown elsewhere (the live display), so that
	// only the summary is written here.
	rows bool
	// width is the terminal's, for lines to break between words; 0 for none.
	width int
	err   error
}

// NewTextPrinter writes to w; file names the batch in the summary. With rows false
// only the summary is written.
func NewTextPrinter(w io.Writer, file string, rows bool) *TextPrinter {
	return &TextPrinter{w: w, file: file, rows: rows}
}

// Wrapped makes p break its lines between words to fit width columns (a terminal's):
// a row's line goes on indented. Without it, each row is one line, for a log or a
// script to read.
func (p *TextPrinter) Wrapped(width int) *TextPrinter {
	p.width = width
	return p
}

// Result writes one line.
func (p *TextPrinter) Result(res Result) {
	if p.rows {
		p.line(Describe(res))
	}
}

// Summary writes the counts and what to do next.
func (p *TextPrinter) Summary(s Summary) error {
	p.line(fmt.Sprintf("%s: %d rows: %s.", sanitize.Inline(p.file), s.Rows, Tally(s)))
	for _, hint := range Hints(s) {
		p.line(hint)
	}
	return p.err
}

// line writes text, broken to p's width.
func (p *TextPrinter) line(text string) {
	for _, l := range screen.WrapLong(text, p.width, "", "    ") {
		p.printf("%s\n", l)
	}
}

func (p *TextPrinter) printf(format string, a ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, a...)
	}
}

// Rows is "1 row was" or "N rows were", for a sentence about rows of the file.
func Rows(n int) string {
	if n == 1 {
		return "1 row was"
	}
	return fmt.Sprintf("%d rows were", n)
}

// Hints say what to do about a summary, one sentence each.
func Hints(s Summary) []string {
	var out []string
	if s.Stopped {
		out = append(out, "Stopped before the end of the file; progress is saved: run the same command again to carry on.")
	}
	if n := s.Count(Interrupted); n > 0 {
		out = append(out, fmt.Sprintf("%d were stopped during their run; the same command carries on with them.", n))
	}
	if n := s.Count(Waiting); n > 0 {
		out = append(out, fmt.Sprintf("%d wait on the person (a texted code, the Duo activation, the test push): once they have done their part, run the same command again.", n))
	}
	if n := s.Count(Failed); n > 0 {
		out = append(out, fmt.Sprintf("%d failed: fix what each line says, then run the same command with --retry-failed.", n))
	}
	if n := s.Count(Skipped); n > 0 {
		them := "them"
		if n == 1 {
			them = "it"
		}
		out = append(out, Rows(n)+" skipped: correct "+them+" in the file and run the same command again.")
	}
	return out
}

// JSONPrinter writes JSON Lines: one object per row, then {"summary": {...}}.
type JSONPrinter struct {
	w      io.Writer
	file   string
	dryRun bool
	err    error
}

// NewJSONPrinter writes to w.
func NewJSONPrinter(w io.Writer, file string, dryRun bool) *JSONPrinter {
	return &JSONPrinter{w: w, file: file, dryRun: dryRun}
}

// jsonResult is one row in the JSON Lines output.
type jsonResult struct {
	Line      int      `json:"line"`
	User      string   `json:"user,omitempty"`
	Status    Status   `json:"status"`
	Step      string   `json:"step,omitempty"`
	Reason    string   `json:"reason,omitempty"`
	Remaining []string `json:"remaining,omitempty"`
	// Earlier says the outcome is an earlier run's of this batch: nothing ran now.
	Earlier bool `json:"earlier,omitempty"`
}

// Result writes one line.
func (p *JSONPrinter) Result(res Result) {
	p.write(jsonResult{Line: res.Line, User: res.User, Status: res.Status, Step: res.Step, Reason: res.Reason, Remaining: res.Remaining, Earlier: res.Earlier})
}

// Summary writes the last line.
func (p *JSONPrinter) Summary(s Summary) error {
	counts := map[string]any{"file": p.file, "rows": s.Rows, "stopped": s.Stopped, "dry_run": p.dryRun}
	for _, st := range order {
		counts[strings.ReplaceAll(string(st), "-", "_")] = s.Count(st)
	}
	p.write(map[string]any{"summary": counts})
	return p.err
}

// write puts v on one line. Strings are kept exactly, but a character a terminal
// would act on is written as a \u escape, which a JSON reader decodes back.
func (p *JSONPrinter) write(v any) {
	if p.err != nil {
		return
	}
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		p.err = fmt.Errorf("write the JSON result: %w", err)
		return
	}
	if _, err := p.w.Write(sanitize.EscapeJSON(buf.Bytes())); err != nil {
		p.err = fmt.Errorf("write the JSON result: %w", err)
	}
}

// CSVPrinter writes a CSV of the rows, every cell neutralised against spreadsheet
// formulas; the summary is not part of it.
type CSVPrinter struct {
	cw  *csv.Writer
	err error
}

// CSVColumns are the columns of the CSV output.
var CSVColumns = []string{"line", "user", "status", "step", "reason", "remaining", "earlier"}

// NewCSVPrinter writes the header to w.
func NewCSVPrinter(w io.Writer) *CSVPrinter {
	p := &CSVPrinter{cw: csv.NewWriter(w)}
	p.write(CSVColumns)
	return p
}

// Result writes one row.
func (p *CSVPrinter) Result(res Result) {
	earlier := ""
	if res.Earlier {
		earlier = "yes"
	}
	p.write([]string{strconv.Itoa(res.Line), sanitize.Inline(res.User), string(res.Status), res.Step, sanitize.Inline(res.Reason), strings.Join(res.Remaining, " "), earlier})
}

func (p *CSVPrinter) write(cells []string) {
	if p.err == nil {
		p.err = p.cw.Write(csvsafe.Row(cells))
	}
}

// Summary flushes the CSV.
func (p *CSVPrinter) Summary(Summary) error {
	p.cw.Flush()
	if p.err == nil {
		p.err = p.cw.Error()
	}
	if p.err != nil {
		return fmt.Errorf("write the CSV result: %w", p.err)
	}
	return nil
}
