//go:build linux || darwin

package e2e

import (
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	expect "github.com/Netflix/go-expect"
	"github.com/creack/pty"
	"github.com/hinshun/vt10x"
	"github.com/pquerna/otp"

	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
)

// rawLog keeps every byte the program wrote, escape sequences included: the
// transcript drops them, and some tests are about them.
type rawLog struct {
	mu sync.Mutex
	b  []byte
}

func (r *rawLog) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.b = append(r.b, p...)
	return len(p), nil
}

func (r *rawLog) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return string(r.b)
}

// startIn is h.start in a window of cols×rows with the environment env, also
// keeping the raw output. The session's failure messages still say 80×24.
func (h *home) startIn(t *testing.T, cols, rows int, env []string, args ...string) (*session, *rawLog) {
	t.Helper()
	out := newTranscript()
	raw := &rawLog{}
	reports := &reportGate{out: out}
	vt := vt10x.New(vt10x.WithSize(cols, rows), vt10x.WithWriter(reports))
	console, err := expect.NewConsole(expect.WithStdout(vt, out, raw))
	if err != nil {
		t.Fatalf("open a pseudo-terminal: %v", err)
	}
	reports.console = console
	if err := pty.Setsize(console.Tty(), &pty.Winsize{Rows: uint16(rows), Cols: uint16(cols)}); err != nil {
		console.Close()
		t.Fatalf("set the pseudo-terminal's size: %v", err)
	}
	s := &session{
		t: t, args: args, console: console, vt: vt, reports: reports, out: out,
		exited: make(chan struct{}), drained: make(chan struct{}),
	}
	s.cmd = exec.Command(binary, args...)
	s.cmd.Env = env
	s.cmd.Stdin, s.cmd.Stdout, s.cmd.Stderr = console.Tty(), console.Tty(), console.Tty()
	// Read the program's output all the time, so that it never blocks on a full pty
	// and the screen is always up to date; this ends once the pty is closed.
	go func() {
		defer close(s.drained)
		_, _ = console.Expect(expect.EOF, expect.PTSClosed)
	}()
	s.started = time.Now()
	if err := s.cmd.Start(); err != nil {
		console.Close()
		t.Fatalf("start %s: %v", binary, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(s.stop)
	return s, raw
}

// resize is the person dragging the window's corner: the screen first, then the
// size the program reads, as a terminal emulator does it.
func (s *session) resize(cols, rows int) {
	s.t.Helper()
	s.vt.Resize(cols, rows)
	if err := pty.Setsize(s.console.Tty(), &pty.Winsize{Rows: uint16(rows), Cols: uint16(cols)}); err != nil {
		s.fatalf("resize the pseudo-terminal to %d×%d: %v", cols, rows, err)
	}
}

// writeConfig writes the organisation's config.yaml into the home folder.
func (h *home) writeConfig(t *testing.T, yaml string) {
	t.Helper()
	if err := os.MkdirAll(h.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.dir, "config.yaml"), []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
}

// lineSettle covers the moment between the keyboard giving the terminal back its
// line mode and it starting to hand keys on: there is nothing to see from outside.
const lineSettle = 30 * time.Millisecond

// askLine waits for a question of the plain line prompter ("Message (hint): ") and
// until it reads keys: between questions the keyboard keeps the terminal out of
// line mode and drops what is typed, and a question puts line mode back.
func (s *session) askLine(question string) string {
	s.t.Helper()
	before, _ := s.expectRe(regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(question) + `[^\n]*: `))
	deadline := time.Now().Add(expectTimeout)
	for s.rawMode() {
		if time.Now().After(deadline) {
			s.fatalf("the question %q did not wait for a line within %s", question, expectTimeout)
		}
		select {
		case <-s.exited:
			s.drain()
			s.fatalf("the program ended at the question %q", question)
		case <-time.After(2 * time.Millisecond):
		}
	}
	time.Sleep(lineSettle)
	return before
}

// lineReply types text and Enter at the line question just asked and waits for the
// terminal's echo of it.
func (s *session) lineReply(text string) {
	s.t.Helper()
	s.press(text + keyEnter)
	s.expectRe(regexp.MustCompile(`^` + regexp.QuoteMeta(text) + `\n`))
}

func (s *session) lineAnswer(question, text string) string {
	s.t.Helper()
	before := s.askLine(question)
	s.lineReply(text)
	return before
}

// releaseReport gives survey the cursor report the harness holds back, as a real
// terminal would have at once, and lets it reach its key loop: needed before
// anything happens at a question that is not a key typed (a resize), and to see
// what survey does with keys it already has.
func (s *session) releaseReport() {
	s.t.Helper()
	s.press("")
	time.Sleep(200 * time.Millisecond)
}

// overwide lists the lines wider than cols cells as the terminal lays them out:
// carriage returns and cursor moves (survey redraws its question in place) are
// followed, and a line is too wide when a character lands past the last column.
// Lines starting with the link label are exempt: links are never wrapped; so is a
// line of one word (a long path), which the product puts on a line of its own
// rather than cut.
func overwide(raw string, cols int, link string) []string {
	var bad []string
	var line []rune
	col, saved, over := 0, 0, false
	put := func(r rune) {
		if col >= cols {
			over = true
		}
		for len(line) <= col {
			line = append(line, ' ')
		}
		line[col] = r
		col++
	}
	flush := func() {
		text := strings.TrimRight(string(line), " ")
		oneWord := len(strings.Fields(text)) == 1
		if over && !strings.HasPrefix(text, link) && !oneWord {
			bad = append(bad, fmt.Sprintf("%d cells: %q", len(line), text))
		}
		line, col, over = nil, 0, false
	}
	num := func(params string, i, def int) int {
		f := strings.Split(params, ";")
		if i >= len(f) {
			return def
		}
		n, err := strconv.Atoi(strings.TrimLeft(f[i], "?"))
		if err != nil || n == 0 {
			return def
		}
		return n
	}
	for i := 0; i < len(raw); {
		r, size := utf8.DecodeRuneInString(raw[i:])
		if r == 0x1b && i+1 < len(raw) {
			switch raw[i+1] {
			case '[':
				j := i + 2
				for j < len(raw) && (raw[j] < 0x40 || raw[j] > 0x7e) {
					j++
				}
				if j == len(raw) {
					return bad
				}
				params := raw[i+2 : j]
				switch raw[j] {
				case 'G':
					col = num(params, 0, 1) - 1
				case 'C':
					col += num(params, 0, 1)
				case 'D':
					col = max(0, col-num(params, 0, 1))
				case 'H', 'f':
					col = num(params, 1, 1) - 1
				}
				i = j + 1
			case '7':
				saved, i = col, i+2
			case '8':
				col, i = saved, i+2
			default:
				i += 2
			}
			continue
		}
		switch {
		case r == '\n':
			flush()
		case r == '\r':
			col = 0
		case r == '\b':
			col = max(0, col-1)
		case r >= 0x20 && r != 0x7f:
			put(r)
		}
		i += size
	}
	flush()
	return bad
}

// procedure is one person going through the demo in the terminal, over as many runs
// as it takes.
type procedure struct {
	h *home
	s *session
	// kind and mail are the person's phone and mail app, as the menus name them.
	kind, mail string
	// key is the Duo Mobile entry the person added from the activation QR code.
	key *otp.Key
	// asked, if set, looks at the screen whenever a question waits for keys.
	asked func(question string)
	// pause leaves the run waiting at the stop step's first question instead of
	// pressing Ctrl-C there.
	pause bool
}

// walk answers every question from step from on. At step stop's first question
// it presses Ctrl-C instead and waits for the run to end with 130 (or, with pause,
// leaves it waiting there). With resumed, the run is a later one: nothing may be
// asked before from's first question, and what the run showed before it is returned.
func (p *procedure) walk(from, stop string, resumed bool) (shown string) {
	s := p.s
	started, from0 := false, s.mark
	// at waits for question of step id; false means the run was stopped there.
	at := func(id, question string, menu bool) bool {
		s.t.Helper()
		if menu {
			s.waitQuestion(question, menuCursorQueries)
		} else {
			s.ask(question)
		}
		if resumed && id == from {
			// Everything since the run started, up to the question's own "? ".
			shown = s.out.slice(from0, s.mark-len(question))
			if q := surveyQuestion.FindString(shown); q != "" {
				s.fatalf("the resumed run asked something before %q:\n%s", question, shown)
			}
		}
		if p.asked != nil {
			p.asked(question)
		}
		if id != stop {
			return true
		}
		if p.pause {
			return false
		}
		s.press(keyCtrlC)
		s.expect("mfa-onboard start")
		s.wantExit(130)
		return false
	}
	for _, id := range stepIDs {
		started = started || id == from
		if !started {
			continue
		}
		switch id {
		case "phone":
			if !at(id, qMobile, false) {
				return
			}
			s.reply(qMobile, mobile)
			s.ask(qSendCodes)
			p.seen(qSendCodes)
			s.accept(qSendCodes)
		case "verify":
			if !at(id, qTextCode, false) {
				return
			}
			s.reply(qTextCode, p.h.lastSMSCode(s.t))
			s.expect("That is the right code")
		case "notify-support":
			// Nothing is asked: the support desk is told on the way to office-apps.
		case "office-apps":
			if !at(id, qDoneReading, false) {
				return
			}
			s.accept(qDoneReading)
		case "mobile-mail":
			if !at(id, qPhoneKind, true) {
				return
			}
			s.press(strings.Repeat(keyDown, indexOf(phoneKinds, p.kind)) + keyEnter)
			s.expectRe(regexp.MustCompile(regexp.QuoteMeta(qPhoneKind) + ` *` + regexp.QuoteMeta(p.kind) + `\n`))
			s.waitQuestion(qMailApp, menuCursorQueries)
			p.seen(qMailApp)
			s.press(strings.Repeat(keyDown, indexOf(mailApps[p.kind], p.mail)) + keyEnter)
			s.expectRe(regexp.MustCompile(regexp.QuoteMeta(qMailApp) + ` *` + regexp.QuoteMeta(p.mail) + `\n`))
			s.ask(qDoneReading)
			p.seen(qDoneReading)
			s.accept(qDoneReading)
		case "duo-install":
			s.expectRe(regexp.MustCompile(regexp.QuoteMeta(linkLabel+storeLinks[p.kind]) + `\S*\n`))
			if !at(id, qInstalled, false) {
				return
			}
			s.accept(qInstalled)
		case "duo-enroll":
			_, key := s.activation()
			if p.key == nil {
				p.key = key
			}
			if !at(id, qDuoCode, false) {
				return
			}
			s.reply(qDuoCode, totpCode(s, p.key.Secret(), time.Now()))
			s.expect("Duo Mobile is activated")
		case "duo-test":
			if !at(id, qPushCode, false) {
				return
			}
			// The next 30-second step's code: the one before was used to activate.
			s.reply(qPushCode, totpCode(s, p.key.Secret(), time.Now().Add(30*time.Second)))
			s.expect("All 8 steps are done")
			s.wantExit(0)
		}
	}
	return
}

// seen hands a question that is not a step's first to the asked hook.
func (p *procedure) seen(question string) {
	if p.asked != nil {
		p.asked(question)
	}
}

func indexOf(options []string, option string) int {
	for i, o := range options {
		if o == option {
			return i
		}
	}
	panic(fmt.Sprintf("%q is not one of %q", option, options))
}

// TestTypingDuringTheResendCountdownIsNeverAnAnswer: the person asks for a new code
// and, while the cool-down is counted down, types the old code, Enter and some
// letters. None of it may reach the next question: it starts empty, no try is
// used, and the new code is taken at once.
func TestTypingDuringTheResendCountdownIsNeverAnAnswer(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	// The cool-down is real time (30 s by default); any positive duration is allowed.
	h.writeConfig(t, "limits:\n  resend_cooldown: 4s\n")
	s := h.start(t, "start")
	s.answer(qEmail, email)
	s.answer(qMobile, mobile)
	s.confirm(qSendCodes)
	s.ask(qTextCode)
	first := h.lastSMSCode(t)
	// Lower case: the harness holds survey's cursor report back until the keys typed
	// at the question, and survey reads that report up to the first capital R.
	s.reply(qTextCode, "r")
	asked := time.Now()

	s.expectRe(regexp.MustCompile(`A new code can be sent in [2-4] s…`))
	s.onScreen("A new code can be sent in")
	s.press(otherCode(first) + keyEnter)
	s.expect("A new code can be sent in 1 s…")
	s.press("abc" + keyEnter + "xyz")

	shown := s.ask(qTextCode)
	if waited := time.Since(asked); waited < 3*time.Second {
		s.fatalf("the code question came back %s after R; the 4 s cool-down from the first text was not waited out", waited.Round(time.Millisecond))
	}
	if !strings.Contains(shown, "on its way") || h.outboxCount(t, outbox.SMS) != 2 {
		s.fatalf("after the countdown a second code should have been texted (texts: %d):\n%s", h.outboxCount(t, outbox.SMS), shown)
	}
	s.releaseReport()
	field := regexp.MustCompile(`(?m)^\? `+regexp.QuoteMeta(qTextCode)+` (.*)$`).FindAllStringSubmatch(s.screen(), -1)
	if len(field) == 0 || strings.TrimSpace(strings.TrimPrefix(field[len(field)-1][1], "[? for help]")) != "" {
		s.fatalf("the code question after the countdown does not start empty: %q", field)
	}

	code := h.lastSMSCode(t)
	s.reply(qTextCode, code)
	_, m := s.expectRe(regexp.MustCompile(`That is the right code|That code is not right|Sorry, your reply was invalid`))
	if m[0] != "That is the right code" {
		s.fatalf("the new code %s was answered with %q", code, m[0])
	}
	all := s.out.slice(0, -1)
	for _, never := range []string{"That code is not right", "tries left", "Sorry, your reply was invalid"} {
		if strings.Contains(all, never) {
			s.fatalf("keys typed during the countdown were taken as an answer: the output says %q", never)
		}
	}
	s.ask(qDoneReading)
	s.press(keyCtrlC)
	s.wantExit(130)
}

// plainOnly fails for anything in raw output that is not plain lines of text.
func plainOnly(t *testing.T, raw string) {
	t.Helper()
	if i := strings.IndexByte(raw, 0x1b); i >= 0 {
		t.Errorf("the plain output has an escape sequence at byte %d: %q", i, raw[max(0, i-60):min(len(raw), i+20)])
	}
	if m := regexp.MustCompile(`\r[^\n]`).FindStringIndex(raw); m != nil {
		t.Errorf("the plain output redraws a line (a carriage return not ending it) at byte %d: %q", m[0], raw[max(0, m[0]-60):min(len(raw), m[1]+20)])
	}
	for _, r := range raw {
		what := ""
		switch {
		case r >= 0x2500 && r <= 0x257f:
			what = "draws a box"
		case r >= 0x2580 && r <= 0x259f:
			what = "draws a QR code or blocks"
		case r == '✔' || r == '✘':
			what = "marks an outcome with a symbol rather than a word"
		}
		if what != "" {
			t.Errorf("the plain output %s (%q)", what, r)
			return
		}
	}
}

var typedKey = regexp.MustCompile(`type this key \(time-based\): ((?:[A-Z2-7]{4} )*[A-Z2-7]{1,4})\b`)

// TestAccessibleRunIsPlainFromStartToEnd: with --accessible, or
// MFA_ONBOARD_ACCESSIBLE=1, the whole demo is plain numbered prompts and lines
// without a single escape sequence, and the Duo entry is added by typing its key.
func TestAccessibleRunIsPlainFromStartToEnd(t *testing.T) {
	t.Parallel()
	for name, how := range map[string]struct {
		env  []string
		args []string
	}{
		"--accessible":             {nil, []string{"start", "--accessible"}},
		"MFA_ONBOARD_ACCESSIBLE=1": {[]string{"MFA_ONBOARD_ACCESSIBLE=1"}, []string{"start"}},
	} {
		t.Run(name, func(t *testing.T) { accessibleDemo(t, how.env, how.args) })
	}
	for name, env := range map[string]string{"TERM=dumb": "TERM=dumb", "Git Bash": "MSYSTEM=MINGW64"} {
		t.Run(name, func(t *testing.T) { plainUntilCtrlC(t, env) })
	}
}

// accessibleDemo runs the whole demo in plain lines.
func accessibleDemo(t *testing.T, env, args []string) {
	t.Parallel()
	h := newHome(t)
	h.writeConfig(t, "limits:\n  resend_cooldown: 2s\n")
	s, raw := h.startIn(t, termCols, termRows, h.env(env...), args...)
	s.lineAnswer(qEmail, email)
	s.lineAnswer(qMobile, mobile)
	s.lineAnswer(qSendCodes, "y")

	s.lineAnswer(qTextCode, "R")
	countdown := s.expect("A new code can be sent now.")
	if !regexp.MustCompile(`(?m)^A new code can be sent in [12] seconds\.$`).MatchString(countdown) {
		s.fatalf("the cool-down is not said in a plain line:\n%s", countdown)
	}
	s.askLine(qTextCode)
	s.lineReply(h.lastSMSCode(t))
	s.expect("Done: That is the right code")

	if !strings.Contains(s.askLine(qDoneReading), "Step 4 of 8: Office apps") {
		s.fatalf("office-apps has no plain heading")
	}
	s.lineReply("")

	s.lineAnswer(qPhoneKind, "3")
	s.expect("Type a number from 1 to 2.")
	s.lineAnswer(qPhoneKind, "1")
	s.lineAnswer(qMailApp, "1")
	guidance := s.lineAnswer(qDoneReading, "maybe")
	s.expect("Type y or n.")
	s.lineAnswer(qDoneReading, "y")
	if !strings.Contains(guidance, "Open the Outlook app") {
		s.fatalf("the guidance is not the Outlook app's:\n%s", guidance)
	}

	store := s.askLine(qInstalled)
	if !strings.Contains(store, linkLabel+storeLinks["iPhone"]) {
		s.fatalf("the App Store link is not given as text:\n%s", store)
	}
	s.lineReply("y")

	before := s.askLine(qDuoCode)
	m := typedKey.FindStringSubmatch(prose(before))
	if m == nil {
		s.fatalf("the activation does not give the key to type in groups of four:\n%s", before)
	}
	secret := strings.ReplaceAll(m[1], " ", "")
	if l := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(linkLabel) + `(otpauth://\S+)$`).FindStringSubmatch(before); l == nil {
		s.fatalf("the activation link is not given as text:\n%s", before)
	} else if u, err := url.Parse(l[1]); err != nil || u.Query().Get("secret") != secret {
		s.fatalf("the key to type, %s, is not the activation link's (%s)", m[1], l[1])
	}
	s.lineReply(totpCode(s, secret, time.Now()))
	s.expect("Done: Duo Mobile is activated")
	s.lineAnswer(qPushCode, totpCode(s, secret, time.Now().Add(30*time.Second)))
	s.expect("Done: All 8 steps are done")
	s.wantExit(0)

	plainOnly(t, raw.String())
	if n := h.outboxCount(t, "push"); n != 1 {
		t.Errorf("%d test pushes; want 1", n)
	}
}

