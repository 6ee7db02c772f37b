package screen

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/qr"
	"github.com/mfa-onboard/mfa-onboard/internal/qr/qrtest"
)

const link = "https://apps.apple.com/app/duo-mobile/id422663827"

func TestQRScreen(t *testing.T) {
	tests := []struct {
		name      string
		size      qr.Size
		ok        bool
		wantShown bool
		wantText  string
	}{
		{"fits 80x24 with the words beside it", qr.Size{Cols: 80, Rows: 24}, true, true, "Scan this code"},
		{"fits a narrow window with the words above it", qr.Size{Cols: 40, Rows: 30}, true, true, "Scan this code"},
		{"too small says so and by how much", qr.Size{Cols: 80, Rows: 18}, true, false, "the window is too small for the QR code (80×18; it needs"},
		{"no terminal", qr.Size{}, false, false, "cannot be drawn here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			s := New(&out, Options{Size: func() (qr.Size, bool) { return tt.size, tt.ok }})
			shown := s.DrawQR(QR{
				Content: link,
				Scan:    []string{"Scan this code with the phone's camera."},
				Instead: []string{"Open the link below on the phone."},
				Steps:   []string{"Tap Get next to Duo Mobile."},
				Other:   []string{"No camera? Open the link on the phone."},
				Reserve: 2,
			})
			if shown != tt.wantShown {
				t.Errorf("shown = %v; want %v", shown, tt.wantShown)
			}
			text := out.String()
			for _, want := range []string{tt.wantText, "Link: " + link, "No camera?", "Tap Get"} {
				if !strings.Contains(text, want) {
					t.Errorf("output lacks %q:\n%s", want, text)
				}
			}
			if !shown && strings.Contains(text, "Scan this code") {
				t.Errorf("says to scan a code that is not drawn:\n%s", text)
			}
			if said := strings.Contains(text, "Open the link below"); said == shown {
				t.Errorf("what to do without a code said = %v with a code drawn = %v:\n%s", said, shown, text)
			}
			if hasCode := strings.Contains(text, "\x1b["); hasCode != tt.wantShown {
				t.Errorf("QR modules printed = %v; want %v (never a clipped code)", hasCode, tt.wantShown)
			}
			lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
			if tt.ok && len(lines)+tt.size.Rows*0+2 > tt.size.Rows && tt.wantShown {
				t.Errorf("the screen takes %d rows and the question 2 more; the window has %d", len(lines), tt.size.Rows)
			}
			for _, l := range lines {
				if n := visibleCells(l); tt.ok && n > tt.size.Cols && !strings.HasPrefix(l, "Link: ") {
					t.Errorf("line is %d cells wide in a %d-column window: %q", n, tt.size.Cols, l)
				}
			}
			if shown {
				grid, err := qrtest.ParseANSI(codeLines(lines))
				if err != nil {
					t.Fatalf("parse the drawn code: %v", err)
				}
				if got, err := qrtest.Decode(grid); err != nil || got != link {
					t.Errorf("the drawn code decodes to %q, %v; want %q", got, err, link)
				}
			}
		})
	}
}

// codeLines is the code's part of the drawn lines, without the text beside it.
func codeLines(lines []string) string {
	var out []string
	for _, l := range lines {
		if i := strings.Index(l, "\x1b[0m"); i >= 0 && strings.HasPrefix(l, "\x1b[") {
			out = append(out, l[:i+len("\x1b[0m")])
		}
	}
	return strings.Join(out, "\n") + "\n"
}

func visibleCells(s string) int {
	n, esc := 0, false
	for _, r := range s {
		switch {
		case r == 0x1b:
			esc = true
		case esc:
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
				esc = false
			}
		default:
			n++
		}
	}
	return n
}

func TestAccessibleScreenSaysTheKeyInsteadOfDrawing(t *testing.T) {
	var out bytes.Buffer
	s := New(&out, Options{Plain: true, Size: func() (qr.Size, bool) { return qr.Size{Cols: 200, Rows: 60}, true }})
	uri := "otpauth://totp/Example%20MSP?secret=JBSWY3DPEHPK3PXPJBSWY3DPEH"
	if s.DrawQR(QR{Content: uri, Scan: []string{"Scan this code"}}) {
		t.Error("an accessible screen drew QR art")
	}
	text := out.String()
	if strings.Contains(text, "\x1b") || strings.ContainsAny(text, "▀▄█┌│└") {
		t.Errorf("accessible output has art or escapes:\n%q", text)
	}
	if !strings.Contains(text, "JBSW Y3DP EHPK 3PXP JBSW Y3DP EH") {
		t.Errorf("the key is not given in groups of four:\n%s", text)
	}
}

func TestNoColourQRHasNoEscapes(t *testing.T) {
	var out bytes.Buffer
	s := New(&out, Options{NoColour: true, Size: func() (qr.Size, bool) { return qr.Size{Cols: 80, Rows: 24}, true }})
	if !s.DrawQR(QR{Content: link, Reserve: 2}) {
		t.Fatal("no code drawn")
	}
	if strings.Contains(out.String(), "\x1b") {
		t.Errorf("NO_COLOR output has escape sequences:\n%q", out.String())
	}
}

