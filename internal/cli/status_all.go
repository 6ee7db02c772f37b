package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
	"github.com/mfa-onboard/mfa-onboard/internal/wizard"
	"github.com/mfa-onboard/mfa-onboard/steps"
)

// statusResult is status's JSON document: the result start prints, and who ran the
// run that saved the person's progress last (absent in files from before that was
// recorded). status --all holds one of these for each person.
type statusResult struct {
	Result
	RanBy *state.Runner `json:"ran_by,omitempty"`
	// Live is what the vendors said, with --live only.
	Live *liveResult `json:"live,omitempty"`
}

// writeStatusJSON prints one person's status document, escaped as writeJSON does;
// live is nil without --live.
func writeStatusJSON(w io.Writer, sum wizard.Summary, ran *state.Runner, live *liveResult) error {
	data, err := json.MarshalIndent(statusResult{Result: newResult(sum), RanBy: ran, Live: live}, "", "  ")
	if err != nil {
		return catalog.Wrap(err, "status-all.write-result")
	}
	if _, err := w.Write(append(sanitize.EscapeJSON(data), '\n')); err != nil {
		return catalog.Wrap(err, "status-all.write-result")
	}
	return nil
}

// person is what status --all keeps of one person's state file while it lists
// everyone: the table's cells and each step's status. What else a file says (each
// step's reasons, guidance and times: kilobytes a person) is kept only where an
// output shows it: the reason and guidance of the step they are at, or for JSON the
// person's whole document, encoded as the file is read and set aside in a spill,
// so that listing ten thousand people holds a few megabytes, not a hundred.
type person struct {
	user    string
	outcome wizard.Outcome
	updated time.Time
	ran     *state.Runner
	// at is the step they are at (the first neither done nor skipped), "" when all
	// are; waitingOn is the summary's.
	at, waitingOn string
	done, steps   int
	// started is false while every step is still pending.
	started bool
	// statuses are each step's, in the order of the list of steps.
	statuses []state.Status
	// atReason and atGuidance are the reason and guidance of the step they are at,
	// kept only for the outputs that show them (see keep).
	atReason   string
	atGuidance []string
	// doc is where the person's JSON document is in the spill, with keep's doc.
	doc spilled
	// phone is the number as saved (E.164), to be masked wherever it is shown.
	phone string
	busy  bool
	// claim is what the record says the vendors hold, kept with --live only; live
	// is what they said.
	claim *recordClaim
	live  *liveResult
}

// keep says what collect keeps of each person besides the table's cells.
type keep struct {
	// busy tries each person's lock, to say whether a run for them is running now.
	busy bool
	// notes keeps the reason and guidance of the step each person is at.
	notes bool
	// claims keeps what each record says the vendors hold, for --live.
	claims bool
	// doc, when set, is where each person's JSON document is set aside.
	doc *spill
	// text is the language of the summaries' titles and notes, as status --user
	// says them.
	text *catalog.Printer
}

// newPerson is what is kept of st, whose summary is sum.
func newPerson(list []steps.Step, st *state.State, sum wizard.Summary, notes bool) person {
	p := person{user: sum.User, outcome: sum.Outcome, updated: sum.Updated, waitingOn: sum.WaitingOn,
		ran: st.LastRun, at: firstWaiting(st, list), steps: len(list), statuses: make([]state.Status, len(sum.Steps))}
	for i, s := range sum.Steps {
		switch s.Status {
		case state.Done:
			p.done++
			p.started = true
		case state.Pending:
		default:
			p.started = true
		}
		p.statuses[i] = knownStatus(s.Status)
		if notes && s.ID == p.at {
			p.atReason, p.atGuidance = s.Reason, s.Guidance
		}
	}
	if st.Phone != nil {
		p.phone = st.Phone.E164
	}
	return p
}

// knownStatus is s as the constant it equals, so that ten thousand people's "done"
// are one string, not one each.
func knownStatus(s state.Status) state.Status {
	for _, known := range []state.Status{state.Done, state.Waiting, state.Failed, state.Skipped, state.Pending} {
		if s == known {
			return known
		}
	}
	return s
}

// summary is the person's summary as far as collect kept it: each step's status,
// and the reason and guidance of the step they are at when notes were kept; list is
// the steps it was made with, whose titles text says.
func (p person) summary(list []steps.Step, text *catalog.Printer) wizard.Summary {
	sum := wizard.Summary{User: p.user, Outcome: p.outcome, WaitingOn: p.waitingOn, Updated: p.updated, Steps: make([]wizard.StepSummary, len(list))}
	for i, s := range list {
		line := wizard.StepSummary{ID: s.ID(), Title: s.Title(text), Status: state.Pending}
		if i < len(p.statuses) {
			line.Status = p.statuses[i]
		}
		if line.ID == p.at {
			line.Reason, line.Guidance = p.atReason, p.atGuidance
		}
		sum.Steps[i] = line
	}
	return sum
}