// plainUntilCtrlC starts the demo with env, which makes the screen plain, answers
// the first question and stops at the second with Ctrl-C.
func plainUntilCtrlC(t *testing.T, env string) {
	t.Parallel()
	h := newHome(t)
	s, raw := h.startIn(t, termCols, termRows, h.env(env), "start")
	s.lineAnswer(qEmail, email)
	s.askLine(qMobile)
	// What Ctrl-C in line mode does in a terminal the program runs in: the
	// harness's pty is not the program's controlling terminal.
	if err := s.cmd.Process.Signal(os.Interrupt); err != nil {
		s.fatalf("interrupt: %v", err)
	}
	s.expect("mfa-onboard start")
	s.wantExit(130)
	plainOnly(t, raw.String())
	if !strings.Contains(s.out.slice(0, -1), "Step 1 of 8: Your mobile number") {
		t.Errorf("no plain heading for the phone step:\n%s", s.out.slice(0, -1))
	}
}

// TestCtrlCAtEveryStepThenResume: a person stops at any step's first question and
// starts again; the procedure finishes, nothing is asked twice and nothing is sent
// twice.
func TestCtrlCAtEveryStepThenResume(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ step, question string }{
		{"phone", qMobile},
		{"verify", qTextCode},
		{"office-apps", qDoneReading},
		{"mobile-mail", qPhoneKind},
		{"duo-install", qInstalled},
		{"duo-enroll", qDuoCode},
		{"duo-test", qPushCode},
	} {
		t.Run(tc.step, func(t *testing.T) {
			t.Parallel()
			h := newHome(t)
			p := &procedure{h: h, kind: "iPhone", mail: "The Outlook app"}
			p.s = h.start(t, "start")
			p.s.answer(qEmail, email)
			p.walk("phone", tc.step, false)

			if r := h.status(t); r.Status != "waiting" || r.WaitingOn != tc.step {
				t.Fatalf("after Ctrl-C at %q: status %q waiting on %q; want waiting on %s", tc.question, r.Status, r.WaitingOn, tc.step)
			}

			p.s = h.start(t, "start")
			shown := p.walk(tc.step, "", true)
			if strings.Contains(shown, qEmail) {
				t.Errorf("the resumed run asked for the email again:\n%s", shown)
			}
			if tc.step == "phone" {
				// No step is done yet: there is nothing to welcome back to, but the
				// person is known.
				if !strings.Contains(shown, "Setting up two-step sign-in for "+email) {
					t.Errorf("the resumed run does not say whose procedure it carries on:\n%s", shown)
				}
			} else if !strings.Contains(shown, "Welcome back, "+email) {
				t.Errorf("the resumed run did not say welcome back:\n%s", shown)
			}
			if tc.step == "duo-test" && !strings.Contains(prose(shown), "is still waiting for an answer") {
				t.Errorf("the resumed run does not say the test push is the one sent before:\n%s", shown)
			}

			r := h.status(t)
			if r.Status != "completed" {
				t.Errorf("status after the resumed run: %q, want completed", r.Status)
			}
			wantSteps(t, r, nil)
			for channel, want := range map[string]int{outbox.Email: 1, outbox.SMS: 1, "push": 1} {
				if n := h.outboxCount(t, channel); n != want {
					t.Errorf("the outbox holds %d messages on %s; want %d", n, channel, want)
				}
			}
		})
	}
}

