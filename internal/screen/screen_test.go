package screen

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/qr"
)

const link = "https://apps.apple.com/app/duo-mobile/id422663827"

func TestQR(t *testing.T) {
	tests := []struct {
		name      string
		size      qr.Size
		tty       bool
		wantShown bool
		wantText  string
	}{
		{"fits", qr.Size{Cols: 120, Rows: 60}, true, true, "Link: " + link},
		{"too small says so", qr.Size{Cols: 80, Rows: 24}, true, false, "the window is too small for the QR code"},
		{"no terminal", qr.Size{}, false, false, "cannot be drawn here"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			s := New(&out, Options{Size: func() (qr.Size, bool) { return tt.size, tt.tty }})
			if shown := s.QR(link); shown != tt.wantShown {
				t.Errorf("shown = %v; want %v", shown, tt.wantShown)
			}
			text := out.String()
			if !strings.Contains(text, tt.wantText) || !strings.Contains(text, "Link: "+link) {
				t.Errorf("output lacks %q or the link:\n%s", tt.wantText, text)
			}
			if hasCode := strings.Contains(text, qr.DarkModule); hasCode != tt.wantShown {
				t.Errorf("QR modules printed = %v; want %v (never a clipped code)", hasCode, tt.wantShown)
			}
		})
	}
}

func TestCountdownCountsDownOnATerminal(t *testing.T) {
	var out bytes.Buffer
	c := clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	s := New(&out, Options{TTY: true})
	if err := s.Countdown(context.Background(), c, 3*time.Second, "A new code can be sent"); err != nil {
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

func TestCountdownStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s := New(&bytes.Buffer{}, Options{TTY: true})
	if err := s.Countdown(ctx, clock.NewFake(time.Now()), time.Minute, "x"); err == nil {
		t.Error("a cancelled countdown returned no error")
	}
}

func TestCleanRemovesControlCharacters(t *testing.T) {
	got := Clean("ok\x1b[2J\x07 line\nnext\ttab")
	if got != "ok[2J line\nnext\ttab" {
		t.Errorf("Clean = %q", got)
	}
}

func TestDemoLabelOnEveryHeading(t *testing.T) {
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
