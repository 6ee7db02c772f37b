// Package qr draws QR codes in a terminal so that a phone camera can read them
// on dark and light themes alike, small enough for an 80×24 window, and refuses
// to draw a code the space given would clip.
package qr

import (
	"errors"
	"io"
	"strconv"
	"strings"

	bqr "github.com/boombuler/barcode/qr"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// The module grid comes from boombuler/barcode rather than qrterminal's rsc.io/qr:
// rsc.io/qr always uses mask pattern 0 instead of the least ambiguous one, and about
// 1 code in 70 then defeats a decoder until the phone is tilted (measured in e2e).

// Each character cell holds two modules, one above the other, and is one module
// wide: a cell is about twice as tall as it is wide, so the modules come out
// roughly square and a typical enrolment code fits 80×24 with text around it
// (full blocks two cells wide needed 74×41 for a Google Play link).
const (
	// The spec asks for 4, but 2 painted light modules read reliably and save rows.
	quietZone = 2

	// maxBytes is what the largest code (version 40, level L) holds in byte mode:
	// the error says it so that whoever made the link knows how far over it is.
	maxBytes = 2953

	// The colour style paints both halves of every cell: a theme's default
	// colours would otherwise show through, and a dark theme's default background
	// read as "light" inverts the code. Dark is black; light is bright white
	// (97/107) rather than white (37/47), which most palettes make a light grey
	// (#C0C0C0 in xterm, #CCCCCC in Windows Terminal's Campbell): the brighter
	// light gives the camera more contrast, and Windows 10+ consoles, Windows
	// Terminal, macOS Terminal and the xterm-like emulators all draw bright colours.
	darkFG, darkBG   = 30, 40
	lightFG, lightBG = 97, 107
	reset            = "\x1b[0m"
)

// Style is how modules are drawn.
type Style int

const (
	// Colour draws half blocks with explicit foreground and background colours.
	Colour Style = iota
	// Plain draws half-block glyphs in the default colours, no escape sequences (NO_COLOR).
	Plain
)

// Size is a terminal size in character cells.
type Size struct{ Cols, Rows int }

// fits reports whether s fits within space.
func (s Size) fits(space Size) bool { return s.Cols <= space.Cols && s.Rows <= space.Rows }

// TooSmallError says the space given cannot show the whole code. Need is the
// smallest space the code fits in (at level L; for Render, with the reserved rows).
type TooSmallError struct{ Have, Need Size }

// Error tells the person, in English, how big the window must be and what to use instead.
func (e *TooSmallError) Error() string { return e.Localize(nil) }

// Localize tells the person in p's language how big the window must be.
func (e *TooSmallError) Localize(p *catalog.Printer) string {
	// The window that would do keeps whatever it already has enough of, so the
	// person sees which way to enlarge it.
	want := Size{Cols: max(e.Have.Cols, e.Need.Cols), Rows: max(e.Have.Rows, e.Need.Rows)}
	return p.T("screen.qr.too-small", "Cols", e.Have.Cols, "Rows", e.Have.Rows, "NeedCols", want.Cols, "NeedRows", want.Rows)
}

// Code is a QR code chosen to fit a space, ready to draw.
type Code struct {
	modules int      // per side, without the quiet zone
	dark    [][]bool // [y][x], modules×modules
}

// Fit encodes content at level M, or L when only L fits within space; *TooSmallError when neither fits.
func Fit(content string, space Size) (*Code, error) {
	var smallest *Code
	for _, level := range []bqr.ErrorCorrectionLevel{bqr.M, bqr.L} {
		code, err := encode(content, level)
		if err != nil {
			continue // too long at M can still fit at L
		}
		if code.Size().fits(space) {
			return code, nil
		}
		smallest = code
	}
	if smallest == nil {
		return nil, tooLong(content)
	}
	return nil, &TooSmallError{Have: space, Need: smallest.Size()}
}

// Needed returns the size of the code for content at level M, quiet zone included,
// not counting any rows the caller prints near it.
func Needed(content string) (Size, error) {
	code, err := encode(content, bqr.M)
	if err != nil {
		return Size{}, tooLong(content)
	}
	return code.Size(), nil
}

func encode(content string, level bqr.ErrorCorrectionLevel) (*Code, error) {
	bc, err := bqr.Encode(content, level, bqr.Auto)
	if err != nil {
		return nil, err
	}
	n := bc.Bounds().Dx()
	dark := make([][]bool, n)
	for y := range dark {
		dark[y] = make([]bool, n)
		for x := range dark[y] {
			r, _, _, _ := bc.At(x, y).RGBA()
			dark[y][x] = r < 0x8000
		}
	}
	return &Code{modules: n, dark: dark}, nil
}

// tooLong does not wrap boombuler's error: it quotes the whole content.
func tooLong(content string) error {
	return catalog.NewError("screen.qr.too-long", "Bytes", len(content), "Max", maxBytes)
}

// Size is the cells the code occupies (quiet zone included).
func (c *Code) Size() Size {
	side := c.modules + 2*quietZone
	return Size{Cols: side, Rows: (side + 1) / 2}
}

// isDark says whether the module at x, y counted from the outer edge of the
// quiet zone is dark: everything outside the code proper is light.
func (c *Code) isDark(x, y int) bool {
	x, y = x-quietZone, y-quietZone
	return x >= 0 && y >= 0 && x < c.modules && y < c.modules && c.dark[y][x]
}

// Lines returns the drawn rows, each exactly Size().Cols cells wide, without newlines.
//
// A code is an odd number of modules high, so the bottom half of the last row
// lies under the quiet zone; it is drawn light, which only widens that zone.
func (c *Code) Lines(style Style) []string {
	size := c.Size()
	lines := make([]string, size.Rows)
	for row := range lines {
		var b strings.Builder
		p := pen{}
		for x := range size.Cols {
			top, bottom := c.isDark(x, 2*row), c.isDark(x, 2*row+1)
			if style == Plain {
				b.WriteRune(plainGlyph(top, bottom))
			} else {
				p.cell(&b, top, bottom)
			}
		}
		if style != Plain {
			b.WriteString(reset)
		}
		lines[row] = b.String()
	}
	return lines
}

// plainGlyph follows qrencode -t UTF8: the glyph is a LIGHT module and a space a
// dark one. That is right on a dark background (the default of cmd.exe,
// PowerShell and Windows Terminal, and of most other terminals), where the
// glyphs shine in the light foreground. On a light background the code comes
// out inverted, which many phone cameras read but not all: without colours
// nothing better is possible, as the default background colour is unknown.
func plainGlyph(topDark, bottomDark bool) rune {
	switch {
	case !topDark && !bottomDark:
		return '█'
	case !topDark:
		return '▀'
	case !bottomDark:
		return '▄'
	default:
		return ' '
	}
}

// pen tracks the colours already set on a line, so that each cell writes an
// escape sequence only for a colour that changes; a line starts with neither set.
type pen struct{ fg, bg int }

// cell draws one cell: ▀ in the top module's colour on the bottom module's, or a
// space on their common colour, which leaves no seam where a font's ▀ falls
// short of half the cell.
func (p *pen) cell(b *strings.Builder, topDark, bottomDark bool) {
	fg, bg := pick(topDark, darkFG, lightFG), pick(bottomDark, darkBG, lightBG)
	glyph := '▀'
	if topDark == bottomDark {
		glyph = ' '
		if p.fg != 0 {
			fg = p.fg // invisible under a space, but still set explicitly
		}
	}
	var params []string
	if fg != p.fg {
		params = append(params, strconv.Itoa(fg))
	}
	if bg != p.bg {
		params = append(params, strconv.Itoa(bg))
	}
	if len(params) > 0 {
		b.WriteString("\x1b[" + strings.Join(params, ";") + "m")
	}
	p.fg, p.bg = fg, bg
	b.WriteRune(glyph)
}

func pick(dark bool, ifDark, ifLight int) int {
	if dark {
		return ifDark
	}
	return ifLight
}

// Render writes the code for content to w in the colour style, one line per
// row, if it fits in have with reserve rows left free for the caller's text
// (such as the link, which Render does not print). Otherwise it writes nothing
// and returns *TooSmallError: a clipped code cannot be scanned and would only
// waste the person's time.
func Render(w io.Writer, content string, have Size, reserve int) error {
	reserve = max(reserve, 0)
	code, err := Fit(content, Size{Cols: have.Cols, Rows: have.Rows - reserve})
	if small := (*TooSmallError)(nil); errors.As(err, &small) {
		return &TooSmallError{Have: have, Need: Size{Cols: small.Need.Cols, Rows: small.Need.Rows + reserve}}
	}
	if err != nil {
		return err
	}
	// One write of the whole code, so a failing writer is the only way to get half of one.
	if _, err := io.WriteString(w, strings.Join(code.Lines(Colour), "\n")+"\n"); err != nil {
		return catalog.Wrap(err, "screen.qr.write-failed")
	}
	return nil
}
