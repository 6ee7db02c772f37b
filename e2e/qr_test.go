//go:build linux || darwin

package e2e

import (
	"fmt"
	"slices"
	"strings"

	"github.com/hinshun/vt10x"

	"github.com/mfa-onboard/mfa-onboard/internal/qr/qrtest"
)

// A QR code is drawn in half blocks: each cell holds two modules, one above the
// other, in black (dark) or white (light; ESC [37m/[47m, which vt10x calls light
// grey, or bright white 97/107, which it calls white). What a camera sees of a
// cell is its glyph's colour where the glyph is and its background elsewhere, so
// a cell is a module cell only when those colours are black or white, never the
// theme's default.
func moduleCell(g vt10x.Glyph) (top, bottom, ok bool) {
	fg, fgOK := moduleColour(g.FG)
	bg, bgOK := moduleColour(g.BG)
	switch g.Char {
	case ' ':
		return bg, bg, bgOK
	case '▀':
		return fg, bg, fgOK && bgOK
	case '▄':
		return bg, fg, fgOK && bgOK
	case '█':
		return fg, fg, fgOK
	}
	return false, false, false
}

func moduleColour(c vt10x.Color) (dark, ok bool) {
	switch c {
	case vt10x.Black:
		return true, true
	case vt10x.LightGrey, vt10x.White:
		return false, true
	}
	return false, false
}

// linkLabel starts the line the product prints under every QR code.
const linkLabel = "Link: "

// scanQR reads the QR code drawn just above the "Link: <scheme>…" line off the
// virtual screen, cell by cell, as a camera would see it, and returns what it
// decodes to and the link that line shows.
//
// qrtest.Decode finds the code in an image the way a phone does, and its detector
// misses about 1 in 70 upright codes of this size that it reads once turned (and
// that decode without detection); a person tilts the phone, so this turns the
// code a quarter at a time before it gives up.
func (s *session) scanQR(scheme string) (decoded, shown string) {
	s.t.Helper()
	linkLine := s.words().link + scheme
	grid, shown, err := s.qrAbove(linkLine)
	if err != nil {
		s.fatalf("%v", err)
	}
	var errs []string
	for turn := 0; turn < 4; turn++ {
		decoded, err = qrtest.Decode(grid)
		if err == nil {
			if turn > 0 {
				s.t.Logf("the QR code above %q was read after %d quarter turns (upright: %s)", linkLine, turn, errs[0])
			}
			return decoded, shown
		}
		errs = append(errs, err.Error())
		grid = quarterTurn(grid)
	}
	s.fatalf("the QR code above %q (%d×%d modules) does not decode in any of four orientations: %s",
		linkLine, len(grid), len(grid[0]), strings.Join(errs, "; "))
	return "", ""
}

// quarterTurn turns a square grid 90° clockwise.
func quarterTurn(g [][]bool) [][]bool {
	n := len(g)
	out := make([][]bool, n)
	for y := range out {
		out[y] = make([]bool, n)
		for x := range out[y] {
			out[y][x] = g[n-1-x][y]
		}
	}
	return out
}

// qrAbove takes the module grid (true = dark) of the code above linkLine.
func (s *session) qrAbove(linkLine string) ([][]bool, string, error) {
	s.vt.Lock()
	defer s.vt.Unlock()
	cols, rows := s.vt.Size()
	text := func(y int) string {
		var b strings.Builder
		for x := 0; x < cols; x++ {
			b.WriteRune(s.vt.Cell(x, y).Char)
		}
		return strings.TrimRight(b.String(), " \x00")
	}
	at := -1
	for y := rows - 1; y >= 0 && at < 0; y-- {
		if strings.HasPrefix(text(y), linkLine) {
			at = y
		}
	}
	if at < 0 {
		return nil, "", fmt.Errorf("no line on the screen starts with %q", linkLine)
	}
	shown := strings.TrimPrefix(text(at), s.words().link)

	// The rows of the code: every row just above the link that has module cells.
	top := at
	for top > 0 && rowHasModules(s.vt, top-1, cols) {
		top--
	}
	if top == at {
		return nil, shown, fmt.Errorf("there is no QR code just above %q", linkLine)
	}
	if top == 0 {
		return nil, shown, fmt.Errorf("the QR code above %q reaches the top of the screen: it may be cut off", linkLine)
	}
	var grid [][]bool
	left, width := -1, -1
	for y := top; y < at; y++ {
		start := 0
		for start < cols {
			if _, _, ok := moduleCell(s.vt.Cell(start, y)); ok {
				break
			}
			start++
		}
		end := start
		for end < cols {
			if _, _, ok := moduleCell(s.vt.Cell(end, y)); !ok {
				break
			}
			end++
		}
		if left < 0 {
			left, width = start, end-start
		}
		if start != left || end-start != width {
			return nil, shown, fmt.Errorf("QR row %d spans cells %d-%d, the first row %d-%d: the code is not a clean rectangle",
				y-top, start, end, left, left+width)
		}
		upper, lower := make([]bool, 0, width), make([]bool, 0, width)
		for x := start; x < end; x++ {
			up, down, _ := moduleCell(s.vt.Cell(x, y))
			upper, lower = append(upper, up), append(lower, down)
		}
		grid = append(grid, upper, lower)
	}
	// A code's side is odd, so the bottom half of its last row lies under the
	// quiet zone: it must be light, and is not part of the code.
	if len(grid) == len(grid[0])+1 {
		if slices.Contains(grid[len(grid)-1], true) {
			return nil, shown, fmt.Errorf("the half row under the QR code above %q has dark modules: the quiet zone leaks", linkLine)
		}
		grid = grid[:len(grid)-1]
	}
	if len(grid) != len(grid[0]) {
		return nil, shown, fmt.Errorf("the QR code above %q is %d modules wide and %d high: it should be square", linkLine, len(grid[0]), len(grid))
	}
	return grid, shown, nil
}

func rowHasModules(vt vt10x.Terminal, y, cols int) bool {
	for x := 0; x < cols; x++ {
		if _, _, ok := moduleCell(vt.Cell(x, y)); ok {
			return true
		}
	}
	return false
}

// prose is the words on screen without QR art, with runs of blanks and line breaks made
// one space: text written beside a code, a few words a row, reads as one sentence.
func prose(screen string) string {
	return strings.Join(strings.Fields(strings.Map(func(r rune) rune {
		switch r {
		case '▀', '▄', '█':
			return ' '
		}
		return r
	}, screen)), " ")
}