// everyone reads every person's progress in the store, one file at a time on each
// core, sorted by address; the error names each file that could not be read.
func everyone(store state.Store, k keep) ([]person, error) {
	list := steps.All()
	return state.Collect(store, func(st *state.State) person {
		sum := summarize(k.text, list, st)
		p := newPerson(list, st, sum, k.notes)
		if k.doc != nil {
			// Encoded here, on the goroutine that read the file, and without Live,
			// which is known only once everyone is listed (see writeAllJSON).
			p.doc = k.doc.put(statusResult{Result: newResult(sum), RanBy: st.LastRun})
		}
		if k.busy {
			p.busy, _ = store.Busy(st.User)
		}
		if k.claims {
			p.claim = claimOf(st)
		}
		return p
	})
}

// filter keeps the people --waiting, --failed and --step ask for: either of the first
// two, and at the step.
func (o *StatusOptions) filter(all []person) []person {
	if !o.Waiting && !o.Failed && o.Step == "" {
		return all
	}
	kept := all[:0:0]
	for _, p := range all {
		if (o.Waiting || o.Failed) && !(o.Waiting && p.outcome == wizard.WaitingUser || o.Failed && p.outcome == wizard.Failed) {
			continue
		}
		if o.Step != "" && p.at != o.Step {
			continue
		}
		kept = append(kept, p)
	}
	return kept
}

func runStatusAll(ctx context.Context, o *StatusOptions) error {
	home, err := o.F.Dir()
	if err != nil {
		return err
	}
	var checker liveChecker
	if o.Live {
		// Before anything is read: a configuration that cannot be used stops here.
		if checker, err = liveCheckerFor(o); err != nil {
			return err
		}
	}
	store, err := o.F.Store(home)
	if err != nil {
		return err
	}
	k := keep{busy: o.Output == "text", notes: o.Output == "csv", claims: o.Live, text: o.F.Text}
	if o.Output == "json" {
		k.doc = newSpill()
		defer k.doc.close()
	}
	all, listErr := everyone(store, k)
	shown := o.filter(all)
	if o.Live {
		claims := make([]*recordClaim, len(shown))
		for i := range shown {
			claims[i] = shown[i].claim
		}
		for i, r := range checker.checkAll(ctx, claims, liveWorkers(len(claims))) {
			shown[i].live = r
		}
	}
	w := bufio.NewWriter(o.F.IO.Out)
	text := o.F.Text
	switch o.Output {
	case "json":
		err = writeAllJSON(w, k.doc, shown, problems(text, listErr))
	case "csv":
		err = writeAllCSV(w, shown, o.Live, text)
	default:
		err = writeAllTable(w, text, shown, len(all), o.F.Clock.Now(), o.Live)
	}
	if ferr := w.Flush(); err == nil && ferr != nil {
		err = catalog.Wrap(ferr, "status-all.write-list")
	}
	if err != nil {
		return err
	}
	if err := ctx.Err(); o.Live && err != nil {
		// Those not reached say they were not checked; the run says it was stopped.
		return err
	}
	if listErr != nil {
		return catalog.Wrap(listErr, "status-all.unreadable")
	}
	return nil
}

// problems is each error joined in err, as a sentence in p's language.
func problems(p *catalog.Printer, err error) []string {
	if err == nil {
		return nil
	}
	var joined interface{ Unwrap() []error }
	if !errors.As(err, &joined) {
		return []string{p.Error(err)}
	}
	var out []string
	for _, e := range joined.Unwrap() {
		out = append(out, p.Error(e))
	}
	return out
}

