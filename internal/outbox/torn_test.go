package outbox

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// fullDisk makes o's next write stop after half the line, as a disk that fills up does.
func fullDisk(o *Outbox) {
	o.write = func(f *os.File, b []byte) (int, error) {
		n, err := f.Write(b[:len(b)/2])
		if err != nil {
			return n, err
		}
		return n, syscall.ENOSPC
	}
}

func TestAShortWriteTearsOnlyItsOwnLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	o := New(path, nil)
	if err := o.Deliver(msg("before")); err != nil {
		t.Fatal(err)
	}
	fullDisk(o)
	err := o.Deliver(msg("cut short"))
	if err == nil || !strings.Contains(err.Error(), "disk space") || !strings.Contains(err.Error(), path) {
		t.Fatalf("a short write = %v; want an error naming the file and what to do", err)
	}
	o.write = writeOnce
	if err := o.Deliver(msg("after")); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil {
		t.Fatalf("Load after a torn line: %v", err)
	}
	var got []string
	for _, m := range c.Messages {
		got = append(got, m.Text)
	}
	if strings.Join(got, "|") != "before|after" || c.Torn != 1 {
		t.Errorf("Load = %q, %d torn; want before|after and the one torn line counted", got, c.Torn)
	}
}

func TestLoadCountsTornLinesAndSkipsEmptyOnes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	whole := `{"time":"2026-11-25T09:01:00Z","channel":"sms","to":"+12015550100","text":"whole"}`
	data := whole + "\n\n" + tornLine + "\n" + whole + "\n" + `{"time":"2026-11`
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(path)
	if err != nil || len(c.Messages) != 2 || c.Torn != 2 {
		t.Errorf("Load = %d messages, %d torn, %v; want 2 whole, 2 torn (one inside, one at the end)", len(c.Messages), c.Torn, err)
	}
}

func TestAWholeMessageWithoutItsNewlineCounts(t *testing.T) {
	// A write cut short just before the newline: the message itself arrived whole.
	path := filepath.Join(t.TempDir(), "outbox.jsonl")
	if err := os.WriteFile(path, []byte(`{"time":"2026-11-25T09:01:00Z","channel":"sms","to":"+1","text":"whole"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := New(path, nil).Deliver(msg("next")); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(texts(t, path), "|"); got != "whole|next" {
		t.Errorf("messages = %q", got)
	}
}

func FuzzLoad(f *testing.F) {
	f.Add([]byte(tornLine + "\n" + `{"time":"2026-11-25T09:01:00Z","channel":"sms","to":"+1","text":"a"}` + "\n"))
	f.Add([]byte(tornLine + `{"time":"2026-11-25T09:01:00Z","channel":"sms","to":"+1","text":"a"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "outbox.jsonl")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := Load(path)
		if err != nil {
			return
		}
		// Whatever was there, an append after it is read back whole.
		if err := New(path, nil).Deliver(msg("appended")); err != nil {
			t.Fatal(err)
		}
		c2, err := Load(path)
		if err != nil {
			t.Fatalf("Load after an append to a readable outbox: %v", err)
		}
		if len(c2.Messages) != len(c.Messages)+1 || c2.Messages[len(c2.Messages)-1].Text != "appended" {
			t.Fatalf("after the append: %d messages (was %d), last %+v", len(c2.Messages), len(c.Messages), c2.Messages[len(c2.Messages)-1])
		}
	})
}
