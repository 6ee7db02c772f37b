//go:build bench && unix

package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const (
	sizeID      = "binary-size"
	sizeTitle   = "Binary size"
	sizeCommand = "make bench, or alone: go test -tags bench -run TestBinarySize -v ./bench/ -args -report=$PWD/BENCHMARKS.md"
)

// targets are the platforms make dist builds.
var targets = []string{"windows/amd64", "windows/arm64", "darwin/arm64", "darwin/amd64", "linux/amd64", "linux/arm64"}

// TestBinarySize builds the program for every release target as make dist does
// (stripped, -trimpath) and records each size against the 20 MB target, then what
// the largest modules add to the linux/amd64 build.
func TestBinarySize(t *testing.T) {
	dir := t.TempDir()
	for _, target := range targets {
		goos, goarch, _ := strings.Cut(target, "/")
		out := filepath.Join(dir, goos+"-"+goarch)
		build := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out, "../cmd/mfa-onboard")
		build.Env = append(os.Environ(), "GOOS="+goos, "GOARCH="+goarch, "CGO_ENABLED=0")
		if msg, err := build.CombinedOutput(); err != nil {
			t.Fatalf("build %s: %v\n%s", target, err, msg)
		}
		info, err := os.Stat(out)
		if err != nil {
			t.Fatal(err)
		}
		mb := float64(info.Size()) / 1e6
		figures.add(sizeID, sizeTitle, sizeCommand, figure{name: target + ", stripped", value: fmt.Sprintf("%.1f MB", mb), target: "≤ 20 MB", met: held(mb <= 20)})
	}
	// The symbols' sizes need the symbol table, so this build keeps it.
	full := filepath.Join(dir, "with-symbols")
	if msg, err := exec.Command("go", "build", "-trimpath", "-o", full, "../cmd/mfa-onboard").CombinedOutput(); err != nil {
		t.Fatalf("build with symbols: %v\n%s", err, msg)
	}
	for _, m := range moduleSizes(t, full)[:12] {
		figures.add(sizeID, sizeTitle, sizeCommand, figure{name: "linux/amd64, code and read-only data: " + m.name, value: fmt.Sprintf("%.2f MB", float64(m.bytes)/1e6)})
	}
	figures.noteOnce(sizeID, "A module's share is the size of its text and read-only data symbols as go tool nm reports them for linux/amd64; the rest of a file is mostly Go's own tables (function and line data), which grow with the code.")
}

// moduleSize is what one module's code and read-only data take in a binary.
type moduleSize struct {
	name  string
	bytes int64
}

// moduleSizes sums the text and read-only data symbols of binary by the module
// each belongs to, largest first.
func moduleSizes(t *testing.T, binary string) []moduleSize {
	t.Helper()
	mods, err := exec.Command("go", "list", "-m", "-f", "{{.Path}}", "all").Output()
	if err != nil {
		t.Fatal(err)
	}
	modules := strings.Fields(string(mods))
	sort.Slice(modules, func(i, j int) bool { return len(modules[i]) > len(modules[j]) })
	nm, err := exec.Command("go", "tool", "nm", "-size", "-type", binary).Output()
	if err != nil {
		t.Fatal(err)
	}
	sums := map[string]int64{}
	sc := bufio.NewScanner(bytes.NewReader(nm))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.ContainsAny(f[2], "TtRr") {
			continue
		}
		size, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil {
			continue
		}
		sums[owner(f[3], modules)] += size
	}
	var out []moduleSize
	for name, n := range sums {
		out = append(out, moduleSize{name, n})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].bytes > out[j].bytes })
	return out
}

// owner is the module a symbol belongs to (modules longest first), the Go standard
// library and runtime for a package path whose first element has no dot, or the
// linker's shared data, which no symbol name ties to a package.
func owner(symbol string, modules []string) string {
	if strings.HasPrefix(symbol, "go:") || strings.HasPrefix(symbol, "type:") {
		return "data the linker shares out (string constants, embedded files, types)"
	}
	symbol = strings.ReplaceAll(symbol, "%2e", ".")
	for _, m := range modules {
		if strings.HasPrefix(symbol, m+".") || strings.HasPrefix(symbol, m+"/") {
			return m
		}
	}
	first, _, _ := strings.Cut(symbol, "/")
	if !strings.Contains(first, ".") {
		return "the Go standard library and runtime"
	}
	path := symbol
	if i := strings.LastIndex(path, "/"); i >= 0 {
		if j := strings.Index(path[i:], "."); j >= 0 {
			path = path[:i+j]
		}
	}
	return path
}