// fitsWithQR checks, at a question asked under a QR code, that the whole code, the
// words beside it, its link, the way without a camera and the question are on
// screen at once, and that the code reads as its link.
func (s *session) fitsWithQR(question, scheme string, words ...string) {
	s.t.Helper()
	screen := strings.Split(s.screen(), "\n")
	qRow, linkRow := -1, -1
	for y, l := range screen {
		switch {
		case strings.HasPrefix(l, "? "+question):
			qRow = y
		case strings.HasPrefix(l, s.words().link):
			linkRow = y
		}
	}
	if qRow < 0 || linkRow < 0 || linkRow > qRow {
		s.fatalf("at %q the screen should show the link and, under it, the question (link row %d, question row %d)", question, linkRow, qRow)
	}
	s.vt.Lock()
	cols, _ := s.vt.Size()
	top := -1
	for y := 0; y < linkRow; y++ {
		if rowHasModules(s.vt, y, cols) {
			top = y
			break
		}
	}
	s.vt.Unlock()
	if top <= 0 {
		s.fatalf("at %q the QR code starts at row %d: its top is cut off, or there is none", question, top)
	}
	decoded, shown := s.scanQR(scheme)
	if decoded != shown {
		s.fatalf("at %q the QR code reads %q and the link under it is %q", question, decoded, shown)
	}
	text := prose(s.screen())
	for _, w := range words {
		if !strings.Contains(text, w) {
			s.fatalf("at %q the screen does not show %q", question, w)
		}
	}
}

