package qr_test

import (
	"bytes"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/qr"
	"github.com/mfa-onboard/mfa-onboard/internal/qr/qrtest"
)

const (
	googlePlay = "https://play.google.com/store/apps/details?id=com.duosecurity.duomobile"
	appStore   = "https://apps.apple.com/app/duo-mobile/id422663827"
	duoCode    = "duo://7dmi4Oowz5g3J47FARLs-YXBpLWFiY2RlZi5kdW9zZWN1cml0eS5jb20"
	demoTOTP   = "otpauth://totp/Example%20MSP?secret=JBSWY3DPEHPK3PXPJBSWY3DPEH"
	shortLink  = "https://aka.ms/mfasetup"
	longTOTP   = "otpauth://totp/Example%20MSP:alice@example.com?algorithm=SHA1&digits=6&issuer=Example%20MSP&period=30&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
)

// window is what a code may use in an 80×24 window with four lines of text.
var window = qr.Size{Cols: 80, Rows: 20}

// big is a space that fits any code these tests draw.
var big = qr.Size{Cols: 500, Rows: 500}

// sizes are the codes' sizes at level M and L: a side of n modules plus the
// 2-module quiet zone each side, in cells one module wide and two high.
var sizes = []struct {
	name    string
	content string
	m, l    qr.Size
	// level is the one Fit chooses in window; "" when the code does not fit it.
	level string
}{
	{"Google Play", googlePlay, qr.Size{Cols: 41, Rows: 21}, qr.Size{Cols: 37, Rows: 19}, "L"}, // versions 5 and 4
	{"App Store", appStore, qr.Size{Cols: 37, Rows: 19}, qr.Size{Cols: 33, Rows: 17}, "M"},     // versions 4 and 3
	{"Duo activation", duoCode, qr.Size{Cols: 37, Rows: 19}, qr.Size{Cols: 37, Rows: 19}, "M"}, // version 4 at both
	{"demo TOTP", demoTOTP, qr.Size{Cols: 37, Rows: 19}, qr.Size{Cols: 37, Rows: 19}, "M"},
	{"short link", shortLink, qr.Size{Cols: 29, Rows: 15}, qr.Size{Cols: 29, Rows: 15}, "M"}, // version 2
	{"long TOTP", longTOTP, qr.Size{Cols: 53, Rows: 27}, qr.Size{Cols: 49, Rows: 25}, ""},    // versions 8 and 7
}

func TestFit(t *testing.T) {
	for _, tt := range sizes {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := qr.Needed(tt.content); err != nil || got != tt.m {
				t.Errorf("qr.Needed = %+v, %v; want %+v", got, err, tt.m)
			}
			code, err := qr.Fit(tt.content, window)
			if tt.level == "" {
				var small *qr.TooSmallError
				if !errors.As(err, &small) || code != nil {
					t.Fatalf("qr.Fit into %+v = %v, %v; want *qr.TooSmallError", window, code, err)
				}
			} else {
				want := map[string]qr.Size{"M": tt.m, "L": tt.l}[tt.level]
				if err != nil {
					t.Fatalf("qr.Fit into %+v: %v", window, err)
				}
				if code.Size() != want {
					t.Errorf("qr.Fit into %+v is %+v; want %+v at level %s", window, code.Size(), want, tt.level)
				}
				if _, level := decode(t, code, qr.Colour); level != tt.level {
					t.Errorf("qr.Fit into %+v chose level %s; want %s", window, level, tt.level)
				}
			}

			// M whenever it fits, even exactly.
			if code, err := qr.Fit(tt.content, tt.m); err != nil || code.Size() != tt.m {
				t.Fatalf("qr.Fit into exactly %+v = %v; want the code at M", tt.m, err)
			} else if _, level := decode(t, code, qr.Colour); level != "M" {
				t.Errorf("qr.Fit into exactly the size at M chose level %s", level)
			}
			// One cell short of M: L if that is smaller, else nothing.
			for _, short := range []qr.Size{{Cols: tt.m.Cols - 1, Rows: tt.m.Rows}, {Cols: tt.m.Cols, Rows: tt.m.Rows - 1}} {
				code, err := qr.Fit(tt.content, short)
				if tt.l.Cols < tt.m.Cols {
					if err != nil || code.Size() != tt.l {
						t.Errorf("qr.Fit into %+v = %v; want the code at L (%+v)", short, err, tt.l)
					} else if _, level := decode(t, code, qr.Colour); level != "L" {
						t.Errorf("qr.Fit into %+v chose level %s; want L", short, level)
					}
				}
			}
			// One cell short of L in either direction: no code at all.
			for _, short := range []qr.Size{{Cols: tt.l.Cols - 1, Rows: tt.l.Rows}, {Cols: tt.l.Cols, Rows: tt.l.Rows - 1}, {}} {
				code, err := qr.Fit(tt.content, short)
				var small *qr.TooSmallError
				if !errors.As(err, &small) || code != nil {
					t.Fatalf("qr.Fit into %+v = %v, %v; want *qr.TooSmallError", short, code, err)
				}
				if small.Have != short || small.Need != tt.l {
					t.Errorf("qr.Fit into %+v: %+v; want Have %+v, Need %+v (the size at L)", short, small, short, tt.l)
				}
			}
		})
	}
}

