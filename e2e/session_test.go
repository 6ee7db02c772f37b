//go:build linux || darwin

package e2e

import (
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	expect "github.com/Netflix/go-expect"
	"github.com/hinshun/vt10x"
	"golang.org/x/sys/unix"
)

const (
	// The window most people never enlarge: cmd.exe, PowerShell and Terminal.app open
	// at 80×24, and every screen, QR codes included, must work there.
	termCols, termRows = 80, 24
	// expectTimeout bounds every wait for the program: output, a prompt, an exit.
	expectTimeout = 15 * time.Second
	// Keys a person presses.
	keyEnter = "\r"
	keyDown  = "\x1b[B"
	keyCtrlC = "\x03"
	// tailBytes is how much unmatched output a failure shows.
	tailBytes = 2000
)

// session is one run of mfa-onboard in a pseudo-terminal. A go-expect console owns
// the pty; everything the program writes goes to a vt10x virtual screen (which
// answers survey's cursor-position queries, as a real terminal does) and to a plain
// text transcript that expectations match against, in order.
type session struct {
	t       *testing.T
	args    []string
	console *expect.Console
	vt      vt10x.Terminal
	reports *reportGate
	out     *transcript
	cmd     *exec.Cmd
	// mark is where the next expectation starts looking in the transcript.
	mark int
	// lang is what the screens say, when not English.
	lang *words
	// started is when the program started, keysAt when keys were last typed, and
	// asked the question (or end) drawn last: what drawn measures between.
	started, keysAt time.Time
	asked           string

	exited  chan struct{} // closed when the program has exited; then waitErr is set
	waitErr error
	drained chan struct{} // closed when all the program's output has been read
	ttyShut bool
}

// reportGate stands between the virtual terminal and the program's input for the
// terminal's answers to "where is the cursor?" (ESC [ 6 n), so that they and the
// keys typed never race.
//
// Before it reads the keys of a line (Input and Confirm prompts), survey asks the
// terminal twice where the cursor is and reads each answer with a throw-away
// buffer: keys that reach the program in the same read as, and after, an answer
// are lost. A check that the program has read an answer races with the kernel
// passing it on, so instead the answer to a question's last query is held back and
// sent right after the keys typed at that question, in one write: survey then
// finds the keys before the answer and keeps them.
type reportGate struct {
	mu      sync.Mutex
	console *expect.Console
	out     *transcript
	// queries are the transcript offsets at which the terminal was asked.
	queries []int
	held    []byte
}

// Write takes an answer from the virtual terminal, which writes one for each query
// as it reads it, and holds it.
func (g *reportGate) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.queries = append(g.queries, g.out.len())
	g.held = append(g.held, p...)
	return len(p), nil
}

// state counts the queries from transcript offset from on, and reports whether an
// answer is being held.
func (g *reportGate) state(from int) (asked int, holding bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.queriesIn(from, -1), len(g.held) > 0
}

// askedBetween counts the queries between transcript offsets from and to.
func (g *reportGate) askedBetween(from, to int) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.queriesIn(from, to)
}

func (g *reportGate) queriesIn(from, to int) int {
	n := 0
	for _, at := range g.queries {
		if at >= from && (to < 0 || at < to) {
			n++
		}
	}
	return n
}

// send writes keys, then any answer held, to the program in one write.
func (g *reportGate) send(keys string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	b := append([]byte(keys), g.held...)
	g.held = nil
	if len(b) == 0 {
		return nil
	}
	_, err := g.console.Write(b)
	return err
}

// start runs mfa-onboard with args in a new pseudo-terminal of termCols×termRows.
func (h *home) start(t *testing.T, args ...string) *session {
	t.Helper()
	s, _ := h.startIn(t, termCols, termRows, h.env(), args...)
	return s
}

