// Package outbox is the demo phone: everything a fake provider would have sent to a
// person's phone (text messages, Duo activations, pushes) or to the support desk is
// appended here, one JSON object a line, so a person, a test or a CI job can read it.
package outbox

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// Channels a message can travel on.
const (
	SMS   = "sms"
	Push  = "push"
	Email = "email"
)

// Message is one thing that was "sent".
type Message struct {
	Time    time.Time `json:"time"`
	Channel string    `json:"channel"`
	To      string    `json:"to"`
	Text    string    `json:"text"`
	// Link is set when the message carries something to open or scan.
	Link string `json:"link,omitempty"`
}

// Outbox appends messages to a JSONL file and, in the demo, shows each one on screen.
type Outbox struct {
	path string
	show func(Message)
	mu   sync.Mutex
}

// New returns an outbox writing to path; show, if not nil, is called for every message.
func New(path string, show func(Message)) *Outbox {
	return &Outbox{path: path, show: show}
}

// Path is the file the messages go to.
func (o *Outbox) Path() string { return o.path }

// Deliver appends m to the outbox file (0600) and shows it.
func (o *Outbox) Deliver(m Message) error {
	line, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode outbox message: %w", err)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := os.MkdirAll(filepath.Dir(o.path), 0o700); err != nil {
		return fmt.Errorf("create the folder for the outbox %s: %w", o.path, err)
	}
	f, err := os.OpenFile(o.path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("open the outbox %s: %w", o.path, err)
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		_ = f.Close()
		return fmt.Errorf("write to the outbox %s: %w", o.path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write to the outbox %s: %w", o.path, err)
	}
	if o.show != nil {
		o.show(m)
	}
	return nil
}

// Read returns every message in the outbox file at path, oldest first; a missing file is empty.
func Read(path string) ([]Message, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("open the outbox %s: %w", path, err)
	}
	defer f.Close()
	var out []Message
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		var m Message
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			return out, fmt.Errorf("outbox %s line %d is not a JSON message: %w", path, n, err)
		}
		out = append(out, m)
	}
	if err := sc.Err(); err != nil {
		return out, fmt.Errorf("read the outbox %s: %w", path, err)
	}
	return out, nil
}
