// Package qrtest reads terminal QR codes back into modules and text, for tests
// that check what a phone camera would see.
package qrtest

import (
	"fmt"
	"image"
	"image/color"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// Decode reads a QR code back from a grid of modules (true = dark), for tests
// that check what a person's camera would see.
func Decode(dark [][]bool) (string, error) {
	text, _, err := DecodeLevel(dark)
	return text, err
}

// DecodeLevel is Decode that also returns the code's error-correction level (L, M, Q or H).
func DecodeLevel(dark [][]bool) (text, level string, err error) {
	if len(dark) == 0 || len(dark[0]) == 0 {
		return "", "", fmt.Errorf("the module grid is empty: pass the rows of a rendered code")
	}
	// Pixels per module and a light margin in modules: a few pixels per module
	// is what the detector needs, and the margin stands in for the paper or
	// screen around a printed code.
	const scale, margin = 4, 4
	cols := len(dark[0])
	img := image.NewGray(image.Rect(0, 0, (cols+2*margin)*scale, (len(dark)+2*margin)*scale))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y, row := range dark {
		if len(row) != cols {
			return "", "", fmt.Errorf("row %d of the module grid has %d modules, not %d: pass a rectangular grid", y, len(row), cols)
		}
		for x, d := range row {
			if !d {
				continue
			}
			for py := 0; py < scale; py++ {
				for px := 0; px < scale; px++ {
					img.SetGray((x+margin)*scale+px, (y+margin)*scale+py, color.Gray{})
				}
			}
		}
	}
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		return "", "", fmt.Errorf("could not prepare the module grid for decoding: %w", err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		// gozxing's finder-pattern search misses a few valid codes (about 1 in 150
		// drawn upright) that phone cameras read; reading the grid as the pure code
		// it is still proves every module is right.
		res, err = qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
	}
	if err != nil {
		return "", "", fmt.Errorf("no QR code could be read from the module grid: %w", err)
	}
	level, _ = res.GetResultMetadata()[gozxing.ResultMetadataType_ERROR_CORRECTION_LEVEL].(string)
	return res.GetText(), level, nil
}

// halves is one character cell of a half-block code: its top and bottom module (true = dark).
type halves struct{ top, bottom bool }

// ParseANSI turns the colour style's lines (joined by newlines) back into the
// grid of modules (true = dark), quiet zone included, the way a terminal would
// paint them, so tests check the bytes a terminal receives rather than the
// renderer's intent. It refuses any cell whose foreground or background is the
// theme's default: a code must not depend on the theme to be read.
func ParseANSI(rendered string) ([][]bool, error) {
	var cells [][]halves
	// Black (30/40) is dark; white (37/47) and bright white (97/107) are light;
	// 0 is the theme's default. Colours carry over newlines as in a terminal.
	fg, bg := 0, 0
	for y, line := range strings.Split(strings.TrimSuffix(rendered, "\n"), "\n") {
		var row []halves
		for line != "" {
			if strings.HasPrefix(line, "\x1b[") {
				end := strings.IndexByte(line, 'm')
				if end < 0 || strings.ContainsAny(line[2:end], "\x1b\n") {
					return nil, fmt.Errorf("row %d, cell %d: an escape sequence other than a colour: %.20q", y, len(row), line)
				}
				var err error
				if fg, bg, err = sgr(line[2:end], fg, bg); err != nil {
					return nil, fmt.Errorf("row %d, cell %d: %w", y, len(row), err)
				}
				line = line[end+1:]
				continue
			}
			r, size := utf8.DecodeRuneInString(line)
			line = line[size:]
			if fg == 0 || bg == 0 {
				return nil, fmt.Errorf("row %d, cell %d (%q) is drawn in the theme's default colours (foreground %d, background %d): set both", y, len(row), r, fg, bg)
			}
			h, ok := glyphHalves(r, fg == 30, bg == 40)
			if !ok {
				return nil, fmt.Errorf("row %d, cell %d is %q, not a block glyph or a space", y, len(row), r)
			}
			row = append(row, h)
		}
		if fg != 0 || bg != 0 {
			// A newline with a colour set makes the terminal paint the rest of the
			// line, and every line it scrolls in, in that colour.
			return nil, fmt.Errorf("row %d ends with colours still set: reset them before the newline", y)
		}
		cells = append(cells, row)
	}
	return modules(cells)
}

// sgr applies the parameters of one ESC [ … m sequence to fg and bg.
func sgr(params string, fg, bg int) (int, int, error) {
	for _, p := range strings.Split(params, ";") {
		n, err := strconv.Atoi(p)
		switch {
		case p == "":
			fg, bg = 0, 0
		case err != nil:
			return 0, 0, fmt.Errorf("%q is not a colour parameter", p)
		case n == 0:
			fg, bg = 0, 0
		case n == 39:
			fg = 0
		case n == 49:
			bg = 0
		case n == 30 || n == 37 || n == 97:
			fg = min(n, 37) // white and bright white are both light
		case n == 40 || n == 47 || n == 107:
			bg = min(n, 47)
		default:
			return 0, 0, fmt.Errorf("colour parameter %d is neither black nor white", n)
		}
	}
	return fg, bg, nil
}

// ParsePlain turns the plain style's lines (joined by newlines) back into the
// grid of modules (true = dark), quiet zone included, as seen on a dark
// background: a glyph is light, a space dark (the qrencode -t UTF8 convention).
func ParsePlain(rendered string) ([][]bool, error) {
	if strings.Contains(rendered, "\x1b") {
		return nil, fmt.Errorf("the plain style contains an escape sequence: it must need no colours")
	}
	var cells [][]halves
	for y, line := range strings.Split(strings.TrimSuffix(rendered, "\n"), "\n") {
		var row []halves
		for _, r := range line {
			h, ok := glyphHalves(r, false, true)
			if !ok {
				return nil, fmt.Errorf("row %d, cell %d is %q, not a block glyph or a space", y, len(row), r)
			}
			row = append(row, h)
		}
		cells = append(cells, row)
	}
	return modules(cells)
}

// modules splits cells into module rows. A square code of odd side fills one
// half row less than its cells hold; that half row, under the quiet zone, must
// be light and is dropped, so the grid is the code and its quiet zone alone.
func modules(cells [][]halves) ([][]bool, error) {
	if len(cells) == 0 || len(cells[0]) == 0 {
		return nil, fmt.Errorf("there is no QR code in the text")
	}
	var grid [][]bool
	for y, row := range cells {
		if len(row) != len(cells[0]) {
			return nil, fmt.Errorf("row %d has %d cells but row 0 has %d", y, len(row), len(cells[0]))
		}
		top, bottom := make([]bool, len(row)), make([]bool, len(row))
		for x, c := range row {
			top[x], bottom[x] = c.top, c.bottom
		}
		grid = append(grid, top, bottom)
	}
	if len(grid) == len(grid[0])+1 {
		last := grid[len(grid)-1]
		if slices.Contains(last, true) {
			return nil, fmt.Errorf("the half row under the code has dark modules: paint it light")
		}
		grid = grid[:len(grid)-1]
	}
	return grid, nil
}

// glyphHalves reads one cell: ink is whether the glyph's own colour is dark, paper
// whether the rest of the cell is. ok is false for anything but a block glyph or space.
func glyphHalves(r rune, ink, paper bool) (h halves, ok bool) {
	switch r {
	case ' ':
		return halves{paper, paper}, true
	case '▀':
		return halves{ink, paper}, true
	case '▄':
		return halves{paper, ink}, true
	case '█':
		return halves{ink, ink}, true
	}
	return halves{}, false
}
