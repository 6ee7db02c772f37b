//go:build unix

package prompt

import (
	"bytes"
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// ptyKeys is the keyboard of a pseudo-terminal: every question may read it, and a
// question ended from outside (the test's deadline) is ended with Ctrl-C.
type ptyKeys struct {
	*os.File
	ctrlC func()
}

func (ptyKeys) Ask() func()  { return func() {} }
func (k ptyKeys) Interrupt() { k.ctrlC() }

// fakeTTY is a pseudo-terminal a Survey asks in: what it draws is collected, and the
// cursor-position queries survey makes are answered as a terminal would.
type fakeTTY struct {
	tty *os.File
	ptm *os.File
	mu  sync.Mutex
	out bytes.Buffer
}

func newTerminal(t *testing.T) *fakeTTY {
	t.Helper()
	ptm, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	if err := pty.Setsize(ptm, &pty.Winsize{Rows: 24, Cols: 80}); err != nil {
		t.Fatal(err)
	}
	term := &fakeTTY{tty: tty, ptm: ptm}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := ptm.Read(buf)
			term.mu.Lock()
			term.out.Write(buf[:n])
			term.mu.Unlock()
			for range bytes.Count(buf[:n], []byte("\x1b[6n")) {
				ptm.WriteString("\x1b[1;1R")
			}
			if err != nil {
				return
			}
		}
	}()
	t.Cleanup(func() {
		tty.Close()
		ptm.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("the pseudo-terminal was not closed")
		}
	})
	return term
}

// typeLater types each group of keys once what the one before it brought up has
// been drawn (keys typed while survey asks the terminal where its cursor is are
// lost, as they would be on a real terminal).
func (term *fakeTTY) typeLater(groups ...string) {
	go func() {
		for _, keys := range groups {
			time.Sleep(150 * time.Millisecond)
			term.ptm.WriteString(keys)
		}
	}()
}

func (term *fakeTTY) drawn() string {
	term.mu.Lock()
	defer term.mu.Unlock()
	return term.out.String()
}

func TestSurveySanitisesWhatItPrints(t *testing.T) {
	term := newTerminal(t)
	s := NewSurvey(ptyKeys{File: term.tty, ctrlC: func() { term.ptm.WriteString("\x03") }}, term.tty)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	term.typeLater("?\r", "alice\r") // help, then the answer
	if v, err := s.Input(ctx, Question{Key: "k", Message: hostile, Help: hostile}, nil); v != "alice" || err != nil {
		t.Fatalf("Input = %q, %v", v, err)
	}
	term.typeLater("?", "\r")
	if v, err := s.Select(ctx, Question{Key: "s", Message: hostile, Help: hostile}, []Option{{Value: "v", Label: hostile}, {Value: "w", Label: "other"}}); v != "v" || err != nil {
		t.Fatalf("Select = %q, %v; want the option's own value", v, err)
	}
	term.typeLater("?\r", "y\r")
	if _, err := s.Confirm(ctx, Question{Key: "c", Message: hostile, Help: hostile}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	out := term.drawn()
	// Survey draws with escapes of its own (colours, cursor moves); what the
	// question brought in is the OSC, the bell and the raw C1 and bidi characters.
	for _, bad := range []string{"\x1b]", "\x07", "\u009b", "\u0085", "\u202e"} {
		if strings.Contains(out, bad) {
			t.Errorf("survey printed %q:\n%q", bad, out)
		}
	}
	if !strings.Contains(out, "Contoso]52;c;aGk=") {
		t.Errorf("the question is not on screen:\n%q", out)
	}
}