// TestRoundTrip reads each style back the way a terminal paints it and a
// camera decodes it, at both levels.
func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name, content string
		space         qr.Size
		level         string
	}{
		{"Google Play at L", googlePlay, window, "L"},
		{"Google Play at M", googlePlay, qr.Size{Cols: 41, Rows: 21}, "M"},
		{"App Store at M", appStore, window, "M"},
		{"App Store at L", appStore, qr.Size{Cols: 36, Rows: 19}, "L"},
		{"Duo activation", duoCode, window, "M"},
		{"demo TOTP", demoTOTP, window, "M"},
		{"long TOTP at M", longTOTP, big, "M"},
		{"empty", "", big, "M"},
	}
	for _, tt := range tests {
		for _, style := range []qr.Style{qr.Colour, qr.Plain} {
			t.Run(tt.name+"/"+styleName(style), func(t *testing.T) {
				code, err := qr.Fit(tt.content, tt.space)
				if err != nil {
					t.Fatalf("qr.Fit into %+v: %v", tt.space, err)
				}
				lines := code.Lines(style)
				checkShape(t, code.Size(), lines, style)
				grid := parse(t, lines, style)
				side := code.Size().Cols
				if len(grid) != side || len(grid[0]) != side {
					t.Fatalf("the code parses to %d×%d modules; want %d×%d", len(grid[0]), len(grid), side, side)
				}
				checkQuietZone(t, grid)
				got, level, err := qrtest.DecodeLevel(grid)
				if err != nil || got != tt.content || level != tt.level {
					t.Errorf("decoded %q at level %s, %v; want %q at %s", got, level, err, tt.content, tt.level)
				}
				// A dark theme surrounds the code with dark cells (for the plain
				// style that is the background it is made for); the painted quiet
				// zone must be enough for the code to stand out from them.
				if got, err := qrtest.Decode(surround(grid, 6, true)); err != nil || got != tt.content {
					t.Errorf("on a dark background decoded %q, %v; want %q", got, err, tt.content)
				}
			})
		}
	}
}

func styleName(s qr.Style) string {
	if s == qr.Plain {
		return "plain"
	}
	return "colour"
}

var escape = regexp.MustCompile("\x1b\\[[0-9;]*m")

// checkShape checks what a caller laying text beside the code relies on: the
// number of lines and their width in cells, and that no line leaves a colour set.
func checkShape(t *testing.T, size qr.Size, lines []string, style qr.Style) {
	t.Helper()
	if len(lines) != size.Rows {
		t.Errorf("Lines drew %d rows; Size says %d", len(lines), size.Rows)
	}
	for i, line := range lines {
		if cells := utf8.RuneCountInString(escape.ReplaceAllString(line, "")); cells != size.Cols {
			t.Errorf("row %d is %d cells wide; Size says %d", i, cells, size.Cols)
		}
		if strings.Contains(line, "\n") {
			t.Errorf("row %d contains a newline", i)
		}
		switch {
		case style == qr.Plain && strings.Contains(line, "\x1b"):
			t.Errorf("plain row %d contains an escape sequence: %q", i, line)
		case style == qr.Colour && !strings.HasSuffix(line, "\x1b[0m"):
			t.Errorf("colour row %d does not end by resetting the colours: %q", i, line)
		}
	}
}

