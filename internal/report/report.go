// Package report writes the page a technician hands a customer: one self-contained
// HTML file saying who has finished setting up MFA and who is waiting on what, as a
// chart and as tables. It loads nothing (inline CSS, an inline SVG chart, no
// scripts), so it opens the same from a mail attachment, a file share or a USB stick.
package report

import (
	"bytes"
	_ "embed" // the page's template
	"html/template"
	"io"
	"math"
	"strings"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/phone"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

// Status is where a person stands, as the report groups them.
type Status string

// The groups, in the order the report shows them.
const (
	Waiting    Status = "waiting"
	Failed     Status = "failed"
	NotStarted Status = "not-started"
	Done       Status = "done"
)

// Person is one person's line in the report.
type Person struct {
	User   string
	Status Status
	// Done is how many of Steps steps are done.
	Done, Steps int
	// StepID and StepTitle name the step they are at; empty when all are done.
	StepID, StepTitle string
	// Note is what that step says: why it waits or failed, or what the person must do.
	Note string
	// Changed is when their progress last changed.
	Changed time.Time
	// RanBy is who ran their last run.
	RanBy string
	// Phone is their mobile number as saved (E.164); the report shows it masked.
	Phone string
}

// Report is everything the page shows.
type Report struct {
	Organisation string
	// Generated is when the report was made; it is shown in its own zone, and so are
	// the people's times.
	Generated time.Time
	People    []Person
	// Problems are state files that could not be read, each in a sentence.
	Problems []string
	// Text is the language the page is written in (nil: English).
	Text *catalog.Printer
}

//go:embed report.html.tmpl
var page string

// Write renders r as one HTML document. html/template escapes every value for where
// it stands; control characters are dropped and phone numbers masked in every text
// that came from a state file.
func Write(w io.Writer, r Report) error {
	t := r.Text
	tmpl, err := template.New("report").Funcs(template.FuncMap{
		"clean":   clean,
		"address": address,
		"masked":  masked,
		"sub100":  func(f float64) float64 { return 100 - f },
		"when":    func(at time.Time) []string { return when(at, r.Generated.Location()) },
		// progress is a person's steps done, as the page says it.
		"progress": func(done, steps int) string { return t.T("report.progress", "Done", done, "Steps", steps) },
	}).Parse(page)
	if err != nil {
		return catalog.Wrap(err, "report.broken")
	}
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, newView(r)); err != nil {
		return catalog.Wrap(err, "report.render")
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return catalog.Wrap(err, "report.write")
	}
	return nil
}

// group is one status's people, with what the chart draws for it.
type group struct {
	Status Status
	Title  string
	Colour string
	People []Person
	// Share is the group's part of the ring, in percent; Offset where it starts.
	Share, Offset float64
	// Percent is Share rounded for the legend.
	Percent int
}

type view struct {
	// Lang is the page's language, for <html lang>.
	Lang     string
	Total    int
	Groups   []*group
	Problems []string
	// Words are the page's own texts, in its language.
	Words words
}

// words are the texts of the page that are not a person's data, in its language:
// html/template escapes each where it stands.
type words struct {
	Title, Heading, Overview, People               string
	NotIn, NotInText, Nobody                       string
	Person, Mobile, Finished, LastRunBy, StepsDone string
	FailedAt, WaitingOn, WentWrong, Needed, Since  string
	Footer                                         string
	// Generated is the line under the heading, with its time marked up as one.
	Generated template.HTML
}

func newWords(t *catalog.Printer, r Report, org, generated string) words {
	n := len(r.People)
	// The chart's centre says the number, large, over this word.
	people := t.T("report.chart.people")
	if n == 1 {
		people = t.T("report.chart.person")
	}
	return words{
		Title:     t.T("report.title", "Organisation", org),
		Heading:   t.T("report.heading", "Organisation", org),
		Generated: withTime(t.T("report.generated", "When", timeMark, "Count", n), generated),
		Overview:  t.T("report.overview"),
		People:    people,
		NotIn:     t.T("report.not-in"),
		NotInText: t.T("report.not-in.text"),
		Nobody:    t.T("report.nobody"),
		Person:    t.T("report.col.person"),
		Mobile:    t.T("report.col.mobile"),
		Finished:  t.T("report.col.finished"),
		LastRunBy: t.T("report.col.last-run-by"),
		StepsDone: t.T("report.col.steps-done"),
		FailedAt:  t.T("report.col.failed-at"),
		WaitingOn: t.T("report.col.waiting-on"),
		WentWrong: t.T("report.col.went-wrong"),
		Needed:    t.T("report.col.needed"),
		Since:     t.T("report.col.since"),
		Footer:    t.T("report.footer"),
	}
}

