// Package outbox is the demo phone: everything a fake provider would have sent to a
// person's phone (text messages, Duo activations, pushes) or to the support desk is
// appended here, one JSON object a line, so a person, a test or a CI job can read it.
//
// Several processes may append at once (two people's runs on one computer), and a
// disk can fill up mid-line, so each line goes in as one O_APPEND write of the whole
// line with its newline: lines of different processes never interleave, and a line
// cut short is only ever the end of the file. The next append sees that the file does
// not end in a newline and starts on a fresh line, so a torn line never swallows the
// next message; Read skips torn lines and Load counts them.
package outbox

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/faultpoint"
)

// Channels a message can travel on.
const (
	SMS   = "sms"
	Push  = "push"
	Email = "email"
)

// Message is one thing that was "sent".
type Message struct {
	// Time must stay the first field: every line then starts with lineStart, which is
	// how Load finds a whole message behind a torn one on the same line (written by
	// versions that did not start a fresh line after a tear).
	Time    time.Time `json:"time"`
	Channel string    `json:"channel"`
	To      string    `json:"to"`
	Text    string    `json:"text"`
	// Link is set when the message carries something to open or scan.
	Link string `json:"link,omitempty"`
}

// lineStart is how every encoded Message begins. Inside a JSON string a quote is
// escaped, so these bytes can only be the start of a message, never part of one.
var lineStart = []byte(`{"time":`)

// Outbox appends messages to a JSONL file and, in the demo, shows each one on screen.
type Outbox struct {
	path string
	show func(Message)
	mu   sync.Mutex
	// write makes the single write of one line; tests replace it to cut a line short
	// the way a full disk does.
	write func(f *os.File, b []byte) (int, error)
}

// New returns an outbox writing to path; show, if not nil, is called for every message.
func New(path string, show func(Message)) *Outbox {
	return &Outbox{path: path, show: show, write: writeOnce}
}

// Path is the file the messages go to.
func (o *Outbox) Path() string { return o.path }

// Deliver appends m to the outbox file (0600) and shows it.
func (o *Outbox) Deliver(m Message) error {
	line, err := json.Marshal(m)
	if err != nil {
		return catalog.Wrap(err, "outbox.encode")
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(o.path), 0o700); err != nil {
		return catalog.Wrap(err, "outbox.folder.create", "Path", o.path)
	}
	if err := o.appendLine(append(line, '\n')); err != nil {
		return err
	}
	faultpoint.Hit(faultpoint.Append, o.path) // make test-faults kills here; nothing in other builds
	if o.show != nil {
		o.show(m)
	}
	return nil
}

// appendLine adds line (newline included) to the file in one write. The file must be
// a regular file of its own, readable by its owner only, since it receives codes.
func (o *Outbox) appendLine(line []byte) error {
	before, err := os.Lstat(o.path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		before = nil
	case err != nil:
		return catalog.Wrap(err, "outbox.look", "Path", o.path)
	default:
		if err := ownFile(o.path, before); err != nil {
			return err
		}
	}
	// Read access too: the last byte says whether the previous line was cut short.
	f, err := os.OpenFile(o.path, os.O_APPEND|os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return catalog.Wrap(err, "outbox.open.append", "Path", o.path)
	}
	defer f.Close()
	if err := lockAppend(f); err != nil {
		return catalog.Wrap(err, "outbox.lock", "Path", o.path)
	}
	opened, err := f.Stat()
	if err != nil {
		return catalog.Wrap(err, "outbox.look", "Path", o.path)
	}
	// A link put in place between the check and the open would have been followed:
	// what was opened must still be what the name holds.
	now, err := os.Lstat(o.path)
	if err != nil {
		return catalog.Wrap(err, "outbox.look", "Path", o.path)
	}
	if err := ownFile(o.path, now); err != nil {
		return err
	}
	if !os.SameFile(opened, now) || before != nil && !os.SameFile(before, now) {
		return catalog.NewError("outbox.replaced", "Path", o.path)
	}
	// An outbox made by hand, or by another tool, may be readable by others: tighten it
	// before a code goes in. (Windows has no such mode bits.)
	if runtime.GOOS != "windows" && opened.Mode().Perm()&^0o600 != 0 {
		if err := f.Chmod(0o600); err != nil {
			return catalog.Wrap(err, "outbox.private", "Path", o.path)
		}
	}
	if size := opened.Size(); size > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, size-1); err != nil {
			return catalog.Wrap(err, "outbox.read.end", "Path", o.path)
		}
		if last[0] != '\n' {
			// The last write was cut short: start on a fresh line, so the torn line
			// stays alone and this message whole.
			line = append([]byte{'\n'}, line...)
		}
	}
	n, err := o.write(f, line)
	if err == nil && n < len(line) {
		err = io.ErrShortWrite
	}
	if err != nil {
		return catalog.Wrap(err, "outbox.write.short", "Path", o.path)
	}
	if err := f.Close(); err != nil {
		return catalog.Wrap(err, "outbox.write", "Path", o.path)
	}
	return nil
}

