// Package qr draws QR codes in a terminal so that a phone camera can read them
// on dark and light themes alike, and refuses to draw a code the window would clip.
package qr

import (
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/boombuler/barcode"
	bqr "github.com/boombuler/barcode/qr"
)

// The module grid comes from boombuler/barcode rather than qrterminal's rsc.io/qr:
// rsc.io/qr always uses mask pattern 0 instead of the least ambiguous one, and about
// 1 code in 70 then defeats a decoder until the phone is tilted (measured in e2e).

// Each module is two cells wide so it is roughly square, and paints its own
// background colour: a theme's default background would otherwise show through
// as "light" on a dark theme and invert the code. Full blocks rather than
// half-block glyphs, because Windows console fonts draw ▀ and ▄ with gaps.
const (
	// DarkModule is one dark module as written to the terminal.
	DarkModule = "\x1b[40m  \x1b[0m"
	// LightModule is one light module as written to the terminal.
	LightModule = "\x1b[47m  \x1b[0m"
	cellsPerMod = 2
	quietZone   = 2 // the spec asks for 4, but 2 painted light modules read reliably and save rows
	level       = bqr.M
)

// Size is a terminal size in character cells.
type Size struct{ Cols, Rows int }

// TooSmallError says the terminal cannot show the whole code. Need is the
// window size that would be enough, including the rows reserved for text.
type TooSmallError struct{ Have, Need Size }

// Error tells the person how to get a readable code or what to use instead.
func (e *TooSmallError) Error() string {
	return fmt.Sprintf("the window is too small for the QR code (it is %d×%d; the code needs %d×%d): enlarge the window or zoom out, or use the link below",
		e.Have.Cols, e.Have.Rows, e.Need.Cols, e.Need.Rows)
}

// Needed returns the terminal size the code for content occupies, not counting
// any rows the caller prints under it.
func Needed(content string) (Size, error) {
	code, err := encode(content)
	if err != nil {
		return Size{}, err
	}
	modules := code.Bounds().Dx() + 2*quietZone
	return Size{Cols: modules * cellsPerMod, Rows: modules}, nil
}

func encode(content string) (barcode.Barcode, error) {
	code, err := bqr.Encode(content, level, bqr.Auto)
	if err != nil {
		return nil, fmt.Errorf("the link is too long to show as a QR code (%v): use the link below", err)
	}
	return code, nil
}

// Render writes the code for content to w if it fits in have with reserve rows
// left free under it for the caller's text (such as the link, which Render does
// not print). Otherwise it writes nothing and returns *TooSmallError: a clipped
// code cannot be scanned and would only waste the person's time.
func Render(w io.Writer, content string, have Size, reserve int) error {
	need, err := Needed(content)
	if err != nil {
		return err
	}
	need.Rows += max(reserve, 0)
	if have.Cols < need.Cols || have.Rows < need.Rows {
		return &TooSmallError{Have: have, Need: need}
	}
	code, _ := encode(content)
	size := code.Bounds().Dx()
	// Build the whole code first so a failing writer is the only way to get half of one.
	var buf bytes.Buffer
	quiet := strings.Repeat(LightModule, size+2*quietZone) + "\n"
	buf.WriteString(strings.Repeat(quiet, quietZone))
	for y := range size {
		buf.WriteString(strings.Repeat(LightModule, quietZone))
		for x := range size {
			if dark(code, x, y) {
				buf.WriteString(DarkModule)
			} else {
				buf.WriteString(LightModule)
			}
		}
		buf.WriteString(strings.Repeat(LightModule, quietZone) + "\n")
	}
	buf.WriteString(strings.Repeat(quiet, quietZone))
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("could not write the QR code to the terminal (%w): use the link below", err)
	}
	return nil
}

func dark(code barcode.Barcode, x, y int) bool {
	r, _, _, _ := code.At(x, y).RGBA()
	return r < 0x8000
}
