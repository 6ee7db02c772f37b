// Package screen is what steps write to: headings, guidance, QR codes, waits and the
// demo phone. It writes to the terminal's stderr, never to stdout, which is kept for
// results; tests give it a buffer.
//
// Everything a Screen prints passes through internal/sanitize first, whoever made
// it: the organisation's name from config, a reason saved in a state file and a
// service's answer all reach these methods as plain arguments. The only escape
// sequences on screen are the ones the Screen writes itself: the QR code's colours,
// the countdown's redrawn line and the clearing of the window before a redraw.
package screen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/qr"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

// Screen writes human output.
type Screen struct {
	w     io.Writer
	size  func() (qr.Size, bool)
	tty   bool
	plain bool
	style qr.Style
	enter func() <-chan struct{}
	text  *catalog.Printer
	// resizePoll is how often a question beside a QR code looks at the window size.
	resizePoll time.Duration
}

// Options say what kind of output this is.
type Options struct {
	// Size returns the terminal's size; ok is false when there is no terminal (or it
	// cannot show a QR code).
	Size func() (size qr.Size, ok bool)
	// TTY allows redrawing a line in place (countdowns).
	TTY bool
	// Plain is the accessible screen (screen readers, TERM=dumb): no redrawn lines,
	// no QR art, no box drawing; everything is said in words.
	Plain bool
	// NoColour draws QR codes without colours (NO_COLOR).
	NoColour bool
	// Enter reports Enter pressed while nothing is asked, so a wait can be cut short.
	Enter func() <-chan struct{}
	// Text is the catalogue in the person's language (nil: English).
	Text *catalog.Printer
}

// New returns a screen writing to w.
func New(w io.Writer, o Options) *Screen {
	if o.Size == nil {
		o.Size = func() (qr.Size, bool) { return qr.Size{}, false }
	}
	s := &Screen{w: w, size: o.Size, tty: o.TTY && !o.Plain, plain: o.Plain, enter: o.Enter, resizePoll: 250 * time.Millisecond, text: o.Text}
	if o.NoColour {
		s.style = qr.Plain
	}
	return s
}

// Plain reports whether this is the accessible, words-only screen.
func (s *Screen) Plain() bool { return s.plain }

// width is the window's width for wrapping text, or 0 when there is no window.
func (s *Screen) width() int {
	if size, ok := s.size(); ok && size.Cols > 0 {
		return size.Cols
	}
	return 0
}

// Heading starts a step: its number and title, and, when only some providers are
// stand-ins, that this step's are.
func (s *Screen) Heading(n, total int, title string, demo bool) {
	heading := sanitize.Inline(s.text.T("screen.heading", "N", n, "Total", total, "Title", title))
	if s.plain {
		fmt.Fprintf(s.w, "\n%s\n", heading)
	} else {
		fmt.Fprintf(s.w, "\n── %s ──\n", heading)
	}
	if demo {
		s.write("   ", "   ", s.text.T("screen.demo-step"))
	}
	fmt.Fprintln(s.w)
}

// Say writes one paragraph, wrapped at the window's width.
func (s *Screen) Say(format string, a ...any) {
	s.write("", "", fmt.Sprintf(format, a...))
}

// Steps writes a numbered list of things to do.
func (s *Screen) Steps(items ...string) { s.StepsFrom(1, items...) }

// StepsFrom writes a numbered list that continues an earlier one at number first.
func (s *Screen) StepsFrom(first int, items ...string) {
	for i, it := range items {
		num := fmt.Sprintf("  %d. ", first+i)
		s.write(num, strings.Repeat(" ", len(num)), it)
	}
}

// Blank writes an empty line.
func (s *Screen) Blank() { fmt.Fprintln(s.w) }

// OK reports something that worked.
func (s *Screen) OK(format string, a ...any) {
	mark := "✔ "
	if s.plain {
		mark = s.text.T("screen.mark.done") + " "
	}
	s.write(mark, "  ", fmt.Sprintf(format, a...))
}

// Problem reports something that did not work and what to do.
func (s *Screen) Problem(format string, a ...any) {
	mark := "✘ "
	if s.plain {
		mark = s.text.T("screen.mark.problem") + " "
	}
	s.write(mark, "  ", fmt.Sprintf(format, a...))
}

// write wraps text at the window's width on word boundaries: first starts the first
// line, indent the others. It is the funnel of Say, OK, Problem and StepsFrom: text
// is sanitised here, after formatting, so an argument cannot bring in what the
// format string does not hold.
func (s *Screen) write(first, indent, text string) {
	for _, line := range Wrap(sanitize.Text(text), s.width(), first, indent) {
		fmt.Fprintln(s.w, line)
	}
}

