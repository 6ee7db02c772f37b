//go:build bench && unix

package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

const (
	screensID      = "screens"
	screensTitle   = "Every screen, in a pseudo-terminal"
	screensCommand = "make bench, or alone: go test -tags bench -run TestScreens -v ./bench/ -args -report=$PWD/BENCHMARKS.md"
	// screensRepeats is how many walkthroughs each screen's median is taken over.
	screensRepeats = 7
	// screenTarget is the most a screen may take after the last key of an answer.
	screenTarget = 50 * time.Millisecond
)

// screenTime is one line of e2e's -screen-times file.
type screenTime struct {
	Test, Step, From, To string
	MS                   float64
}

// TestScreens has e2e's walkthrough of the whole demo (TestWizardEndToEnd, in an
// 80×24 pseudo-terminal) record, for every question, the time from the last key of
// the answer before it to the question reaching the terminal, over several
// walkthroughs, and records each screen's median and slowest beside the target.
func TestScreens(t *testing.T) {
	file := filepath.Join(t.TempDir(), "screen-times.jsonl")
	cmd := exec.Command("go", "test", "-count", fmt.Sprint(screensRepeats), "-run", "^TestWizardEndToEnd$", "../e2e/", "-args", "-screen-times="+file)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	type key struct{ step, from, to string }
	var order []key
	times := map[key][]time.Duration{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var r screenTime
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("a line of %s: %v", file, err)
		}
		k := key{r.Step, r.From, r.To}
		if _, seen := times[k]; !seen {
			order = append(order, k)
		}
		times[k] = append(times[k], time.Duration(r.MS*float64(time.Millisecond)))
	}
	if len(order) == 0 {
		t.Fatalf("the walkthrough recorded no screen times in %s", file)
	}
	for _, k := range order {
		ds := times[k]
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		m := median(ds)
		step := k.step
		if step == "" {
			step = "before the steps"
		}
		to := fmt.Sprintf("%q", k.to)
		if k.to == k.from {
			to += " asked again"
		}
		f := figure{
			name:  fmt.Sprintf("%s: after %s → %s drawn", step, describeFrom(k.from), to),
			value: fmt.Sprintf("%.1f ms (slowest of %d: %.1f)", ms(m), len(ds), ms(ds[len(ds)-1])),
		}
		if k.from != "(start)" {
			f.target, f.met = fmt.Sprintf("≤ %.0f ms", ms(screenTarget)), held(m <= screenTarget)
		}
		figures.add(screensID, screensTitle, screensCommand, f)
	}
	figures.noteOnce(screensID, fmt.Sprintf("Each figure is the median over %d walkthroughs of the whole demo by e2e's TestWizardEndToEnd, in an 80×24 pseudo-terminal: the time from the harness writing the last key of an answer (Enter, or the arrow keys and Enter of a menu) to the next question's text being read from the terminal. It includes the program's work between the two (the demo's vendors, state saves with their fsyncs, QR codes) and the terminal's round trips; the program is built without the race detector. The first figure is from the process's start, start-up included, and has no target: start-up is the section \"Start-up\".", screensRepeats))
}

// describeFrom names what was answered before a screen.
func describeFrom(from string) string {
	if from == "(start)" {
		return "the program starts"
	}
	return fmt.Sprintf("%q", from)
}