// writeAllJSON prints status --all's JSON document, {"schema": 1, "users": […],
// "problems": […]}: each user as status --user prints them, and each state file
// that could not be read as a sentence naming it (its person missing from users).
// It prints the document a few hundred people at a time, so that it is
// never all in memory at once: each person's document as the spill holds it, with
// what the vendors said (--live) added, indented and escaped on any core; the layout
// is what json.MarshalIndent(doc, "", "  ") would write.
func writeAllJSON(w io.Writer, docs *spill, people []person, problems []string) error {
	// untranslated: the start of the JSON document, for scripts.
	if _, err := io.WriteString(w, "{\n  \"schema\": 1,\n  \"users\": ["); err != nil {
		return catalog.Wrap(err, "status-all.write-json")
	}
	err := inOrder(w, len(people), func(i int, buf *bytes.Buffer) error {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.WriteString("\n    ")
		p := people[i]
		doc, err := docs.get(p.doc)
		if err != nil {
			return err
		}
		if p.live != nil {
			// Live is statusResult's last field: the document is the same with it
			// marshalled in place.
			live, err := json.Marshal(p.live)
			if err != nil {
				return err
			}
			doc = append(append(append(bytes.TrimSuffix(doc, []byte("}")), `,"live":`...), live...), '}')
		}
		buf.Write(sanitize.EscapeJSON(indentCompact(make([]byte, 0, 2*len(doc)), doc, "    ", "  ")))
		return nil
	})
	if err != nil {
		return catalog.Wrap(err, "status-all.write-json")
	}
	var buf bytes.Buffer
	if len(people) > 0 {
		buf.WriteString("\n  ")
	}
	buf.WriteByte(']')
	if len(problems) > 0 {
		data, err := json.MarshalIndent(problems, "  ", "  ")
		if err != nil {
			return catalog.Wrap(err, "status-all.write-json")
		}
		buf.WriteString(",\n  \"problems\": ")
		buf.Write(sanitize.EscapeJSON(data))
	}
	buf.WriteString("\n}\n")
	if _, err := w.Write(buf.Bytes()); err != nil {
		return catalog.Wrap(err, "status-all.write-json")
	}
	return nil
}

// inOrder writes what encode makes of 0 … n-1 to w, in that order, encoding on
// GOMAXPROCS goroutines: a few buffers of a batch of people each are filled at
// once, then written, so that only those are in memory.
func inOrder(w io.Writer, n int, encode func(i int, buf *bytes.Buffer) error) error {
	const batch = 64
	workers := runtime.GOMAXPROCS(0)
	bufs := make([]bytes.Buffer, 4*workers)
	errs := make([]error, len(bufs))
	for start := 0; start < n; start += batch * len(bufs) {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for {
					b := int(next.Add(1) - 1)
					if b >= len(bufs) {
						return
					}
					bufs[b].Reset()
					for i := start + b*batch; i < min(start+(b+1)*batch, n) && errs[b] == nil; i++ {
						errs[b] = encode(i, &bufs[b])
					}
				}
			})
		}
		wg.Wait()
		for b := range bufs {
			if errs[b] != nil {
				return errs[b]
			}
			if _, err := w.Write(bufs[b].Bytes()); err != nil {
				return err
			}
		}
	}
	return nil
}

// tableWidth is the terminal width the table is made to fit.
const tableWidth = 80

// outcomeWord is how the table says where a person stands, in t's language.
func (p person) outcomeWord(t *catalog.Printer) string {
	switch {
	case p.busy:
		return t.T("status-all.word.running")
	case p.outcome == wizard.Completed:
		return t.T("status-all.word.done")
	case p.outcome == wizard.Failed:
		return t.T("status-all.word.failed")
	case !p.started:
		return t.T("status-all.word.new")
	}
	return t.T("status-all.word.waiting")
}

// ranBy is who ran the last run, as short as still says who: the technician's name
// where one was given, else the OS account (without a Windows domain) and machine.
func ranBy(r *state.Runner) string {
	switch {
	case r == nil:
		return "-"
	case r.Technician != "":
		return r.Technician
	}
	u := r.OSUser
	if i := strings.LastIndexByte(u, '\\'); i >= 0 {
		u = u[i+1:]
	}
	switch {
	case u != "" && r.Machine != "":
		return u + "@" + r.Machine
	case u+r.Machine != "":
		return u + r.Machine
	}
	return "-"
}

// shortTime is ls -l's way with dates: month, day and time within the year of now,
// month, day and year before it; in now's zone, which is the computer's own. The
// layouts are text's: a language writes its dates its own way.
func shortTime(text *catalog.Printer, t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	t = t.In(now.Location())
	if t.Year() == now.Year() {
		return t.Format(text.T("status-all.time.this-year"))
	}
	return t.Format(text.T("status-all.time.other-year"))
}