// Wrap breaks text into lines of at most width cells on word boundaries (a word longer
// than a line, such as a link, gets a line of its own and is never cut); first starts
// the first line and indent the others. Width 0 means no wrapping. Line breaks in text
// are kept.
func Wrap(text string, width int, first, indent string) []string {
	var out []string
	prefix := first
	for _, para := range strings.Split(text, "\n") {
		// A paragraph's own indentation (a command set apart) is kept.
		lead := para[:len(para)-len(strings.TrimLeft(para, " "))]
		line := prefix + lead
		n := cells(line)
		empty := true
		for _, word := range strings.Fields(para) {
			wn := cells(word)
			if !empty && width > 0 && n+1+wn > width {
				out = append(out, line)
				line, n, empty = indent, cells(indent), true
			}
			if !empty {
				line += " "
				n++
			}
			line += word
			n += wn
			empty = false
		}
		out = append(out, strings.TrimRight(line, " "))
		prefix = indent
	}
	return out
}

// WrapLong is Wrap for text laid out with spaces of its own (columns, a log line): a
// line that fits in width, or any line when width is 0, is kept as it is, and only
// a longer one is broken between words.
func WrapLong(text string, width int, first, indent string) []string {
	var out []string
	prefix := first
	for _, para := range strings.Split(text, "\n") {
		if width == 0 || cells(prefix+para) <= width {
			out = append(out, prefix+para)
		} else {
			out = append(out, Wrap(para, width, prefix, indent)...)
		}
		prefix = indent
	}
	return out
}

// cells counts the terminal cells text takes: one a rune, which holds for the text
// this tool writes (no wide characters in its own sentences).
func cells(s string) int { return len([]rune(s)) }

// CountdownText is what a countdown says, each a whole sentence in the person's
// language: Left with the seconds left, on a plain line now and then; Short with
// them, on the one line a terminal redraws every second; Over once the wait is over.
type CountdownText struct {
	Left, Short func(seconds int) string
	Over        string
}

// Countdown waits for d, showing the time left, unless ctx ends first. Keys typed
// meanwhile are not answers (the keyboard drops them).
func (s *Screen) Countdown(ctx context.Context, c clock.Clock, d time.Duration, text CountdownText) error {
	end := c.Now().Add(d)
	if !s.tty {
		// A screen reader or a log gets a plain line now and then, not a redrawn one.
		for {
			left := end.Sub(c.Now())
			if left <= 0 {
				fmt.Fprintln(s.w, sanitize.Inline(text.Over))
				return nil
			}
			fmt.Fprintln(s.w, sanitize.Inline(text.Left(secondsLeft(left))))
			step := min(left, 10*time.Second)
			if err := c.Sleep(ctx, step); err != nil {
				return err
			}
		}
	}
	for {
		left := end.Sub(c.Now())
		if left <= 0 {
			fmt.Fprintf(s.w, "\r\x1b[K")
			return nil
		}
		// The line is redrawn: a line break in it would leave copies.
		fmt.Fprintf(s.w, "\r\x1b[K%s", sanitize.Inline(text.Short(secondsLeft(left))))
		step := left % time.Second
		if step == 0 {
			step = time.Second
		}
		if err := c.Sleep(ctx, step); err != nil {
			fmt.Fprintln(s.w)
			return err
		}
	}
}

// Wait pauses for d between two looks at a service, unless ctx ends first (its error)
// or the person presses Enter to look now (nil, early).
func (s *Screen) Wait(ctx context.Context, c clock.Clock, d time.Duration) error {
	if s.enter == nil {
		return c.Sleep(ctx, d)
	}
	outer := ctx
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	go func() {
		select {
		case <-s.enter():
			cancel(errLookNow)
		case <-ctx.Done():
		}
	}()
	err := c.Sleep(ctx, d)
	if err != nil && outer.Err() == nil && errors.Is(context.Cause(ctx), errLookNow) {
		return nil
	}
	return err
}

// errLookNow ends a wait early because the person pressed Enter.
// untranslated: it never leaves the wait it ends.
var errLookNow = errors.New("the person asked to look now")

func secondsLeft(d time.Duration) int {
	return int((d + time.Second - 1) / time.Second)
}

// PhoneMessage shows what the demo phone just received.
func (s *Screen) PhoneMessage(channel, to, text string) {
	channel, to = sanitize.Inline(channel), sanitize.Inline(to)
	email := channel == "email"
	if s.plain {
		said := s.text.T("screen.demo.phone.plain", "Channel", channel, "To", to, "Text", text)
		if email {
			said = s.text.T("screen.demo.outbox.plain", "Channel", channel, "To", to, "Text", text)
		}
		s.write("", "", said)
		return
	}
	top := s.text.T("screen.demo.phone.top", "Channel", channel, "To", to)
	if email {
		top = s.text.T("screen.demo.outbox.top", "Channel", channel, "To", to)
	}
	fmt.Fprintf(s.w, "\n  ┌─ %s\n", sanitize.Inline(top))
	width := s.width()
	if width > 0 {
		width--
	}
	for _, line := range Wrap(sanitize.Text(text), width, "  │ ", "  │ ") {
		fmt.Fprintln(s.w, line)
	}
	fmt.Fprintf(s.w, "  └─\n\n")
}

// Clean removes control and format characters (escape sequences, bidi overrides)
// from text that came from outside, so a service's answer cannot rewrite the
// terminal; line breaks and tabs are kept. It is sanitize.Text, for code that prints
// without a Screen.
func Clean(s string) string { return sanitize.Text(s) }
