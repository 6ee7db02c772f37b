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
	"slices"
	"strings"
	"testing"
	"time"
)

// home is one customer's mfa-onboard home folder and the environment of its runs.
type home struct {
	dir string
	env []string
}

// newHome makes an empty home; extra is added to every run's environment.
func newHome(t *testing.T, name string, extra ...string) *home {
	t.Helper()
	dir := filepath.Join(t.TempDir(), name)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		key, _, _ := strings.Cut(kv, "=")
		if key == "CI" || key == "TERM" || key == "NO_COLOR" || strings.HasPrefix(key, "MFA_ONBOARD_") {
			continue
		}
		env = append(env, kv)
	}
	// No terminal: a line per person rather than the live display, as a pipeline
	// or a technician redirecting the output would see it.
	env = append(env, "MFA_ONBOARD_HOME="+dir, "CI=true", "TERM=dumb")
	return &home{dir: dir, env: append(env, extra...)}
}

// run is one finished process and what it cost.
type run struct {
	code           int
	stdout, stderr []byte
	wall, cpu      time.Duration
	// peakRSS is the most memory the process held at once, in bytes (wait4's
	// ru_maxrss, as launch reads it).
	peakRSS int64
}

func (r run) String() string {
	return fmt.Sprintf("exit %d, %s wall, %s CPU, %.1f MiB peak", r.code, r.wall.Round(time.Millisecond), r.cpu.Round(time.Millisecond), mib(r.peakRSS))
}

// exec runs mfa-onboard with args, through launch (see bench/launch for why); codes
// are the exit codes that are not a failure.
func (h *home) exec(t *testing.T, codes []int, args ...string) run {
	t.Helper()
	return h.execProgram(t, binary, codes, args...)
}

// execProgram is exec for another program (the bare cobra program start-up is
// measured against), run the same way.
func (h *home) execProgram(t *testing.T, program string, codes []int, args ...string) run {
	t.Helper()
	result := filepath.Join(t.TempDir(), "launch.json")
	cmd := exec.Command(launcher, append([]string{result, program}, args...)...)
	cmd.Env = h.env
	cmd.Dir = h.dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	data, rerr := os.ReadFile(result)
	var l struct {
		Code      int
		Wall, CPU time.Duration
		PeakRSS   int64  `json:"peak_rss"`
		FloorRSS  int64  `json:"floor_rss"`
		StartFail string `json:"start_fail"`
	}
	if rerr != nil || json.Unmarshal(data, &l) != nil || l.StartFail != "" {
		t.Fatalf("%s %s did not run: %v %v %s\n%s", filepath.Base(program), strings.Join(args, " "), err, rerr, l.StartFail, tail(stderr.Bytes(), 2000))
	}
	launchFloor = max(launchFloor, l.FloorRSS)
	r := run{code: l.Code, stdout: stdout.Bytes(), stderr: stderr.Bytes(), wall: l.Wall, cpu: l.CPU, peakRSS: l.PeakRSS}
	if !slices.Contains(codes, r.code) {
		t.Fatalf("%s %s ended %d, want one of %v:\n%s", filepath.Base(program), strings.Join(args, " "), r.code, codes, tail(r.stderr, 2000))
	}
	return r
}

func tail(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return string(b)
}

func mib(b int64) float64 { return float64(b) / (1 << 20) }

// areaCodes are US area codes: with the numbers 555-0100 to 555-0199, which are
// reserved for fiction, they give every generated person a number of their own.
// scripts/users-csv.sh has ten, so its people share a number every 1,000 rows, and
// the demo's 30-second resend cool-down for a number then holds every worker.
var areaCodes = []int{
	201, 202, 203, 205, 206, 207, 208, 209, 210, 212, 213, 214, 215, 216, 217, 218, 219, 224, 225, 228,
	229, 231, 234, 239, 240, 248, 251, 252, 253, 254, 256, 260, 262, 267, 269, 270, 276, 281, 301, 302,
	303, 304, 305, 307, 308, 309, 310, 312, 313, 314, 315, 316, 317, 318, 319, 320, 321, 323, 325, 330,
	334, 336, 337, 339, 347, 351, 352, 360, 361, 385, 386, 401, 402, 404, 405, 406, 407, 408, 409, 410,
	412, 413, 414, 415, 417, 419, 423, 424, 425, 432, 434, 435, 440, 443, 469, 470, 478, 479, 480, 484,
	501, 502, 503, 504, 505, 507, 508, 509, 510, 512,
}

