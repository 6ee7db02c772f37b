package batch

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/screen"
)

// Meter is one vendor's count of requests sent so far, for the live display.
type Meter struct {
	Name  string
	Count func() int64
}

// rateWindow is how far back the displayed request rate looks.
const rateWindow = 5 * time.Second

// Live is the display a terminal shows while a batch runs: the counts by status and
// each vendor's current request rate, redrawn in place (github.com/vbauerster/mpb),
// with the rows that need someone's attention (failed, skipped) printed above it.
type Live struct {
	p      *mpb.Progress
	people *mpb.Bar
	rates  *mpb.Bar
	team   *mpb.Bar

	mu     sync.Mutex
	counts Summary
	meters []*rate
	now    func() time.Time
	start  time.Time
	// width is the terminal's, for the rows shown above the display.
	width int
	text  *catalog.Printer
}

// rate turns a meter's running count into requests per second over rateWindow.
type rate struct {
	m       Meter
	samples []sample
}

type sample struct {
	at time.Time
	n  int64
}

// NewLive starts the display on w, a terminal, in text's language (nil: English).
// (On anything else it is drawn all the same, at every refresh, which is what its
// test reads.)
func NewLive(w io.Writer, file string, meters []Meter, text *catalog.Printer) *Live {
	l := &Live{counts: Summary{Counts: map[Status]int{}}, now: time.Now, start: time.Now(), text: text}
	for _, m := range meters {
		l.meters = append(l.meters, &rate{m: m})
	}
	l.p = mpb.New(mpb.WithOutput(w), mpb.WithRefreshRate(250*time.Millisecond), mpb.WithWidth(80), mpb.WithAutoRefresh())
	l.people = l.p.New(0, mpb.NopStyle(), mpb.PrependDecorators(
		decor.Any(func(decor.Statistics) string { return file + "  " + l.elapsed() + "  " + l.tally() }),
	))
	if len(l.meters) > 0 {
		l.rates = l.p.New(0, mpb.NopStyle(), mpb.PrependDecorators(
			decor.Any(func(decor.Statistics) string { return l.rateLine() }),
		))
	}
	return l
}

func (l *Live) elapsed() string {
	d := l.now().Sub(l.start).Round(time.Second)
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

func (l *Live) tally() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.text.T("batch.live.tally", "Count", l.counts.Rows, "Tally", Tally(l.text, l.counts))
}

func (l *Live) rateLine() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	parts := make([]string, 0, len(l.meters))
	for _, r := range l.meters {
		parts = append(parts, fmt.Sprintf("%s %.1f/s", r.m.Name, r.at(now)))
	}
	return l.text.T("batch.live.requests", "Rates", strings.Join(parts, " · "))
}

// at records the meter's count now and returns the rate over the last rateWindow.
func (r *rate) at(now time.Time) float64 {
	n := r.m.Count()
	r.samples = append(r.samples, sample{at: now, n: n})
	cut := 0
	for cut < len(r.samples)-1 && now.Sub(r.samples[cut].at) > rateWindow {
		cut++
	}
	r.samples = r.samples[cut:]
	first := r.samples[0]
	secs := now.Sub(first.at).Seconds()
	if secs <= 0 {
		return 0
	}
	return float64(n-first.n) / secs
}

// Team adds a line for a batch the team shares: how many of the customer's batches
// share each vendor's limit now, as parts says.
func (l *Live) Team(parts func() int) *Live {
	l.team = l.p.New(0, mpb.NopStyle(), mpb.PrependDecorators(
		decor.Any(func(decor.Statistics) string {
			if n := parts(); n > 1 {
				return l.text.T("batch.live.team-shared", "Count", n)
			}
			return l.text.T("batch.live.team-alone")
		}),
	))
	return l
}

// Result counts res, and prints it above the display when someone must act on it.
func (l *Live) Result(res Result) {
	l.mu.Lock()
	l.counts.Rows++
	l.counts.Counts[res.Status]++
	l.mu.Unlock()
	if res.Status == Failed || res.Status == Skipped {
		for _, line := range screen.WrapLong(Describe(l.text, res), l.width, "", "    ") {
			fmt.Fprintln(l.p, line)
		}
	}
}

// Wrapped makes the rows shown above the display break between words to fit width
// columns, the terminal's.
func (l *Live) Wrapped(width int) *Live {
	l.width = width
	return l
}

// Close draws the display one last time and gives the terminal back.
func (l *Live) Close() {
	l.people.SetTotal(-1, true)
	for _, b := range []*mpb.Bar{l.rates, l.team} {
		if b != nil {
			b.SetTotal(-1, true)
		}
	}
	l.p.Wait()
}
