//go:build bench && unix

package bench

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

const (
	startupID      = "startup"
	startupTitle   = "Start-up"
	startupCommand = "make bench, or alone: go test -tags bench -run TestStartUp -v ./bench/ -args -report=$PWD/BENCHMARKS.md"
	// startupRuns is how many times each program is run, the two alternating, for
	// each median.
	startupRuns = 41
)

// TestStartUp measures the CPU time and peak memory of the commands started most
// often (a person's first look, and every Tab of shell completion) against a bare
// cobra program built the same way, run alternately in the same minute.
func TestStartUp(t *testing.T) {
	bare := filepath.Join(t.TempDir(), "barecobra")
	if out, err := exec.Command("go", "build", "-tags", "bench", "-trimpath", "-ldflags", "-s -w", "-o", bare, "./barecobra").CombinedOutput(); err != nil {
		t.Fatalf("build the bare cobra program: %v\n%s", err, out)
	}
	h := newHome(t, "startup")
	// One person started here, so that status and completion have a state to read.
	h.exec(t, []int{0, 3}, "start", "--user", "alice@example.com", "--non-interactive")
	for _, c := range []struct {
		name      string
		ours, ref []string
	}{
		{"`version`", []string{"version"}, []string{"version"}},
		{"`--help`", []string{"--help"}, []string{"--help"}},
		{"`status`", []string{"status"}, []string{"version"}},
		{"`__complete start --user ''` (a Tab)", []string{"__complete", "start", "--user", ""}, []string{"version"}},
	} {
		var ours, ref []run
		for i := 0; i < startupRuns; i++ {
			ref = append(ref, h.execProgram(t, bare, []int{0}, c.ref...))
			ours = append(ours, h.exec(t, []int{0, 3}, c.ours...))
		}
		cpu, refCPU := medianOf(ours, func(r run) time.Duration { return r.cpu }), medianOf(ref, func(r run) time.Duration { return r.cpu })
		rss, refRSS := medianOf(ours, func(r run) time.Duration { return time.Duration(r.peakRSS) }), medianOf(ref, func(r run) time.Duration { return time.Duration(r.peakRSS) })
		ratio := float64(cpu) / float64(refCPU)
		figures.add(startupID, startupTitle, startupCommand, figure{
			name:   c.name + ": CPU time ÷ the bare cobra program's",
			value:  fmt.Sprintf("%.1f ms ÷ %.1f ms = %.2f×", ms(cpu), ms(refCPU), ratio),
			target: "≤ 1.5×", met: held(ratio <= 1.5),
		})
		figures.add(startupID, startupTitle, startupCommand, figure{
			name:  c.name + ": peak RSS (the bare program's)",
			value: fmt.Sprintf("%.1f MiB (%.1f MiB)", mib(int64(rss)), mib(int64(refRSS))),
		})
	}
	figures.noteOnce(startupID, fmt.Sprintf("Medians of %d runs of each, alternating with the bare cobra program (bench/barecobra: a root and one command, built with the same flags); CPU time is user plus system time from wait4, through bench/launch.", startupRuns))
}

// medianOf is the median of what of each run.
func medianOf(runs []run, what func(run) time.Duration) time.Duration {
	var d []time.Duration
	for _, r := range runs {
		d = append(d, what(r))
	}
	slices.Sort(d)
	return d[len(d)/2]
}
