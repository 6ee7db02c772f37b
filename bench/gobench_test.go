//go:build bench && unix

package bench

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const (
	saveID      = "state-save"
	saveTitle   = "State write"
	saveCommand = "make bench, or alone: go test -run '^$' -bench '^BenchmarkSave$' -benchmem -count 5 ./internal/state"
)

var benchLine = regexp.MustCompile(`(?m)^BenchmarkSave-\d+\s+\d+\s+([\d.]+) ns/op\s+(\d+) B/op\s+(\d+) allocs/op`)

// TestStateWrite records what one atomic, synced save of a person's state costs:
// internal/state's BenchmarkSave, five times, the median.
func TestStateWrite(t *testing.T) {
	out, err := exec.Command("go", "test", "-run", "^$", "-bench", "^BenchmarkSave$", "-benchmem", "-count", "5", "../internal/state").CombinedOutput()
	if err != nil {
		t.Fatalf("BenchmarkSave: %v\n%s", err, out)
	}
	var ns []float64
	var bytes, allocs string
	for _, m := range benchLine.FindAllStringSubmatch(string(out), -1) {
		v, _ := strconv.ParseFloat(m[1], 64)
		ns = append(ns, v)
		bytes, allocs = m[2], m[3]
	}
	if len(ns) == 0 {
		t.Fatalf("no BenchmarkSave result in:\n%s", out)
	}
	sort.Float64s(ns)
	add := func(f figure) { figures.add(saveID, saveTitle, saveCommand, f) }
	add(figure{name: "one atomic, synced save: time (median of 5)", value: fmt.Sprintf("%.0f µs", ns[len(ns)/2]/1e3)})
	add(figure{name: "one atomic, synced save: memory and allocations", value: fmt.Sprintf("%s B, %s allocs", bytes, allocs)})
	figures.noteOnce(saveID, "Measured in a temporary folder on this machine's ext4 disk: the time is mostly the fsync of the temporary file before the rename, and grows on a slow or shared disk.")
}

const (
	goBenchID      = "go-benchmarks"
	goBenchTitle   = "Go benchmarks"
	goBenchCommand = "make bench, or alone: go test -tags bench -run TestGoBenchmarks -v ./bench/ -args -report=$PWD/BENCHMARKS.md"
	// goBenchBaseline keeps the last reported run's raw results, which the next run
	// is compared with.
	goBenchBaseline = "testdata/go-benchmarks.txt"
	// benchstat compares two runs of Go benchmarks.
	benchstat = "golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da"
)

var (
	goCount = flag.Int("go-count", 4, "times each Go benchmark runs (0: none); benchstat needs 4 to tell a difference, 6 for its confidence intervals")
	goBench = flag.String("go-bench", ".", "the Go benchmarks to run (go test -bench); only a run of all of them is kept for the next to compare with")
)

// goBenchLine is one result line: the name, the iterations, then value-unit pairs.
var goBenchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

// TestGoBenchmarks runs every package's Go benchmarks (-benchmem), records each one's
// median time, bytes and allocations, and compares the run with the last reported
// one (testdata/go-benchmarks.txt) with benchstat. With -report, this run becomes
// the one the next is compared with.
func TestGoBenchmarks(t *testing.T) {
	if *goCount == 0 {
		t.Skip("-go-count 0")
	}
	list, err := exec.Command("go", "list", "../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	args := []string{"test", "-run", "^$", "-bench", *goBench, "-benchmem", "-count", fmt.Sprint(*goCount), "-timeout", "30m"}
	for _, pkg := range strings.Fields(string(list)) {
		if !strings.Contains(pkg, "/third_party/") {
			args = append(args, pkg)
		}
	}
	out, err := exec.Command("go", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("go test -bench: %v\n%s", err, out)
	}
	// benchstat heads its columns with the files' names.
	dir := t.TempDir()
	lastFile, newFile := filepath.Join(dir, "last-run"), filepath.Join(dir, "this-run")
	if err := os.WriteFile(newFile, out, 0o644); err != nil {
		t.Fatal(err)
	}
	results := map[string]map[string][]float64{}
	var order []string
	for _, line := range strings.Split(string(out), "\n") {
		m := goBenchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		if results[m[1]] == nil {
			results[m[1]] = map[string][]float64{}
			order = append(order, m[1])
		}
		f := strings.Fields(m[2])
		for i := 0; i+1 < len(f); i += 2 {
			if v, err := strconv.ParseFloat(f[i], 64); err == nil {
				results[m[1]][f[i+1]] = append(results[m[1]][f[i+1]], v)
			}
		}
	}
	if len(order) == 0 {
		t.Fatalf("no benchmark results in:\n%s", out)
	}
	for _, name := range order {
		r := results[name]
		value := fmt.Sprintf("%s, %s, %.0f allocs", perOp(medianOf64(r["ns/op"])), bytesPerOp(medianOf64(r["B/op"])), medianOf64(r["allocs/op"]))
		figures.add(goBenchID, goBenchTitle, goBenchCommand, figure{name: fmt.Sprintf("%s: time, memory and allocations an operation (median of %d)", name, len(r["ns/op"])), value: value})
	}
	figures.noteOnce(goBenchID, "Each benchmark's figure of its own (a wall/floor or %429 of the rate limiter, the CPU of a journey) is in the raw results, bench/testdata/go-benchmarks.txt, with the machine they were measured on.")
	cmp := "This is the first run: there is no earlier one to compare with."
	if last, err := os.ReadFile(goBenchBaseline); err == nil {
		if err := os.WriteFile(lastFile, last, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("go", "run", benchstat, filepath.Base(lastFile), filepath.Base(newFile))
		cmd.Dir = dir
		stat, err := cmd.CombinedOutput()
		if err != nil {
			cmp = fmt.Sprintf("benchstat could not compare the runs: %v\n\n```\n%s```", err, stat)
		} else {
			cmp = "Compared by benchstat with the last reported run (bench/testdata/go-benchmarks.txt as it was before this one):\n\n```\n" + strings.TrimRight(string(stat), "\n") + "\n```"
		}
	}
	figures.noteOnce(goBenchID, cmp)
	if *reportFile != "" && *goBench == "." {
		if err := os.MkdirAll(filepath.Dir(goBenchBaseline), 0o755); err != nil {
			t.Fatalf("keep the results for the next run: %v", err)
		}
		if err := os.WriteFile(goBenchBaseline, out, 0o644); err != nil {
			t.Fatalf("keep the results for the next run: %v", err)
		}
	}
}

func medianOf64(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// perOp says a time in nanoseconds in the unit that suits it.
func perOp(ns float64) string {
	switch {
	case ns >= 1e9:
		return fmt.Sprintf("%.2f s", ns/1e9)
	case ns >= 1e6:
		return fmt.Sprintf("%.1f ms", ns/1e6)
	case ns >= 1e3:
		return fmt.Sprintf("%.1f µs", ns/1e3)
	}
	return fmt.Sprintf("%.0f ns", ns)
}

// bytesPerOp says a size in bytes in the unit that suits it.
func bytesPerOp(b float64) string {
	switch {
	case b >= 1<<20:
		return fmt.Sprintf("%.1f MiB", b/(1<<20))
	case b >= 1<<10:
		return fmt.Sprintf("%.1f KiB", b/(1<<10))
	}
	return fmt.Sprintf("%.0f B", b)
}
