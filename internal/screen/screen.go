// Package screen is what steps write to: headings, guidance, QR codes, countdowns and
// the demo phone. It writes to the terminal's stderr, never to stdout, which is kept
// for results; tests give it a buffer.
package screen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/qr"
)

// Screen writes human output.
type Screen struct {
	w    io.Writer
	size func() (qr.Size, bool)
	tty  bool
}

// Options say what kind of output this is.
type Options struct {
	// Size returns the terminal's size; ok is false when there is no terminal.
	Size func() (size qr.Size, ok bool)
	// TTY allows redrawing a line in place (countdowns).
	TTY bool
}

// New returns a screen writing to w.
func New(w io.Writer, o Options) *Screen {
	if o.Size == nil {
		o.Size = func() (qr.Size, bool) { return qr.Size{}, false }
	}
	return &Screen{w: w, size: o.Size, tty: o.TTY}
}

// Heading starts a step: its number, title and, in the demo, the reminder that nothing is sent;
// demo says whether this step's providers are stand-ins.
func (s *Screen) Heading(n, total int, title string, demo bool) {
	fmt.Fprintf(s.w, "\n── Step %d of %d: %s ──\n", n, total, title)
	if demo {
		fmt.Fprintln(s.w, "   [DEMO: nothing is sent; texts and pushes go to the demo phone shown here]")
	}
	fmt.Fprintln(s.w)
}

// Say writes one paragraph.
func (s *Screen) Say(format string, a ...any) {
	fmt.Fprintf(s.w, format+"\n", a...)
}

// Steps writes a numbered list of things to do.
func (s *Screen) Steps(items ...string) { s.StepsFrom(1, items...) }

// StepsFrom writes a numbered list that continues an earlier one at number first.
func (s *Screen) StepsFrom(first int, items ...string) {
	for i, it := range items {
		fmt.Fprintf(s.w, "  %d. %s\n", first+i, it)
	}
}

// Blank writes an empty line.
func (s *Screen) Blank() { fmt.Fprintln(s.w) }

// OK reports something that worked.
func (s *Screen) OK(format string, a ...any) {
	fmt.Fprintf(s.w, "✔ "+format+"\n", a...)
}

// Problem reports something that did not work and what to do.
func (s *Screen) Problem(format string, a ...any) {
	fmt.Fprintf(s.w, "✘ "+format+"\n", a...)
}

// QR shows link as a QR code when the terminal can hold it whole, then always the link
// as text. It reports whether the code was shown.
func (s *Screen) QR(link string) bool {
	shown := false
	if size, ok := s.size(); ok {
		err := qr.Render(s.w, link, size, 4)
		var small *qr.TooSmallError
		switch {
		case err == nil:
			shown = true
		case errors.As(err, &small):
			fmt.Fprintf(s.w, "(%v)\n", err)
		default:
			fmt.Fprintf(s.w, "(the QR code could not be drawn: %v)\n", err)
		}
	} else {
		fmt.Fprintln(s.w, "(a QR code cannot be drawn here: use the link)")
	}
	fmt.Fprintf(s.w, "Link: %s\n", Clean(link))
	return shown
}

// Countdown waits for d, showing the seconds left, unless ctx ends first.
func (s *Screen) Countdown(ctx context.Context, c clock.Clock, d time.Duration, label string) error {
	end := c.Now().Add(d)
	if !s.tty {
		fmt.Fprintf(s.w, "%s in %d s…\n", label, secondsLeft(end.Sub(c.Now())))
		return c.Sleep(ctx, d)
	}
	for {
		left := end.Sub(c.Now())
		if left <= 0 {
			fmt.Fprintf(s.w, "\r\x1b[K")
			return nil
		}
		fmt.Fprintf(s.w, "\r\x1b[K%s in %d s… (Ctrl-C to stop)", label, secondsLeft(left))
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

func secondsLeft(d time.Duration) int {
	return int((d + time.Second - 1) / time.Second)
}

// PhoneMessage shows what the demo phone just received.
func (s *Screen) PhoneMessage(channel, to, text string) {
	where := "demo phone"
	if channel == "email" {
		where = "demo outbox"
	}
	fmt.Fprintf(s.w, "\n  ┌─ %s: %s to %s\n", where, channel, to)
	for _, line := range strings.Split(Clean(text), "\n") {
		fmt.Fprintf(s.w, "  │ %s\n", line)
	}
	fmt.Fprintf(s.w, "  └─\n\n")
}

// Clean removes control characters (escape sequences included) from text that came
// from outside, so a service's answer cannot rewrite the terminal.
func Clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}
