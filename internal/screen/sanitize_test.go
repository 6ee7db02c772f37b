package screen

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/qr"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

// hostile are values from config, state, answers or a service that the attack on the
// build got through to the terminal raw.
var hostile = map[string]string{
	"OSC 52 clipboard write": "Contoso\x1b]52;c;aGk=\x07 IT",
	"CSI clear screen":       "Contoso\x1b[2J\x1b[H IT",
	"C1 CSI":                 "Contoso\u009b2J IT",
	"NEL":                    "Contoso\u0085IT",
	"bidi override":          "Contoso \u202eTI",
	"zero-width space":       "Con\u200btoso",
	"carriage return":        "Contoso\rEvil",
	"DEL and broken bytes":   "Contoso\x7f\xff IT",
}

// ownEscapes are the only sequences a Screen writes itself: the QR code's colours,
// the countdown's redrawn line and the clearing of the window.
var ownEscapes = regexp.MustCompile(`\x1b\[[0-9;]*m|\r\x1b\[K|\x1b\[H\x1b\[2J`)

// acting lists what in out a terminal would act on, besides the Screen's own escapes.
func acting(out string) []string {
	var found []string
	for _, r := range ownEscapes.ReplaceAllString(out, "") {
		if (sanitize.Unsafe(r) && r != '\n' && r != '\t') || r == '\u2028' || r == '\u2029' {
			found = append(found, fmt.Sprintf("%U", r))
		}
	}
	return found
}

func TestEveryWayToTheScreenIsSanitised(t *testing.T) {
	ways := map[string]func(s *Screen, v string){
		"Say":     func(s *Screen, v string) { s.Say("Welcome to %s.", v) },
		"OK":      func(s *Screen, v string) { s.OK("Told %s", v) },
		"Problem": func(s *Screen, v string) { s.Problem("could not tell %s", v) },
		"Steps":   func(s *Screen, v string) { s.Steps("Open "+v, v) },
		"StepsFrom": func(s *Screen, v string) {
			s.StepsFrom(3, v)
		},
		"Heading":      func(s *Screen, v string) { s.Heading(1, 8, v, true) },
		"PhoneMessage": func(s *Screen, v string) { s.PhoneMessage(v, v, v+"\nsecond line "+v) },
		"QR drawn, words beside": func(s *Screen, v string) {
			s.DrawQR(QR{Content: link, Link: link + v, Scan: []string{v}, Steps: []string{v}, Other: []string{v}, Reserve: 2})
		},
		"QR drawn, words above": func(s *Screen, v string) {
			s.DrawQR(QR{Content: link, Scan: []string{strings.Repeat(v+" ", 3)}, Steps: []string{v}, Other: []string{v}, Reserve: 2})
		},
		"QR not drawn": func(s *Screen, v string) {
			// Room for the words and the link, none for a code.
			s.DrawQR(QR{Content: link, Link: v, Reserve: 20, Instead: []string{v}, Steps: []string{v}, Other: []string{v}})
		},
		"Countdown": func(s *Screen, v string) {
			_ = s.Countdown(context.Background(), clock.NewFake(time.Now()), 2*time.Second, countdown(v))
		},
	}
	screens := map[string]Options{
		"terminal":   {TTY: true, Size: func() (qr.Size, bool) { return qr.Size{Cols: 80, Rows: 24}, true }},
		"narrow":     {TTY: true, Size: func() (qr.Size, bool) { return qr.Size{Cols: 40, Rows: 40}, true }},
		"no colour":  {TTY: true, NoColour: true, Size: func() (qr.Size, bool) { return qr.Size{Cols: 80, Rows: 24}, true }},
		"accessible": {Plain: true, Size: func() (qr.Size, bool) { return qr.Size{Cols: 80, Rows: 24}, true }},
		"a log":      {},
	}
	for sname, o := range screens {
		for wname, way := range ways {
			for pname, v := range hostile {
				var out bytes.Buffer
				way(New(&out, o), v)
				if bad := acting(out.String()); len(bad) > 0 {
					t.Errorf("%s, %s of %s: the output holds %q:\n%q", sname, wname, pname, bad, out.String())
				}
			}
		}
	}
}

func TestAnOSC52OrganisationNameWritesNoEscape(t *testing.T) {
	var out bytes.Buffer
	New(&out, Options{}).Say("Welcome to %s.", "\x1b]52;c;aGk=\x07")
	if strings.ContainsAny(out.String(), "\x1b\x07") {
		t.Errorf("Say wrote %q; want no ESC and no BEL", out.String())
	}
	if !strings.Contains(out.String(), "]52;c;aGk=") {
		t.Errorf("Say wrote %q; want the harmless rest of the text kept", out.String())
	}
}

func TestTheScreensOwnEscapesStay(t *testing.T) {
	var out bytes.Buffer
	s := New(&out, Options{TTY: true, Size: func() (qr.Size, bool) { return qr.Size{Cols: 80, Rows: 24}, true }})
	if !s.DrawQR(QR{Content: link, Scan: []string{"Scan this code \u202e"}, Reserve: 2}) {
		t.Fatal("no code drawn")
	}
	if !strings.Contains(out.String(), "\x1b[") {
		t.Error("the QR code lost its colours")
	}
	out.Reset()
	if err := s.Countdown(context.Background(), clock.NewFake(time.Now()), time.Second, countdown("Wait\x1b[2J")); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.Contains(got, "\r\x1b[KWait[2J in 1 s") {
		t.Errorf("countdown = %q; want its own redraw kept and the label's escape dropped", got)
	}
}

func TestSideTextIsMeasuredAfterSanitising(t *testing.T) {
	// A hundred zero-width spaces take no room: the words still fit beside the code.
	var out bytes.Buffer
	s := New(&out, Options{Size: func() (qr.Size, bool) { return qr.Size{Cols: 80, Rows: 24}, true }})
	if !s.DrawQR(QR{Content: link, Scan: []string{"Scan" + strings.Repeat("\u200b", 100) + " this code"}, Reserve: 2}) {
		t.Fatal("no code drawn")
	}
	if !strings.Contains(out.String(), "\x1b[0m  Scan this code") {
		t.Errorf("the words are not beside the code:\n%s", out.String())
	}
}
