//go:build linux || darwin

package e2e

import (
	"regexp"
	"sort"
	"sync"
	"time"
)

// transcript keeps everything the program wrote to its terminal as plain text:
// escape sequences (colours, cursor movement, cursor-position queries) and control
// characters other than newline and tab are dropped, so expectations can match the
// words a person reads even when survey colours parts of a line differently.
type transcript struct {
	mu   sync.Mutex
	text []byte
	esc  escState
	// grew is closed, and replaced, whenever text grows.
	grew chan struct{}
	// arrivals are when each write that grew the text was read: its end offset
	// and the time, in order (see arrivedAt).
	arrivals []arrival
}

// arrival is one write of the program's output: where it ended in the text, and
// when it was read.
type arrival struct {
	end int
	at  time.Time
}

type escState int

const (
	escNone    escState = iota
	escStart            // after ESC
	escCSI              // after ESC [, until a final byte
	escOSC              // after ESC ], until BEL or ESC \
	escOSCEsc           // ESC inside an OSC string
	escCharset          // after ESC ( and friends: one more byte
)

func newTranscript() *transcript { return &transcript{grew: make(chan struct{})} }

// Write takes the program's output as the console reads it.
func (tr *transcript) Write(p []byte) (int, error) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	before := len(tr.text)
	for _, b := range p {
		switch tr.esc {
		case escStart:
			switch b {
			case '[':
				tr.esc = escCSI
			case ']':
				tr.esc = escOSC
			case '(', ')', '*', '+', '#':
				tr.esc = escCharset
			default:
				tr.esc = escNone
			}
		case escCSI:
			if b >= 0x40 && b <= 0x7e {
				tr.esc = escNone
			}
		case escOSC:
			switch b {
			case 0x07:
				tr.esc = escNone
			case 0x1b:
				tr.esc = escOSCEsc
			}
		case escOSCEsc:
			tr.esc = escNone
		case escCharset:
			tr.esc = escNone
		default:
			switch {
			case b == 0x1b:
				tr.esc = escStart
			case b == '\n' || b == '\t' || b >= 0x20 && b != 0x7f:
				tr.text = append(tr.text, b)
			}
		}
	}
	if len(tr.text) > before {
		tr.arrivals = append(tr.arrivals, arrival{end: len(tr.text), at: time.Now()})
		close(tr.grew)
		tr.grew = make(chan struct{})
	}
	return len(p), nil
}

// find looks for re in the text from offset from on. It returns the match's
// submatch offsets (absolute, as regexp's Index functions give them), or nil,
// and a channel that is closed when more text arrives.
func (tr *transcript) find(re *regexp.Regexp, from int) ([]int, <-chan struct{}) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	loc := re.FindSubmatchIndex(tr.text[from:])
	for i := range loc {
		if loc[i] >= 0 {
			loc[i] += from
		}
	}
	return loc, tr.grew
}

// len is the length of the text so far.
func (tr *transcript) len() int {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	return len(tr.text)
}

// slice returns the text between two offsets; to < 0 means up to the end.
func (tr *transcript) slice(from, to int) string {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if to < 0 || to > len(tr.text) {
		to = len(tr.text)
	}
	if from > to {
		from = to
	}
	return string(tr.text[from:to])
}

// arrivedAt is when the text up to offset had been read: the time of the write
// that brought its last byte.
func (tr *transcript) arrivedAt(offset int) time.Time {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	i := sort.Search(len(tr.arrivals), func(i int) bool { return tr.arrivals[i].end >= offset })
	if i == len(tr.arrivals) {
		return time.Now()
	}
	return tr.arrivals[i].at
}