func parse(t *testing.T, lines []string, style qr.Style) [][]bool {
	t.Helper()
	text := strings.Join(lines, "\n") + "\n"
	parser := qrtest.ParseANSI
	if style == qr.Plain {
		parser = qrtest.ParsePlain
	}
	grid, err := parser(text)
	if err != nil {
		t.Fatalf("parsing the %s style: %v", styleName(style), err)
	}
	return grid
}

// decode reads code back in style and returns its text and level.
func decode(t *testing.T, code *qr.Code, style qr.Style) (text, level string) {
	t.Helper()
	text, level, err := qrtest.DecodeLevel(parse(t, code.Lines(style), style))
	if err != nil {
		t.Fatalf("decoding the %s style: %v", styleName(style), err)
	}
	return text, level
}

// checkQuietZone checks the two light modules on every side of grid.
func checkQuietZone(t *testing.T, grid [][]bool) {
	t.Helper()
	n := len(grid)
	for y, row := range grid {
		for x, dark := range row {
			if dark && (x < 2 || y < 2 || x >= n-2 || y >= n-2) {
				t.Fatalf("module %d,%d of the quiet zone is dark", x, y)
			}
		}
	}
}

// surround pads grid with n modules of the given colour on every side.
func surround(grid [][]bool, n int, dark bool) [][]bool {
	cols := len(grid[0]) + 2*n
	pad := func() []bool {
		r := make([]bool, cols)
		for i := range r {
			r[i] = dark
		}
		return r
	}
	var out [][]bool
	for range n {
		out = append(out, pad())
	}
	for _, row := range grid {
		r := pad()
		copy(r[n:], row)
		out = append(out, r)
	}
	for range n {
		out = append(out, pad())
	}
	return out
}

// TestRenderDrawsLines checks that Render writes Fit's code in the colour
// style, within the rows left after reserve.
func TestRenderDrawsLines(t *testing.T) {
	have := qr.Size{Cols: 80, Rows: 24}
	var buf bytes.Buffer
	if err := qr.Render(&buf, googlePlay, have, 4); err != nil {
		t.Fatalf("qr.Render into %+v: %v", have, err)
	}
	code, err := qr.Fit(googlePlay, qr.Size{Cols: 80, Rows: 20})
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Join(code.Lines(qr.Colour), "\n") + "\n"; buf.String() != want {
		t.Errorf("qr.Render wrote\n%q\nwant the colour lines of qr.Fit\n%q", buf.String(), want)
	}
	if strings.Contains(buf.String(), googlePlay) {
		t.Errorf("qr.Render printed the content as text; the caller decides that")
	}
}

func TestRenderTooSmall(t *testing.T) {
	const reserve = 3
	for _, tt := range sizes {
		fits := qr.Size{Cols: tt.l.Cols, Rows: tt.l.Rows + reserve}
		var buf bytes.Buffer
		if err := qr.Render(&buf, tt.content, fits, reserve); err != nil || buf.Len() == 0 {
			t.Fatalf("%s: Render into exactly %+v = %v, %d bytes; want the code", tt.name, fits, err, buf.Len())
		}
		for _, have := range []qr.Size{
			{Cols: fits.Cols - 1, Rows: fits.Rows},
			{Cols: fits.Cols, Rows: fits.Rows - 1},
			{},
		} {
			buf.Reset()
			err := qr.Render(&buf, tt.content, have, reserve)
			var small *qr.TooSmallError
			if !errors.As(err, &small) {
				t.Fatalf("%s: Render into %+v = %v; want *qr.TooSmallError", tt.name, have, err)
			}
			if small.Have != have || small.Need != fits {
				t.Errorf("%s: qr.TooSmallError = %+v; want Have %+v, Need %+v", tt.name, small, have, fits)
			}
			if buf.Len() != 0 {
				t.Errorf("%s: Render into %+v wrote %d bytes; want none", tt.name, have, buf.Len())
			}
		}
	}
}

func TestTooSmallMessage(t *testing.T) {
	tests := []struct {
		have, need qr.Size
		want       string
	}{
		{qr.Size{Cols: 80, Rows: 20}, qr.Size{Cols: 37, Rows: 23},
			"the window is too small for the QR code (80×20; it needs 80×23): enlarge the window or use the link below"},
		{qr.Size{Cols: 30, Rows: 10}, qr.Size{Cols: 37, Rows: 23},
			"the window is too small for the QR code (30×10; it needs 37×23): enlarge the window or use the link below"},
	}
	for _, tt := range tests {
		err := &qr.TooSmallError{Have: tt.have, Need: tt.need}
		if err.Error() != tt.want {
			t.Errorf("Error() = %q; want %q", err.Error(), tt.want)
		}
	}
}

