package qr_test

import (
	"bytes"
	"errors"
	"github.com/mfa-onboard/mfa-onboard/internal/qr"
	"github.com/mfa-onboard/mfa-onboard/internal/qr/qrtest"
	"io"
	"strings"
	"testing"
)

const (
	shortLink = "https://aka.ms/mfasetup"
	otpauth   = "otpauth://totp/Example%20MSP:alice@example.com?algorithm=SHA1&digits=6&issuer=Example%20MSP&period=30&secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
)

// big is a window that fits any code these tests draw.
var big = qr.Size{Cols: 500, Rows: 500}

func TestNeeded(t *testing.T) {
	tests := []struct {
		content string
		want    qr.Size
	}{
		{shortLink, qr.Size{Cols: 58, Rows: 29}}, // version 2: 25 modules + 2×2 quiet zone
		{otpauth, qr.Size{Cols: 106, Rows: 53}},  // version 8: 49 modules + 2×2 quiet zone
	}
	for _, tt := range tests {
		got, err := qr.Needed(tt.content)
		if err != nil {
			t.Fatalf("qr.Needed(%q): %v", tt.content, err)
		}
		if got != tt.want {
			t.Errorf("qr.Needed(%q) = %+v; want %+v", tt.content, got, tt.want)
		}
	}
}

// TestNeededMatchesOutput checks Needed against what Render actually draws,
// since Render's fit check is only as good as that prediction.
func TestNeededMatchesOutput(t *testing.T) {
	for _, content := range []string{"", "a", shortLink, otpauth, strings.Repeat("x", 1000)} {
		need, err := qr.Needed(content)
		if err != nil {
			t.Fatalf("qr.Needed(%q): %v", content, err)
		}
		var buf bytes.Buffer
		if err := qr.Render(&buf, content, need, 0); err != nil {
			t.Fatalf("qr.Render(%q) into exactly %+v: %v", content, need, err)
		}
		lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
		if len(lines) != need.Rows {
			t.Errorf("qr.Render(%q) drew %d rows; Needed said %d", content, len(lines), need.Rows)
		}
		for i, line := range lines {
			// Escape sequences take no cells; each module is two spaces.
			if cells := strings.Count(line, " "); cells != need.Cols {
				t.Fatalf("qr.Render(%q) row %d is %d cells wide; Needed said %d", content, i, cells, need.Cols)
			}
		}
	}
}

func TestRoundTrip(t *testing.T) {
	for _, content := range []string{shortLink, otpauth} {
		var buf bytes.Buffer
		if err := qr.Render(&buf, content, big, 3); err != nil {
			t.Fatalf("qr.Render(%q): %v", content, err)
		}
		out := buf.String()
		if strings.ContainsAny(out, "▀▄█") {
			t.Errorf("qr.Render(%q) used half-block or full-block glyphs", content)
		}
		if strings.Contains(out, content) {
			t.Errorf("qr.Render(%q) printed the content as text; the caller decides that", content)
		}
		grid, err := qrtest.ParseANSI(out)
		if err != nil {
			t.Fatalf("ParseANSI: %v", err)
		}
		got, err := qrtest.Decode(grid)
		if err != nil {
			t.Fatalf("qrtest.Decode(qr.Render(%q)): %v", content, err)
		}
		if got != content {
			t.Errorf("qrtest.Decode(qr.Render(%q)) = %q", content, got)
		}
		// A dark theme surrounds the code with dark cells; the painted quiet
		// zone must be enough for the code to stand out from them.
		got, err = qrtest.Decode(surround(grid, 6, true))
		if err != nil || got != content {
			t.Errorf("on a dark background Decode = %q, %v; want %q", got, err, content)
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

func TestTooSmall(t *testing.T) {
	const reserve = 3
	for _, content := range []string{shortLink, otpauth} {
		need, err := qr.Needed(content)
		if err != nil {
			t.Fatal(err)
		}
		fits := qr.Size{Cols: need.Cols, Rows: need.Rows + reserve}
		var buf bytes.Buffer
		if err := qr.Render(&buf, content, fits, reserve); err != nil || buf.Len() == 0 {
			t.Fatalf("Render into exactly %+v = %v, %d bytes; want the code", fits, err, buf.Len())
		}
		for _, have := range []qr.Size{
			{Cols: fits.Cols - 1, Rows: fits.Rows},
			{Cols: fits.Cols, Rows: fits.Rows - 1},
			{},
		} {
			buf.Reset()
			err := qr.Render(&buf, content, have, reserve)
			var tse *qr.TooSmallError
			if !errors.As(err, &tse) {
				t.Fatalf("Render into %+v = %v; want *qr.TooSmallError", have, err)
			}
			if tse.Have != have || tse.Need != fits {
				t.Errorf("qr.TooSmallError = %+v; want Have %+v, Need %+v", tse, have, fits)
			}
			if buf.Len() != 0 {
				t.Errorf("Render into %+v wrote %d bytes; want none", have, buf.Len())
			}
		}
	}
}

func TestTooSmallMessage(t *testing.T) {
	err := &qr.TooSmallError{Have: qr.Size{80, 24}, Need: qr.Size{92, 47}}
	want := "the window is too small for the QR code (it is 80×24; the code needs 92×47): enlarge the window or zoom out, or use the link below"
	if err.Error() != want {
		t.Errorf("Error() = %q; want %q", err.Error(), want)
	}
}

func TestTooLong(t *testing.T) {
	content := strings.Repeat("x", 5000)
	if _, err := qr.Needed(content); err == nil {
		t.Fatal("Needed accepted 5000 bytes; want an error")
	}
	var buf bytes.Buffer
	if err := qr.Render(&buf, content, big, 0); err == nil || buf.Len() != 0 {
		t.Fatalf("Render of 5000 bytes = %v, %d bytes written; want an error and nothing written", err, buf.Len())
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
	for _, s := range []string{"", "hello\n", qr.DarkModule + "x\n", qr.DarkModule + "\n" + qr.DarkModule + qr.LightModule + "\n", "▀▄\n"} {
		if _, err := qrtest.ParseANSI(s); err == nil {
			t.Errorf("qrtest.ParseANSI(%q) accepted it", s)
		}
	}
}

func BenchmarkRender(b *testing.B) {
	for b.Loop() {
		if err := qr.Render(io.Discard, otpauth, big, 3); err != nil {
			b.Fatal(err)
		}
	}
}
