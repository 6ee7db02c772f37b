package batch

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/csvsafe"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
	"github.com/mfa-onboard/mfa-onboard/internal/screen"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// Printer writes each row's result as it ends, then the batch's summary.
type Printer interface {
	Result(Result)
	// Summary ends the output and returns the first error writing any of it.
	Summary(Summary) error
}

// order is how summaries list the statuses.
var order = []Status{Completed, Waiting, Failed, Skipped, Unchanged, Interrupted, WouldRun}

// Describe is one row's result as one line of text for a person, safe to print, in
// p's language.
func Describe(p *catalog.Printer, res Result) string {
	if res.By != nil {
		// A teammate's computer ran them in this run: their outcome, and whose it is.
		own := res
		own.By, own.Earlier = nil, false
		return p.T("batch.row.by-teammate", "Row", Describe(p, own), "By", state.Holder{Runner: *res.By}.Say(p))
	}
	who := sanitize.Inline(res.User)
	if res.User == "" {
		who = p.T("batch.row.no-person")
	}
	reason := sanitize.Inline(res.Reason)
	switch res.Status {
	case Completed:
		if res.Earlier {
			return p.T("batch.row.completed-earlier", "Line", res.Line, "User", who)
		}
		return p.T("batch.row.completed", "Line", res.Line, "User", who)
	case Waiting:
		return p.T("batch.row.waiting", "Line", res.Line, "User", who, "Step", res.Step, "Reason", reason)
	case Failed:
		switch {
		case res.Step != "" && res.Earlier:
			return p.T("batch.row.failed-at-earlier", "Line", res.Line, "User", who, "Step", res.Step, "Reason", reason)
		case res.Step != "":
			return p.T("batch.row.failed-at", "Line", res.Line, "User", who, "Step", res.Step, "Reason", reason)
		case res.Earlier:
			return p.T("batch.row.failed-earlier", "Line", res.Line, "User", who, "Reason", reason)
		}
		return p.T("batch.row.failed", "Line", res.Line, "User", who, "Reason", reason)
	case Skipped:
		return p.T("batch.row.skipped", "Line", res.Line, "Reason", reason)
	case Unchanged:
		return p.T("batch.row.unchanged", "Line", res.Line, "User", who)
	case Interrupted:
		return p.T("batch.row.interrupted", "Line", res.Line, "User", who, "Reason", reason)
	case WouldRun:
		return p.T("batch.row.would-run", "Line", res.Line, "User", who, "Steps", strings.Join(res.Remaining, ", "), "Count", len(res.Remaining))
	}
	return p.T("batch.row.other", "Line", res.Line, "User", who, "Status", string(res.Status))
}

// Tally is the summary's counts as a phrase, in p's language: "3 completed, 1 waiting".
func Tally(p *catalog.Printer, s Summary) string {
	var parts []string
	for _, st := range order {
		if n := s.Count(st); n > 0 {
			parts = append(parts, counted(p, st, n))
		}
	}
	if len(parts) == 0 {
		return p.T("batch.tally.nobody")
	}
	return strings.Join(parts, ", ")
}

// counted is "3 completed": n rows that ended as st.
func counted(p *catalog.Printer, st Status, n int) string {
	switch st {
	case Completed:
		return p.T("batch.tally.completed", "Count", n)
	case Waiting:
		return p.T("batch.tally.waiting", "Count", n)
	case Failed:
		return p.T("batch.tally.failed", "Count", n)
	case Skipped:
		return p.T("batch.tally.skipped", "Count", n)
	case Unchanged:
		return p.T("batch.tally.unchanged", "Count", n)
	case Interrupted:
		return p.T("batch.tally.interrupted", "Count", n)
	case WouldRun:
		return p.T("batch.tally.would-run", "Count", n)
	}
	return fmt.Sprintf("%d %s", n, st)
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
	text  *catalog.Printer
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

// WithText makes p speak t's language (nil: English).
func (p *TextPrinter) WithText(t *catalog.Printer) *TextPrinter {
	p.text = t
	return p
}

// Result writes one line.
func (p *TextPrinter) Result(res Result) {
	if p.rows {
		p.line(Describe(p.text, res))
	}
}

// Summary writes the counts and what to do next.
func (p *TextPrinter) Summary(s Summary) error {
	p.line(p.text.T("batch.summary", "File", sanitize.Inline(p.file), "Count", s.Rows, "Tally", Tally(p.text, s)))
	for _, hint := range Hints(p.text, s) {
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

// Hints say what to do about a summary, one sentence each, in p's language.
func Hints(p *catalog.Printer, s Summary) []string {
	var out []string
	if s.ByTeam > 0 {
		out = append(out, p.T("batch.hint.by-team", "Count", s.ByTeam))
	}
	if s.Stopped {
		out = append(out, p.T("batch.hint.stopped"))
	}
	if n := s.Count(Interrupted); n > 0 {
		out = append(out, p.T("batch.hint.interrupted", "Count", n))
	}
	if n := s.Count(Waiting); n > 0 {
		out = append(out, p.T("batch.hint.waiting", "Count", n))
	}
	if n := s.Count(Failed); n > 0 {
		out = append(out, p.T("batch.hint.failed", "Count", n))
	}
	if n := s.Count(Skipped); n > 0 {
		out = append(out, p.T("batch.hint.skipped", "Count", n))
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
	// By is the teammate whose computer ran the person in this run of a shared batch.
	By string `json:"by,omitempty"`
}

// Result writes one line.
func (p *JSONPrinter) Result(res Result) {
	p.write(jsonResult{Line: res.Line, User: res.User, Status: res.Status, Step: res.Step, Reason: res.Reason, Remaining: res.Remaining, Earlier: res.Earlier, By: teammate(res)})
}

// Summary writes the last line.
func (p *JSONPrinter) Summary(s Summary) error {
	counts := map[string]any{"file": p.file, "rows": s.Rows, "stopped": s.Stopped, "dry_run": p.dryRun, "by_team": s.ByTeam}
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
		p.err = catalog.Wrap(err, "batch.write-json")
		return
	}
	if _, err := p.w.Write(sanitize.EscapeJSON(buf.Bytes())); err != nil {
		p.err = catalog.Wrap(err, "batch.write-json")
	}
}

// CSVPrinter writes a CSV of the rows, every cell neutralised against spreadsheet
// formulas; the summary is not part of it.
type CSVPrinter struct {
	cw  *csv.Writer
	err error
}

// CSVColumns are the columns of the CSV output.
var CSVColumns = []string{"line", "user", "status", "step", "reason", "remaining", "earlier", "by"}

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
		earlier = "yes" // untranslated: a CSV value that scripts compare
	}
	p.write([]string{strconv.Itoa(res.Line), sanitize.Inline(res.User), string(res.Status), res.Step, sanitize.Inline(res.Reason), strings.Join(res.Remaining, " "), earlier, sanitize.Inline(teammate(res))})
}

// teammate names the teammate whose computer ran the person, for a script: the
// technician's name, else their computer account, with the computer after an "@".
func teammate(res Result) string {
	if res.By == nil {
		return ""
	}
	who := res.By.Technician
	if who == "" {
		who = res.By.OSUser
	}
	if res.By.Machine != "" {
		who += "@" + res.By.Machine
	}
	return who
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
		return catalog.Wrap(p.err, "batch.write-csv")
	}
	return nil
}
