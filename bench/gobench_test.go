//go:build bench && unix

package bench

import (
	"fmt"
	"os/exec"
	"regexp"
	"sort"
	"strconv"
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