// stop ends a session the test left running (it failed) and frees the pty.
func (s *session) stop() {
	select {
	case <-s.exited:
	default:
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
	s.drain()
	s.console.Close()
}

// drain closes this side's copy of the pty's terminal end once the program has
// exited, so that the reader gets the last output and then end of file.
func (s *session) drain() {
	if !s.ttyShut {
		s.ttyShut = true
		_ = s.console.Tty().Close()
	}
	select {
	case <-s.drained:
	case <-time.After(expectTimeout):
		s.t.Errorf("the program's output did not end %s after it exited", expectTimeout)
	}
}

// screen is the virtual terminal's text, without trailing blanks.
func (s *session) screen() string {
	lines := strings.Split(s.vt.String(), "\n")
	for i := range lines {
		lines[i] = strings.TrimRight(lines[i], " \x00")
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}

// fatalf fails the test with the virtual screen and the output not yet matched.
func (s *session) fatalf(format string, a ...any) {
	s.t.Helper()
	msg := fmt.Sprintf(format, a...)
	select {
	case <-s.exited:
		msg += fmt.Sprintf("\n(the program has exited: %s)", describeExit(s.waitErr))
	default:
	}
	rest := s.out.slice(s.mark, -1)
	if len(rest) > tailBytes {
		rest = "…" + rest[len(rest)-tailBytes:]
	}
	s.t.Fatalf("mfa-onboard %s: %s\n--- screen (%d×%d) ---\n%s\n--- output after the last expectation ---\n%s\n---",
		strings.Join(s.args, " "), msg, termCols, termRows, s.screen(), rest)
}

func describeExit(err error) string {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return fmt.Sprintf("exit code %d", exit.ExitCode())
	}
	if err != nil {
		return err.Error()
	}
	return "exit code 0"
}

// expectRe waits until re matches the output that follows the previous expectation,
// and returns the output before the match and the match's submatches. The next
// expectation starts after the match.
func (s *session) expectRe(re *regexp.Regexp) (before string, match []string) {
	s.t.Helper()
	deadline := time.NewTimer(expectTimeout)
	defer deadline.Stop()
	for {
		loc, grew := s.out.find(re, s.mark)
		if loc != nil {
			before = s.out.slice(s.mark, loc[0])
			for i := 0; i < len(loc); i += 2 {
				if loc[i] < 0 {
					match = append(match, "")
					continue
				}
				match = append(match, s.out.slice(loc[i], loc[i+1]))
			}
			s.mark = loc[1]
			return before, match
		}
		select {
		case <-grew:
		case <-s.exited:
			// Take in the last output, then look one more time.
			s.drain()
			if loc, _ := s.out.find(re, s.mark); loc != nil {
				continue
			}
			s.fatalf("the program ended without showing %q", re)
		case <-deadline.C:
			s.fatalf("%q did not appear within %s", re, expectTimeout)
		}
	}
}

// expect waits for text and returns the output between the previous expectation and it.
func (s *session) expect(text string) string {
	s.t.Helper()
	before, _ := s.expectRe(regexp.MustCompile(regexp.QuoteMeta(text)))
	return before
}

// onScreen fails unless the virtual screen shows text now.
func (s *session) onScreen(text string) {
	s.t.Helper()
	if !strings.Contains(s.screen(), text) {
		s.fatalf("the screen does not show %q", text)
	}
}

// How many times survey asks where the cursor is before it reads keys: twice for a
// line (Input and Confirm prompts), never for a menu (Select).
const (
	lineCursorQueries = 2
	menuCursorQueries = 0
)

// ask waits for a line question (Input or Confirm) and until it takes keys; it
// returns what was shown before the question.
func (s *session) ask(question string) string {
	s.t.Helper()
	return s.waitQuestion(question, lineCursorQueries)
}

// surveyQuestion is how survey starts drawing a question: "? " at the start of a line.
var surveyQuestion = regexp.MustCompile(`(?m)^\? \S`)

// askFirst is ask for a question that must be the first one since the previous
// expectation: it fails if anything else was asked in between.
func (s *session) askFirst(question string) string {
	s.t.Helper()
	from := s.mark
	before := s.ask(question)
	start := s.mark - len(question)
	if q := surveyQuestion.FindString(before); q != "" || s.reports.askedBetween(from, start) > 0 {
		s.fatalf("something was asked before %q:\n%s", question, before)
	}
	return before
}

// waitQuestion waits for question and then until the program waits for keys:
// survey has switched the terminal to raw mode (it does so just after drawing the
// question; a key pressed before that would be echoed, or Ctrl-C dropped) and has
// asked where the cursor is cursorQueries times, the last answer being held back
// (see reportGate).
func (s *session) waitQuestion(question string, cursorQueries int) string {
	s.t.Helper()
	before := s.expect(question)
	s.drawn(question)
	deadline := time.Now().Add(expectTimeout)
	for {
		asked, holding := s.reports.state(s.mark)
		if holding && asked < cursorQueries {
			// Not the last query yet: answer it so that survey goes on.
			if err := s.reports.send(""); err != nil {
				s.fatalf("answer the cursor-position query: %v", err)
			}
			holding = false
		}
		raw := s.rawMode()
		if raw && asked >= cursorQueries && holding == (cursorQueries > 0) {
			return before
		}
		if time.Now().After(deadline) {
			s.fatalf("the question %q did not wait for keys within %s (raw mode %v, %d of %d cursor queries, answer held %v)",
				question, expectTimeout, raw, asked, cursorQueries, holding)
		}
		select {
		case <-s.exited:
			s.drain()
			s.fatalf("the program ended at the question %q", question)
		case <-time.After(2 * time.Millisecond):
		}
	}
}

// rawMode reports whether the program has switched the terminal out of canonical
// (line by line) mode, as survey does while it waits for keys.
func (s *session) rawMode() bool {
	s.t.Helper()
	conn, err := s.console.Tty().SyscallConn()
	if err != nil {
		s.fatalf("read the terminal's mode: %v", err)
	}
	var tio *unix.Termios
	cerr := conn.Control(func(fd uintptr) { tio, err = unix.IoctlGetTermios(int(fd), ioctlGetTermios) })
	if err == nil {
		err = cerr
	}
	if err != nil {
		s.fatalf("read the terminal's mode: %v", err)
	}
	return tio.Lflag&unix.ICANON == 0
}

// press types keys, without Enter, at the question just asked. Survey reads the
// keys typed at a line question up to the first "R" as an answer to its cursor
// query, so they must not hold one.
func (s *session) press(keys string) {
	s.t.Helper()
	if _, holding := s.reports.state(s.mark); holding && strings.Contains(keys, "R") {
		s.fatalf("cannot type %q at a line question: survey would take the R for the end of a cursor report", keys)
	}
	if err := s.reports.send(keys); err != nil {
		s.fatalf("type %q: %v", keys, err)
	}
	s.keysAt = time.Now()
}

// answer types reply and Enter at question, and returns what was shown before the question.
func (s *session) answer(question, reply string) string {
	s.t.Helper()
	before := s.ask(question)
	s.reply(question, reply)
	return before
}

// reply types text and Enter at the question just asked, and waits for survey to
// show the answer after the question.
func (s *session) reply(question, text string) {
	s.t.Helper()
	s.press(text + keyEnter)
	s.expectRe(regexp.MustCompile(regexp.QuoteMeta(question) + `.*` + regexp.QuoteMeta(text) + `\n`))
}

// confirm presses Enter at a yes/no question whose default is yes, and returns what
// was shown before the question.
func (s *session) confirm(question string) string {
	s.t.Helper()
	before := s.ask(question)
	s.accept(question)
	return before
}

// accept presses Enter at the yes/no question just asked, taking its default yes.
func (s *session) accept(question string) {
	s.t.Helper()
	s.press(keyEnter)
	s.expectRe(regexp.MustCompile(regexp.QuoteMeta(question) + `.*` + s.words().yes + `\n`))
}

// choose picks option (one of options, in the order the menu shows them) at a menu
// question with the arrow keys and Enter, and checks survey shows it as the answer.
func (s *session) choose(question string, options []string, option string) {
	s.t.Helper()
	idx := -1
	for i, o := range options {
		if o == option {
			idx = i
		}
	}
	if idx < 0 {
		s.t.Fatalf("%q is not one of the options %q", option, options)
	}
	s.waitQuestion(question, menuCursorQueries)
	s.press(strings.Repeat(keyDown, idx) + keyEnter)
	// The answer is drawn after the question, where the menu showed its hint.
	s.expectRe(regexp.MustCompile(regexp.QuoteMeta(question) + ` *` + regexp.QuoteMeta(option) + `\n`))
}

// exit waits for the program to end and returns its exit code.
func (s *session) exit() int {
	s.t.Helper()
	select {
	case <-s.exited:
	case <-time.After(expectTimeout):
		s.fatalf("the program did not exit within %s", expectTimeout)
	}
	s.drain()
	var exit *exec.ExitError
	switch {
	case s.waitErr == nil:
		return 0
	case errors.As(s.waitErr, &exit) && exit.ExitCode() >= 0:
		return exit.ExitCode()
	}
	s.fatalf("the program did not exit normally: %v", s.waitErr)
	return -1
}

// wantExit waits for the program to end with code.
func (s *session) wantExit(code int) {
	s.t.Helper()
	if got := s.exit(); got != code {
		s.fatalf("exit code %d, want %d", got, code)
	}
}