// TestEveryScreenFits: through the whole demo in an 80×24 window, each question
// asked under a QR code has all of it on screen, and no line is wider than the
// window but links.
func TestEveryScreenFits(t *testing.T) {
	t.Parallel()
	for kind, mail := range map[string]string{"iPhone": "Apple Mail on an iPhone or iPad", "Android phone": "Samsung Email or another Android mail app"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			h := newHome(t)
			s, raw := h.startIn(t, termCols, termRows, h.env(), "start")
			qrQuestions := 0
			p := &procedure{h: h, s: s, kind: kind, mail: mail, asked: func(question string) {
				switch question {
				case qInstalled:
					s.fitsWithQR(question, "https://", "Scan this code with the phone's camera", "search for \"Duo Mobile\"")
					qrQuestions++
				case qDuoCode:
					s.fitsWithQR(question, "otpauth://", "Open Duo Mobile on your phone", "type that code below", "No camera? Type T")
					qrQuestions++
				}
			}}
			s.answer(qEmail, email)
			p.walk("phone", "", false)
			if qrQuestions != 2 {
				t.Errorf("%d questions were asked under a QR code; want 2 (duo-install, duo-enroll)", qrQuestions)
			}
			if bad := overwide(raw.String(), termCols, linkLabel); len(bad) > 0 {
				t.Errorf("lines wider than the %d-column window:\n%s", termCols, strings.Join(bad, "\n"))
			}
		})
	}
}