// person is one generated row: the i-th person of the customer.
func person(i int) (user, phone, platform string) {
	platform = "ios"
	if i%2 == 1 {
		platform = "android"
	}
	return fmt.Sprintf("user%05d@contoso.com", i), fmt.Sprintf("%d 555 0%d", areaCodes[i/100%len(areaCodes)], 100+i%100), platform
}

// writeUsers writes the CSV file of people from to to-1, in the columns of
// scripts/users-csv.sh (every tenth with a manager, a department kept as an extra
// column).
func writeUsers(t *testing.T, path string, from, to int) {
	t.Helper()
	if to > 100*len(areaCodes) {
		t.Fatalf("only %d people have numbers of their own", 100*len(areaCodes))
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "user,phone,country,platform,manager,department")
	for i := from; i < to; i++ {
		user, phone, platform := person(i)
		manager := ""
		if i%10 == 0 {
			manager = fmt.Sprintf("lead%d@contoso.com", i/10)
		}
		fmt.Fprintf(w, "%s,%s,US,%s,%s,dept%d\n", user, phone, platform, manager, i%7)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// summary is the last line of batch --output json.
type summary struct {
	Rows, Completed, Waiting, Failed, Skipped, Interrupted int
}

// batch runs "batch FILE --output json args…" and checks that every row was run
// and none failed or was skipped.
func (h *home) batch(t *testing.T, csv string, rows int, args ...string) (run, summary) {
	t.Helper()
	r := h.exec(t, []int{0, 3}, append([]string{"batch", csv, "--output", "json"}, args...)...)
	lines := bytes.Split(bytes.TrimSpace(r.stdout), []byte("\n"))
	var s struct{ Summary summary }
	if err := json.Unmarshal(lines[len(lines)-1], &s); err != nil {
		t.Fatalf("the batch's last line is not its summary (%v): %s", err, lines[len(lines)-1])
	}
	if s.Summary.Rows != rows || s.Summary.Failed+s.Summary.Skipped+s.Summary.Interrupted > 0 {
		var bad []string
		for _, l := range lines {
			if !bytes.Contains(l, []byte(`"status":"waiting"`)) && !bytes.Contains(l, []byte(`"status":"completed"`)) {
				bad = append(bad, string(l))
			}
			if len(bad) == 5 {
				break
			}
		}
		t.Fatalf("batch of %d rows: %+v; the first rows not run as they should be:\n%s", rows, s.Summary, strings.Join(bad, "\n"))
	}
	return r, s.Summary
}

// journalTimes are the moments the batch's journal recorded each person's outcome,
// in order.
func (h *home) journalTimes(t *testing.T) []time.Time {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(h.dir, "batches", "*.jsonl"))
	if len(files) != 1 {
		t.Fatalf("want one batch journal in %s, found %v", h.dir, files)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var out []time.Time
	for _, l := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		var e struct{ Time time.Time }
		if err := json.Unmarshal(l, &e); err != nil {
			t.Fatalf("a journal line is not JSON (%v): %s", err, l)
		}
		out = append(out, e.Time)
	}
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return out
}

// perRow is the batch's time per person over the rows [from, to) of the journal:
// with several workers, the time between outcomes is a person's cost at that point
// of the batch, divided by the workers.
func perRow(times []time.Time, from, to int) time.Duration {
	return times[to-1].Sub(times[from]) / time.Duration(to-1-from)
}

// median of the durations.
func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2]
}
