package prompt

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"

	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
	"github.com/mfa-onboard/mfa-onboard/internal/screen"
)

// Line asks one plain line at a time: no cursor movement and no colours, so it works
// with screen readers, Git Bash (mintty), TERM=dumb and piped input.
type Line struct {
	lines chan lineRead
	out   io.Writer
	// keys is set when in is a terminal's keyboard: each question then starts afresh,
	// and a line typed ahead during the previous one is not taken as its answer.
	keys Asker
	// width is the window's width for wrapping help (0: none), so a long line does
	// not break mid-word in a terminal.
	width func() int
	text  *catalog.Printer
}

// WithText makes the prompter speak p's language (nil: English).
func (l *Line) WithText(p *catalog.Printer) *Line {
	l.text = p
	return l
}

// WithWidth wraps the help and the questions at the width width reports.
func (l *Line) WithWidth(width func() int) *Line {
	l.width = width
	return l
}

func (l *Line) say(text string) {
	w := 0
	if l.width != nil {
		w = l.width()
	}
	for _, line := range screen.Wrap(sanitize.Text(text), w, "", "") {
		fmt.Fprintln(l.out, line)
	}
}

type lineRead struct {
	text string
	at   time.Time
	err  error
}

// NewLine returns a line prompter reading answers from in and writing questions to out.
// When in is a keyboard (an Asker), only lines typed at the question asked count.
func NewLine(in io.Reader, out io.Writer) *Line {
	l := &Line{lines: make(chan lineRead), out: out}
	l.keys, _ = in.(Asker)
	// Reading happens in its own goroutine so that a cancelled context (Ctrl-C) can end
	// a question even while the read is blocked.
	go func() {
		r := bufio.NewReader(in)
		for {
			s, err := r.ReadString('\n')
			if s != "" || err == nil {
				l.lines <- lineRead{text: strings.TrimRight(s, "\r\n"), at: time.Now()}
			}
			if err != nil {
				l.lines <- lineRead{err: err, at: time.Now()}
				return
			}
		}
	}()
	return l
}

func (l *Line) read(ctx context.Context) (string, error) {
	since := time.Now()
	if l.keys != nil {
		end := l.keys.Ask()
		defer end()
	}
	for {
		select {
		case <-ctx.Done():
			return "", Stopped(ctx)
		case r := <-l.lines:
			if r.err != nil {
				// End of input means nobody is left to answer; treat it like Ctrl-C so the
				// state is saved and the run can be resumed.
				return "", ErrInterrupted
			}
			if l.keys != nil && r.at.Before(since) {
				continue
			}
			return strings.TrimSpace(r.text), nil
		}
	}
}

func (l *Line) ask(ctx context.Context, q Question, suffix string) (string, error) {
	if q.Help != "" {
		l.say("(" + q.Help + ")")
	}
	// The question is one line: the answer is typed after it. The suffix is this
	// file's own, and a default in it has been through offered.
	fmt.Fprintf(l.out, "%s%s: ", sanitize.Inline(q.Message), suffix)
	return l.read(ctx)
}

// offered is the default an Input shows and takes on Enter. A default holding a
// character the terminal would act on or not show is not offered at all: shown
// sanitised, Enter would answer with a value other than the one displayed, and an
// address or number so changed would be saved as the person's.
func offered(def string) string {
	if sanitize.Inline(def) != def {
		return ""
	}
	return def
}

// Input asks for free text until validate accepts it.
func (l *Line) Input(ctx context.Context, q Question, validate func(string) error) (string, error) {
	q.Default = offered(q.Default)
	suffix := ""
	if q.Default != "" {
		suffix = " [" + q.Default + "]"
	}
	for {
		ans, err := l.ask(ctx, q, suffix)
		if err != nil {
			return "", err
		}
		if ans == "" {
			ans = q.Default
		}
		if validate != nil {
			if verr := validate(ans); verr != nil {
				l.say(l.text.T("prompt.line.refused", "Reason", verr))
				continue
			}
		}
		return ans, nil
	}
}

// Select lists numbered options and reads a number.
func (l *Line) Select(ctx context.Context, q Question, opts []Option) (string, error) {
	def := ""
	for i, o := range opts {
		fmt.Fprintf(l.out, "  %d) %s\n", i+1, sanitize.Inline(o.Label))
		if o.Value == q.Default {
			def = strconv.Itoa(i + 1)
		}
	}
	suffix := fmt.Sprintf(" (1-%d)", len(opts))
	if def != "" {
		suffix += " [" + def + "]"
	}
	for {
		ans, err := l.ask(ctx, q, suffix)
		if err != nil {
			return "", err
		}
		if ans == "" {
			ans = def
		}
		n, convErr := strconv.Atoi(ans)
		if convErr == nil && n >= 1 && n <= len(opts) {
			return opts[n-1].Value, nil
		}
		fmt.Fprintln(l.out, l.text.T("prompt.line.pick-number", "Max", len(opts)))
	}
}

// Confirm reads yes or no, in the person's language or in English.
func (l *Line) Confirm(ctx context.Context, q Question) (bool, error) {
	suffix := " " + confirmHint(l.text, q.Default != "no")
	for {
		ans, err := l.ask(ctx, q, suffix)
		if err != nil {
			return false, err
		}
		if ans == "" {
			return q.Default != "no", nil
		}
		if yes, ok := parseYesNo(l.text, ans); ok {
			return yes, nil
		}
		fmt.Fprintln(l.out, l.text.T("prompt.confirm.type-yes-no"))
	}
}