// groups are the statuses in the order the report shows them, each with its heading
// and the colour the chart and the legend give it (each at least 3:1 against white,
// WCAG 1.4.11: https://www.w3.org/WAI/WCAG21/Understanding/non-text-contrast.html).
func groups(t *catalog.Printer) []*group {
	return []*group{
		{Status: Waiting, Title: t.T("report.group.waiting"), Colour: "#b35900"},
		{Status: Failed, Title: t.T("report.group.failed"), Colour: "#c62828"},
		{Status: NotStarted, Title: t.T("report.group.not-started"), Colour: "#6e7781"},
		{Status: Done, Title: t.T("report.group.done"), Colour: "#1a7f37"},
	}
}

func newView(r Report) view {
	org := clean(r.Organisation)
	generated := dateTime(r.Text, r.Generated)
	v := view{
		Lang:     r.Text.Tag().String(),
		Total:    len(r.People),
		Groups:   groups(r.Text),
		Problems: r.Problems,
		Words:    newWords(r.Text, r, org, generated),
	}
	for _, p := range r.People {
		g := v.Groups[0] // an unknown status is still someone to chase
		for _, each := range v.Groups {
			if each.Status == p.Status {
				g = each
			}
		}
		g.People = append(g.People, p)
	}
	if v.Total == 0 {
		return v
	}
	// The ring starts at twelve o'clock and goes clockwise: a circle's stroke starts
	// at three, so each segment is moved back a quarter (25 of the 100 the
	// circumference is made to measure).
	start := 0.0
	for _, g := range v.Groups {
		g.Share = 100 * float64(len(g.People)) / float64(v.Total)
		g.Percent = int(math.Round(g.Share))
		g.Offset = 25 - start
		start += g.Share
	}
	return v
}

// timeMark stands for the time in a sentence until withTime marks it up: a character
// that neither a message nor HTML escaping uses.
const timeMark = "\x01"

// withTime is sentence as HTML, escaped, with the time at timeMark in a <time>.
func withTime(sentence, when string) template.HTML {
	return template.HTML(strings.Replace(template.HTMLEscapeString(sentence), timeMark,
		"<time>"+template.HTMLEscapeString(when)+"</time>", 1))
}

// dateTime is when the report was made, said in full in t's language: its weekday,
// day, month, year, time of day and zone.
func dateTime(t *catalog.Printer, at time.Time) string {
	return t.T("report.date-time", "Weekday", t.Weekday(at.Weekday(), false), "Day", at.Day(), "Month", t.Month(at.Month(), false),
		"Year", at.Year(), "Clock", at.Format("15:04"), "Zone", at.Format("MST (UTC-07:00)"))
}

// when is a person's time in the report's zone, as its day and its time of day (kept
// apart so that a narrow column breaks between them); nil for none.
func when(t time.Time, loc *time.Location) []string {
	if t.IsZero() {
		return nil
	}
	t = t.In(loc)
	return []string{t.Format("2006-01-02"), t.Format("15:04")}
}

// clean makes text from a state file one safe line for the page: control and format
// characters dropped (sanitize.Inline) and every number in international form (a
// plus sign and at least eight digits, with the separators people write) masked by
// phone.Mask, since a vendor's error may quote the number whole.
func clean(s string) string {
	s = sanitize.Inline(s)
	if !strings.Contains(s, "+") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		end := numberEnd(s, i)
		if end < 0 {
			b.WriteByte(s[i])
			i++
			continue
		}
		b.WriteString(phone.Mask(s[i:end]))
		i = end
	}
	return b.String()
}

// numberEnd is where the number in international form starting at s[i] ends, or -1
// when none starts there.
func numberEnd(s string, i int) int {
	if s[i] != '+' || i+1 >= len(s) || !isDigit(s[i+1]) {
		return -1
	}
	digits, end := 0, -1
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case isDigit(c):
			digits++
			end = j + 1
		case strings.IndexByte(" ().-", c) >= 0:
		default:
			j = len(s)
		}
	}
	if digits < 8 {
		return -1
	}
	return end
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// address is an address cleaned, with a line break allowed before its "@" so that a
// narrow column breaks it there rather than anywhere. Both parts are escaped here,
// since what is returned is put on the page as it is.
func address(s string) template.HTML {
	s = clean(s)
	at := strings.LastIndexByte(s, '@')
	if at <= 0 {
		return template.HTML(template.HTMLEscapeString(s))
	}
	return template.HTML(template.HTMLEscapeString(s[:at]) + "<wbr>" + template.HTMLEscapeString(s[at:]))
}

// masked is a saved number as the page shows it.
func masked(e164 string) string {
	if e164 == "" {
		return ""
	}
	return phone.Mask(e164)
}
