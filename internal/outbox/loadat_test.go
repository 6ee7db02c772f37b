package outbox

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestLoadAtReadsOnlyWhatCameAfter: a caller that noted the outbox's size before a
// message was appended finds that message, and the ones after it, without the others;
// an offset inside a line (another run's line going in) skips that line.
func TestLoadAtReadsOnlyWhatCameAfter(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	o := New(path, nil)
	var ends []int64 // the file's size after each message
	for _, text := range []string{"one", "two", "three"} {
		if err := o.Deliver(msg(text)); err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		ends = append(ends, fi.Size())
	}
	tests := []struct {
		name   string
		offset int64
		want   []string
	}{
		{"from the start", 0, []string{"one", "two", "three"}},
		{"where the first message ended", ends[0], []string{"two", "three"}},
		{"inside the second message", ends[0] + 5, []string{"three"}},
		{"at the end", ends[2], nil},
		{"past the end", ends[2] + 100, nil},
		{"before the start", -1, []string{"one", "two", "three"}},
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := LoadAt(f, tt.offset)
			var got []string
			for _, m := range c.Messages {
				got = append(got, m.Text)
			}
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("LoadAt(%d) = %q, %v; want %q", tt.offset, got, err, tt.want)
			}
		})
	}
}

func TestLoadAtNamesADamagedLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	if err := os.WriteFile(path, []byte("{\"channel\":\"sms\"}\nnot json\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := LoadAt(f, 1); err == nil || !strings.Contains(err.Error(), "line 1 after byte 1") {
		t.Errorf("LoadAt past a damaged line = %v; want the line named", err)
	}
}
