//go:build linux || darwin

package e2e

import (
	"encoding/json"
	"flag"
	"os"
	"regexp"
	"sync"
)

// screenTimes is where `make bench` (bench/screens_test.go) has the walkthroughs
// write how long each screen took to draw; nothing is written without it.
var screenTimes = flag.String("screen-times", "", "append one JSON line per question drawn to this file: the time from the last key typed (or the program's start) to the question on the screen")

// screenTime is one question drawn: the time from the keys that answered the one
// before (from) to this one (to) arriving on the terminal.
type screenTime struct {
	Test string `json:"test"`
	// Step is the heading of the step the question is in ("Step 4 of 8: …"), or
	// empty before the first.
	Step string  `json:"step"`
	From string  `json:"from"`
	To   string  `json:"to"`
	MS   float64 `json:"ms"`
}

// screenTimesMu keeps the lines of parallel tests whole.
var screenTimesMu sync.Mutex

var stepHeading = regexp.MustCompile(`Step \d+ of \d+: [^\n─]*[^\n─ ]`)

// drawn records, when -screen-times is set, how long the text just matched (the
// question, or the last words of a run) took to reach the screen after the keys
// typed last, or after the program started if none were.
func (s *session) drawn(what string) {
	s.t.Helper()
	at := s.out.arrivedAt(s.mark)
	from, since := s.asked, s.keysAt
	if since.IsZero() {
		from, since = "(start)", s.started
	}
	s.asked = what
	if *screenTimes == "" {
		return
	}
	headings := stepHeading.FindAllString(s.out.slice(0, s.mark), -1)
	rec := screenTime{Test: s.t.Name(), From: from, To: what, MS: float64(at.Sub(since).Microseconds()) / 1e3}
	if len(headings) > 0 {
		rec.Step = headings[len(headings)-1]
	}
	line, err := json.Marshal(rec)
	if err != nil {
		s.fatalf("record a screen time: %v", err)
	}
	screenTimesMu.Lock()
	defer screenTimesMu.Unlock()
	f, err := os.OpenFile(*screenTimes, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err == nil {
		_, err = f.Write(append(line, '\n'))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		s.fatalf("record a screen time in %s: %v", *screenTimes, err)
	}
}