// shiftedDown is a screen with one blank row above the real one.
type shiftedDown struct{ vt10x.Terminal }

func (v shiftedDown) Size() (cols, rows int) {
	cols, rows = v.Terminal.Size()
	return cols, rows + 1
}

func (v shiftedDown) Cell(x, y int) vt10x.Glyph {
	if y == 0 {
		return vt10x.Glyph{Char: ' ', FG: vt10x.DefaultFG, BG: vt10x.DefaultBG}
	}
	return v.Terminal.Cell(x, y-1)
}

// scanRedrawnQR is scanQR for a screen drawn again after a resize: that starts from a
// cleared window, so the code may rightly begin on the top row, which scanQR takes
// for a sign that its top scrolled away. It is whole if that row is all quiet zone.
func (s *session) scanRedrawnQR(scheme string) (decoded, shown string) {
	s.t.Helper()
	s.vt.Lock()
	cols, _ := s.vt.Size()
	topQuiet := true
	for x := 0; x < cols; x++ {
		if top, bottom, ok := moduleCell(s.vt.Cell(x, 0)); ok && (top || bottom) {
			topQuiet = false
		}
	}
	onTop := rowHasModules(s.vt, 0, cols)
	s.vt.Unlock()
	if !onTop {
		return s.scanQR(scheme)
	}
	if !topQuiet {
		s.fatalf("the QR code has dark modules on the top row: its top is cut off")
	}
	shifted := *s
	shifted.vt = shiftedDown{s.vt}
	return shifted.scanQR(scheme)
}