func TestWrapKeepsWordsWhole(t *testing.T) {
	text := "Microsoft 365 will text sign-in codes to your mobile phone. Which number should it use?"
	lines := Wrap(text, 40, "", "")
	for _, l := range lines {
		if len([]rune(l)) > 40 {
			t.Errorf("line longer than 40: %q", l)
		}
	}
	if strings.Join(lines, " ") != text {
		t.Errorf("wrapping changed the words: %q", lines)
	}
	if got := Wrap("  ./bin/mfa-onboard start", 80, "", ""); got[0] != "  ./bin/mfa-onboard start" {
		t.Errorf("a command set apart lost its indentation: %q", got)
	}
	steps := Wrap("A window asks for your password: type your usual Microsoft 365 password.", 30, "  1. ", "     ")
	for _, l := range steps[1:] {
		if !strings.HasPrefix(l, "     ") {
			t.Errorf("a continued item is not indented: %q", steps)
		}
	}
}

func TestPhoneMessageStaysInsideItsBorder(t *testing.T) {
	var out bytes.Buffer
	s := New(&out, Options{Size: func() (qr.Size, bool) { return qr.Size{Cols: 80, Rows: 24}, true }})
	s.PhoneMessage("sms", "+1 ***-***-0123", "Example MSP: your verification code is 788112. It works for 10 minutes. Nobody from Example MSP will ever ask you for it.")
	for _, l := range strings.Split(strings.TrimRight(out.String(), "\n"), "\n") {
		if len([]rune(l)) > 80 {
			t.Errorf("line is wider than the window: %q", l)
		}
		if l != "" && !strings.HasPrefix(l, "  ┌") && !strings.HasPrefix(l, "  │") && !strings.HasPrefix(l, "  └") {
			t.Errorf("a line of the message is outside its border: %q", l)
		}
	}
}

func TestAskQRRedrawsWhenTheWindowIsResized(t *testing.T) {
	var out bytes.Buffer
	var mu sync.Mutex
	size := qr.Size{Cols: 80, Rows: 18}
	s := New(&out, Options{TTY: true, Size: func() (qr.Size, bool) { mu.Lock(); defer mu.Unlock(); return size, true }})
	s.resizePoll = time.Millisecond
	asked := 0
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	shown, err := s.AskQR(ctx, QR{Content: link, Scan: []string{"Scan this code"}, Reserve: 2}, func(ctx context.Context, shown bool) error {
		asked++
		if asked == 1 {
			if shown {
				t.Error("drawn in a window too small")
			}
			mu.Lock()
			size = qr.Size{Cols: 80, Rows: 24}
			mu.Unlock()
			<-ctx.Done()
			return context.Cause(ctx)
		}
		return nil
	})
	if err != nil || !shown || asked != 2 {
		t.Errorf("AskQR = %v, %v after %d questions; want the code drawn after the resize and asked again", shown, err, asked)
	}
}

func TestCountdownCountsDownOnATerminal(t *testing.T) {
	var out bytes.Buffer
	c := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := New(&out, Options{TTY: true})
	if err := s.Countdown(context.Background(), c, 3*time.Second, countdown("A new code can be sent")); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"in 3 s", "in 2 s", "in 1 s"} {
		if !strings.Contains(out.String(), n) {
			t.Errorf("countdown lacks %q: %q", n, out.String())
		}
	}
	if waited := c.Now().Sub(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)); waited != 3*time.Second {
		t.Errorf("waited %s; want 3s", waited)
	}
}

// countdown is the sentences of a countdown that begin with what.
func countdown(what string) CountdownText {
	return CountdownText{
		Left:  func(n int) string { return fmt.Sprintf("%s in %d seconds.", what, n) },
		Short: func(n int) string { return fmt.Sprintf("%s in %d s… (Ctrl-C to stop)", what, n) },
		Over:  what + " now.",
	}
}

func TestCountdownStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := New(&bytes.Buffer{}, Options{TTY: true})
	if err := s.Countdown(ctx, clock.NewFake(time.Now()), time.Minute, countdown("x")); err == nil {
		t.Error("a cancelled countdown returned no error")
	}
}

func TestCleanRemovesControlCharacters(t *testing.T) {
	got := Clean("ok\x1b[2J\x07 line\nnext\ttab")
	if got != "ok[2J line\nnext\ttab" {
		t.Errorf("Clean = %q", got)
	}
}

func TestDemoLabelOnAHeading(t *testing.T) {
	var out bytes.Buffer
	New(&out, Options{}).Heading(2, 8, "Prove the phone is yours", true)
	if !strings.Contains(out.String(), "Step 2 of 8") || !strings.Contains(out.String(), "nothing is sent") {
		t.Errorf("heading = %q", out.String())
	}
	out.Reset()
	New(&out, Options{}).Heading(2, 8, "x", false)
	if strings.Contains(out.String(), "DEMO") {
		t.Errorf("a real run is labelled a demo: %q", out.String())
	}
}
