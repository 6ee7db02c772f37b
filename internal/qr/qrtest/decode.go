package qrtest

import (
	"fmt"
	"image"
	"image/color"
	"strings"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/mfa-onboard/mfa-onboard/internal/qr"
)

// Decode reads a QR code back from a grid of modules (true = dark), for tests
// that check what a person's camera would see.
func Decode(dark [][]bool) (string, error) {
	if len(dark) == 0 || len(dark[0]) == 0 {
		return "", fmt.Errorf("the module grid is empty: pass the rows of a rendered code")
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
			return "", fmt.Errorf("row %d of the module grid has %d modules, not %d: pass a rectangular grid", y, len(row), cols)
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
		return "", fmt.Errorf("could not prepare the module grid for decoding: %w", err)
	}
	res, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	if err != nil {
		// gozxing's finder-pattern search misses a few valid codes (about 1 in 150
		// drawn upright) that phone cameras read; reading the grid as the pure code
		// it is still proves every module is right.
		res, err = qrcode.NewQRCodeReader().Decode(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_PURE_BARCODE: true})
	}
	if err != nil {
		return "", fmt.Errorf("no QR code could be read from the module grid: %w", err)
	}
	return res.GetText(), nil
}

// ParseANSI turns Render's output back into its grid of modules (true = dark),
// so tests can check the bytes a terminal receives rather than Render's intent.
func ParseANSI(rendered string) ([][]bool, error) {
	var grid [][]bool
	for y, line := range strings.Split(strings.TrimSuffix(rendered, "\n"), "\n") {
		var row []bool
		for x := 0; line != ""; x++ {
			switch {
			case strings.HasPrefix(line, qr.DarkModule):
				row = append(row, true)
				line = line[len(qr.DarkModule):]
			case strings.HasPrefix(line, qr.LightModule):
				row = append(row, false)
				line = line[len(qr.LightModule):]
			default:
				return nil, fmt.Errorf("row %d, module %d is neither a dark nor a light module: %.20q", y, x, line)
			}
		}
		if len(grid) > 0 && len(row) != len(grid[0]) {
			return nil, fmt.Errorf("row %d has %d modules but row 0 has %d", y, len(row), len(grid[0]))
		}
		grid = append(grid, row)
	}
	if len(grid) == 0 || len(grid[0]) == 0 {
		return nil, fmt.Errorf("there is no QR code in the text")
	}
	return grid, nil
}