// TestResizeRedrawsTheActivationQR: in a window too short for the activation code
// the screen says so and gives the link; once the person enlarges the window, the
// code is drawn at the same question without a key pressed.
func TestResizeRedrawsTheActivationQR(t *testing.T) {
	t.Parallel()
	h := newHome(t)
	const shortRows = 18
	s, _ := h.startIn(t, termCols, shortRows, h.env(), "start")
	s.answer(qEmail, email)
	p := &procedure{h: h, s: s, kind: "iPhone", mail: "The Outlook app", pause: true}
	p.walk("phone", "duo-enroll", false)
	link := p.key.String()
	if !strings.Contains(prose(s.screen()), "the window is too small for the QR code") {
		s.fatalf("in an 80×%d window the screen does not say it is too small for the code", shortRows)
	}
	if _, _, err := s.qrAbove(linkLabel + "otpauth://"); err == nil {
		s.fatalf("a QR code is drawn in an 80×%d window the screen says is too small", shortRows)
	}
	s.releaseReport()

	s.resize(termCols, termRows)
	resized := time.Now()
	_, m := s.expectRe(activationLine)
	s.ask(qDuoCode)
	took := time.Since(resized)
	decoded, shown := s.scanRedrawnQR("otpauth://")
	if decoded != link || shown != link || m[1] != link {
		s.fatalf("after the resize the QR code reads %q under the link %q; want the activation shown before, %q", decoded, shown, link)
	}
	if took > 2*time.Second {
		s.fatalf("the QR code was drawn %s after the window was enlarged; want about a second at most", took.Round(time.Millisecond))
	}
	t.Logf("the QR code was drawn %s after the window was enlarged", took.Round(time.Millisecond))
	s.finishDuo(p.key)
}