// ownFile refuses anything but a regular file: a symbolic link could send codes to a
// file someone else can read, and a device or pipe is no outbox.
func ownFile(path string, fi os.FileInfo) error {
	switch {
	case fi.Mode()&os.ModeSymlink != 0:
		return catalog.NewError("outbox.link", "Path", path)
	case !fi.Mode().IsRegular():
		return catalog.NewError("outbox.not-a-file", "Path", path)
	}
	return nil
}

// Contents is what an outbox file holds.
type Contents struct {
	// Messages are the whole messages, oldest first.
	Messages []Message
	// Torn counts lines that were cut short (a full disk, a process killed while it
	// wrote); they are skipped, as what they held never arrived whole.
	Torn int
}

// Read returns every whole message in the outbox file at path, oldest first, skipping
// torn lines; a missing file is empty.
func Read(path string) ([]Message, error) {
	c, err := Load(path)
	return c.Messages, err
}

// Load reads the outbox file at path: the whole messages, and how many lines were
// torn. A line that is not a message at all (edited by hand) is an error naming it.
func Load(path string) (Contents, error) {
	var c Contents
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, catalog.Wrap(err, "outbox.open", "Path", path)
	}
	defer f.Close()
	err = c.read(bufio.NewReader(f), inFile(path))
	return c, err
}

// LoadAt reads the messages of an outbox file from offset on: for a caller that noted
// where the file ended (its size) before a message was appended, and looks for that
// message without reading all the others. A line that offset falls inside of began
// before it and is skipped; an offset past the end reads nothing.
func LoadAt(r io.ReaderAt, offset int64) (Contents, error) {
	var c Contents
	if offset < 0 {
		offset = 0
	}
	rd := bufio.NewReader(io.NewSectionReader(r, offset, math.MaxInt64-offset))
	if offset > 0 {
		before := make([]byte, 1)
		if _, err := r.ReadAt(before, offset-1); errors.Is(err, io.EOF) {
			return c, nil
		} else if err != nil {
			return c, catalog.Wrap(err, "outbox.read")
		}
		if before[0] != '\n' {
			if _, err := rd.ReadBytes('\n'); errors.Is(err, io.EOF) {
				return c, nil
			} else if err != nil {
				return c, catalog.Wrap(err, "outbox.read")
			}
		}
	}
	err := c.read(rd, after(offset))
	return c, err
}

// lines say what is wrong with line n of an outbox: it could not be read (bad is
// false), or it is not a message (bad is true).
type lines func(n int, bad bool, err error) error

// inFile names the lines of the outbox file at path.
func inFile(path string) lines {
	return func(n int, bad bool, err error) error {
		if bad {
			return catalog.Wrap(err, "outbox.line.not-json", "Path", path, "Line", n)
		}
		return catalog.Wrap(err, "outbox.line.read", "Path", path, "Line", n)
	}
}

// after names the lines of an outbox read from offset on.
func after(offset int64) lines {
	return func(n int, bad bool, err error) error {
		if bad {
			return catalog.Wrap(err, "outbox.line.not-json.after", "Line", n, "Offset", offset)
		}
		return catalog.Wrap(err, "outbox.line.read.after", "Line", n, "Offset", offset)
	}
}

// read adds the messages of every line rd has left; wrong says what is wrong with
// line n.
func (c *Contents) read(rd *bufio.Reader, wrong lines) error {
	for n := 1; ; n++ {
		line, err := rd.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return wrong(n, false, err)
		}
		if perr := c.add(bytes.TrimSpace(line)); perr != nil {
			return wrong(n, true, perr)
		}
		if err != nil {
			return nil
		}
	}
}

// add takes the messages of one line. A line is normally one message; a line that
// holds a torn message followed by whole ones (an older version's append after a
// tear) is split where each message starts.
func (c *Contents) add(line []byte) error {
	if len(line) == 0 {
		return nil
	}
	var m Message
	if json.Unmarshal(line, &m) == nil {
		c.Messages = append(c.Messages, m)
		return nil
	}
	for len(line) > 0 {
		part := line
		if next := bytes.Index(line[1:], lineStart); next >= 0 {
			part, line = line[:next+1], line[next+1:]
		} else {
			line = nil
		}
		var m Message
		err := json.Unmarshal(part, &m)
		switch {
		case err == nil:
			c.Messages = append(c.Messages, m)
		case torn(part):
			c.Torn++
		default:
			return err
		}
	}
	return nil
}

// torn reports whether b is the beginning of a JSON value that stops before its end,
// which is what a write cut short leaves.
func torn(b []byte) bool {
	var v any
	return errors.Is(json.NewDecoder(bytes.NewReader(b)).Decode(&v), io.ErrUnexpectedEOF)
}