// writeAllTable prints one line a person: USER, DONE (steps done of all), STATUS,
// WAITING ON (the step they are at), CHANGED and RAN BY, and with live LIVE (what the
// vendors said) in place of CHANGED, fitted to 80 columns by saying the domain everyone shares once, in
// the heading, and then by cutting the longest cells; then a line of totals, and
// with live every disagreement in full. Every cell comes from a state file (or a
// vendor), so each is sanitised and made one line.
func writeAllTable(w io.Writer, text *catalog.Printer, people []person, total int, now time.Time, live bool) error {
	if total == 0 {
		_, err := fmt.Fprintln(w, text.T("status-all.nobody"))
		return err
	}
	if len(people) == 0 {
		_, err := fmt.Fprintln(w, text.T("status-all.none-match", "Count", total))
		return err
	}
	header := []string{text.T("status-all.head.user"), text.T("status-all.head.done"), text.T("status-all.head.status"),
		text.T("status-all.head.waiting-on"), text.T("status-all.head.changed"), text.T("status-all.head.ran-by")}
	cut := []int{0, 5}
	if live {
		// In 80 columns there is no room for both: what the vendors say now matters
		// more here than when the record last changed.
		header = append(slices.Delete(header, 4, 5), text.T("status-all.head.live"))
		cut = []int{0, 4, 5}
	}
	rows := make([][]string, 0, len(people))
	var count struct{ done, waiting, failed, fresh int }
	for _, p := range people {
		at := p.at
		if at == "" {
			at = "-"
		}
		row := []string{
			sanitize.Inline(p.user),
			fmt.Sprintf("%d/%d", p.done, p.steps),
			p.outcomeWord(text),
			at,
			shortTime(text, p.updated, now),
			sanitize.Inline(ranBy(p.ran)),
		}
		if live {
			row = append(slices.Delete(row, 4, 5), p.live.word(text))
		}
		rows = append(rows, row)
		switch {
		case p.outcome == wizard.Completed:
			count.done++
		case p.outcome == wizard.Failed:
			count.failed++
		case !p.started:
			count.fresh++
		default:
			count.waiting++
		}
	}
	if lineWidth(fitColumns(header, rows, math.MaxInt)) > tableWidth {
		// A customer's people mostly share one domain: said once, it leaves the
		// addresses whole.
		if domain := sharedDomain(rows); domain != "" {
			header[0] = text.T("status-all.head.user-at", "Domain", domain)
			for _, r := range rows {
				r[0] = r[0][:len(r[0])-len(domain)]
			}
		}
	}
	widths := fitColumns(header, rows, tableWidth, cut...)
	if err := writeRow(w, header, widths); err != nil {
		return err
	}
	for _, r := range rows {
		if err := writeRow(w, r, widths); err != nil {
			return err
		}
	}
	who := text.T("status-all.who.all", "Count", len(people))
	if len(people) < total {
		who = text.T("status-all.who.some", "Shown", len(people), "Total", total)
	}
	totals := text.T("status-all.totals", "Who", who, "Done", count.done, "Waiting", count.waiting, "Failed", count.failed, "Fresh", count.fresh)
	if _, err := fmt.Fprintf(w, "\n%s\n", totals); err != nil || !live {
		return err
	}
	users := make([]string, len(people))
	results := make([]*liveResult, len(people))
	for i, p := range people {
		users[i], results[i] = p.user, p.live
	}
	return writeLiveLines(w, text, users, results)
}

// fitColumns is each column's width in runes: its widest cell, and when the line
// would be wider than limit, the columns cut (the address and the runner) shrink,
// the wider first, to no less than 12 runes each.
func fitColumns(header []string, rows [][]string, limit int, cut ...int) []int {
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = len([]rune(h))
	}
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	const least = 12
	for lineWidth(widths) > limit {
		widest := -1
		for _, i := range cut {
			if widths[i] > least && (widest < 0 || widths[i] > widths[widest]) {
				widest = i
			}
		}
		if widest < 0 {
			break
		}
		widths[widest]--
	}
	return widths
}

// lineWidth is how wide a line of columns of widths is, with their gaps.
func lineWidth(widths []int) int {
	n := 2 * (len(widths) - 1)
	for _, w := range widths {
		n += w
	}
	return n
}

// sharedDomain is the "@domain" every address in the first column ends in, in the
// same case, or "" when they do not all share one.
func sharedDomain(rows [][]string) string {
	domain := ""
	for i, r := range rows {
		at := strings.LastIndexByte(r[0], '@')
		if at <= 0 || i > 0 && r[0][at:] != domain {
			return ""
		}
		domain = r[0][at:]
	}
	return domain
}

// writeRow prints cells padded to widths, cutting a longer one with "…"; the last
// cell is not padded, so that no line ends in spaces.
func writeRow(w io.Writer, cells []string, widths []int) error {
	var b strings.Builder
	for i, c := range cells {
		r := []rune(c)
		if len(r) > widths[i] {
			c = string(r[:widths[i]-1]) + "…"
			r = r[:widths[i]]
		}
		b.WriteString(c)
		if i < len(cells)-1 {
			b.WriteString(strings.Repeat(" ", widths[i]-len(r)+2))
		}
	}
	b.WriteByte('\n')
	_, err := io.WriteString(w, b.String())
	return err
}