func TestTooLong(t *testing.T) {
	content := strings.Repeat("x", 5000)
	want := "the link is too long to show as a QR code (5000 bytes; a code holds at most 2953): use the link below"
	if _, err := qr.Needed(content); err == nil || err.Error() != want {
		t.Errorf("qr.Needed of 5000 bytes = %v; want %q", err, want)
	}
	if code, err := qr.Fit(content, big); code != nil || err == nil || err.Error() != want {
		t.Errorf("qr.Fit of 5000 bytes = %v, %v; want %q", code, err, want)
	}
	var buf bytes.Buffer
	if err := qr.Render(&buf, content, big, 0); err == nil || buf.Len() != 0 {
		t.Errorf("qr.Render of 5000 bytes = %v, %d bytes written; want an error and nothing written", err, buf.Len())
	}
	// Too long at M, short enough at L.
	content = strings.Repeat("x", 2900)
	if _, err := qr.Needed(content); err == nil {
		t.Errorf("qr.Needed of 2900 bytes at M succeeded; want an error")
	}
	if code, err := qr.Fit(content, big); err != nil || code.Size() != (qr.Size{Cols: 181, Rows: 91}) {
		t.Errorf("qr.Fit of 2900 bytes = %v; want the version 40 code at L (181×91)", err)
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

func TestWriteError(t *testing.T) {
	if err := qr.Render(failWriter{}, shortLink, big, 0); !errors.Is(err, io.ErrClosedPipe) {
		t.Fatalf("Render to a failing writer = %v; want it to wrap io.ErrClosedPipe", err)
	}
}

func TestParseANSIRejectsOtherText(t *testing.T) {
	for _, s := range []string{
		"",
		"hello\n",
		"▀▄\n",                        // the theme's default colours
		"\x1b[30m▀\x1b[0m\n",          // default background
		"\x1b[40m \x1b[0m\n",          // default foreground
		"\x1b[30;107m▀\n",             // colours left set over the newline
		"\x1b[31;107m▀\x1b[0m\n",      // neither black nor white
		"\x1b[30;107mx\x1b[0m\n",      // not a block glyph
		"\x1b[2J\x1b[30;107m▀\x1b[0m", // not a colour
		"\x1b[30;107m▀▀\x1b[0m\n\x1b[30;107m▀\x1b[0m\n", // not a rectangle
		"\x1b[30;40m \x1b[0m\n",                         // dark in the half row under the code
	} {
		if _, err := qrtest.ParseANSI(s); err == nil {
			t.Errorf("qrtest.ParseANSI(%q) accepted it", s)
		}
	}
}

func TestParsePlainRejectsOtherText(t *testing.T) {
	for _, s := range []string{"", "hello\n", "\x1b[0m█\n", "██\n█\n", " \n"} {
		if _, err := qrtest.ParsePlain(s); err == nil {
			t.Errorf("qrtest.ParsePlain(%q) accepted it", s)
		}
	}
}

func BenchmarkFitLines(b *testing.B) {
	for b.Loop() {
		code, err := qr.Fit(longTOTP, big)
		if err != nil {
			b.Fatal(err)
		}
		code.Lines(qr.Colour)
	}
}

func TestTheErrorsAreSaidInThePersonsLanguage(t *testing.T) {
	es := catalog.New(language.Spanish)
	small := &qr.TooSmallError{Have: qr.Size{Cols: 40, Rows: 10}, Need: qr.Size{Cols: 33, Rows: 17}}
	if got := es.Error(small); got != "la ventana es demasiado pequeña para el código QR (40×10; necesita 40×17): agrande la ventana o use el enlace de abajo" {
		t.Errorf("TooSmallError in Spanish = %q", got)
	}
	if got := small.Error(); got != "the window is too small for the QR code (40×10; it needs 40×17): enlarge the window or use the link below" {
		t.Errorf("TooSmallError in English = %q", got)
	}
	_, err := qr.Fit(strings.Repeat("x", 5000), qr.Size{Cols: 500, Rows: 500})
	if got := es.Error(err); !strings.HasPrefix(got, "el enlace es demasiado largo para mostrarlo como código QR (5000 bytes") {
		t.Errorf("a link too long in Spanish = %q", got)
	}
}
