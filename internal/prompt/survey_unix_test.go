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
	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
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

// TestSurveyAsksYesOrNoInThePersonsLanguage types the answers a Spanish speaker
// types (sí, s, SI, n) and English's, which work in every language, and an unclear
// one, which is refused in Spanish; the question's hints, its help and the answer it
// shows are Spanish too.
func TestSurveyAsksYesOrNoInThePersonsLanguage(t *testing.T) {
	for _, c := range []struct {
		keys     []string
		def      string
		want     bool
		echo     string
		language language.Tag
	}{
		{[]string{"sí\r"}, "no", true, "Sí", language.Spanish},
		{[]string{"s\r"}, "no", true, "Sí", language.Spanish},
		{[]string{"SI\r"}, "no", true, "Sí", language.Spanish},
		{[]string{"n\r"}, "yes", false, "No", language.Spanish},
		{[]string{"yes\r"}, "no", true, "Sí", language.Spanish},
		{[]string{"\r"}, "yes", true, "Sí", language.Spanish},
		{[]string{"\r"}, "no", false, "No", language.Spanish},
		{[]string{"y\r"}, "no", true, "Yes", language.English},
		{[]string{"\r"}, "yes", true, "Yes", language.English},
		{[]string{"s\r", "n\r"}, "yes", false, "No", language.English}, // "s" is no English
	} {
		t.Run(c.language.String()+" "+strings.Join(c.keys, ""), func(t *testing.T) {
			term := newTerminal(t)
			s := NewSurvey(ptyKeys{File: term.tty, ctrlC: func() { term.ptm.WriteString("\x03") }}, term.tty).WithText(catalog.New(c.language))
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			term.typeLater(c.keys...)
			got, err := s.Confirm(ctx, Question{Key: "c", Message: "¿Seguimos?", Help: "Sí sigue.", Default: c.def})
			if err != nil || got != c.want {
				t.Fatalf("Confirm = %v, %v; want %v\n%q", got, err, c.want, term.drawn())
			}
			time.Sleep(100 * time.Millisecond)
			out := term.drawn()
			hint := map[string]string{"yes": "(S/n)", "no": "(s/N)"}[c.def]
			if c.language == language.English {
				hint = map[string]string{"yes": "(Y/n)", "no": "(y/N)"}[c.def]
			}
			for _, want := range []string{hint, c.echo} {
				if !strings.Contains(out, want) {
					t.Errorf("the question does not show %q:\n%q", want, out)
				}
			}
		})
	}
}

func TestSurveySaysItsOwnWordsInSpanish(t *testing.T) {
	term := newTerminal(t)
	s := NewSurvey(ptyKeys{File: term.tty, ctrlC: func() { term.ptm.WriteString("\x03") }}, term.tty).WithText(catalog.New(language.Spanish))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	term.typeLater("quizá\r", "?\r", "s\r")
	if yes, err := s.Confirm(ctx, Question{Key: "c", Message: "¿Seguimos?", Help: "Sí sigue; no vuelve a mostrarlo."}); !yes || err != nil {
		t.Fatalf("Confirm = %v, %v", yes, err)
	}
	term.typeLater("12\r", "123456\r")
	refuse := func(v string) error {
		if len(v) != 6 {
			return catalog.NewError("prompt.line.pick-number", "Max", 6) // any catalogue sentence
		}
		return nil
	}
	if v, err := s.Input(ctx, Question{Key: "k", Message: "Código", Help: "Los 6 dígitos."}, refuse); v != "123456" || err != nil {
		t.Fatalf("Input = %q, %v", v, err)
	}
	time.Sleep(100 * time.Millisecond)
	out := term.drawn()
	for _, want := range []string{
		"[? para ver la ayuda]",
		`Respuesta no válida: "quizá" no es una respuesta válida: escriba sí o no.`,
		"Sí sigue; no vuelve a mostrarlo.",
		"Respuesta no válida: Escriba un número del 1 al 6.",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the terminal does not show %q:\n%q", want, out)
		}
	}
	for _, english := range []string{"for help", "Sorry, your reply was invalid", "not a valid answer", "Type a number"} {
		if strings.Contains(out, english) {
			t.Errorf("the terminal shows survey's English %q:\n%q", english, out)
		}
	}
}

// TestSurveyInEnglishLooksAsSurveysOwn keeps the English questions as survey drew
// them before they were drawn from the catalogue: the transcripts and the person's
// guide quote them.
func TestSurveyInEnglishLooksAsSurveysOwn(t *testing.T) {
	term := newTerminal(t)
	s := NewSurvey(ptyKeys{File: term.tty, ctrlC: func() { term.ptm.WriteString("\x03") }}, term.tty)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	term.typeLater("maybe\r", "y\r")
	if yes, err := s.Confirm(ctx, Question{Key: "c", Message: "Go on?", Help: "Yes goes on."}); !yes || err != nil {
		t.Fatalf("Confirm = %v, %v", yes, err)
	}
	term.typeLater("\r")
	if v, err := s.Input(ctx, Question{Key: "k", Message: "Name", Default: "alice"}, nil); v != "alice" || err != nil {
		t.Fatalf("Input = %q, %v", v, err)
	}
	time.Sleep(100 * time.Millisecond)
	out := term.drawn()
	for _, want := range []string{
		"Go on? \x1b[0m\x1b[36m[? for help]\x1b[0m \x1b[37m(Y/n) \x1b[0m",
		`X Sorry, your reply was invalid: "maybe" is not a valid answer, please try again.`,
		"\x1b[36mYes\x1b[0m",
		"Name \x1b[0m\x1b[37m(alice) \x1b[0m",
		"\x1b[36malice\x1b[0m",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the terminal does not show %q:\n%q", want, out)
		}
	}
}
