//go:build faults

package faultpoint

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// Enabled is true: this binary was built with -tags faults.
const Enabled = true

var (
	once   sync.Once
	mu     sync.Mutex
	target string // point name, or "*" for any
	at     int    // the hit of target to die at; 0: never
	trace  string
	snap   string
	seq    int
	counts = map[string]int{}
)

func setup() {
	trace, snap = os.Getenv(EnvTrace), os.Getenv(EnvSnap)
	spec := os.Getenv(EnvFault)
	if spec == "" {
		return
	}
	i := strings.LastIndex(spec, ":")
	n, err := strconv.Atoi(spec[i+1:])
	if i <= 0 || err != nil || n < 1 {
		fmt.Fprintf(os.Stderr, "faultpoint: %s=%q is not POINT:N (N from 1); no fault is injected\n", EnvFault, spec)
		return
	}
	target, at = spec[:i], n
}

// Hit counts one pass through point (file is what it just wrote) and kills the
// process with SIGKILL when this is the hit MFA_ONBOARD_FAULT names.
func Hit(point, file string) {
	hit(point, filepath.Base(file), func() ([]byte, error) { return os.ReadFile(file) })
}

// HitWith is Hit for a write that is not a file (a row of the team's database):
// name names it in the trace, and data is its snapshot.
func HitWith(point, name string, data []byte) {
	hit(point, name, func() ([]byte, error) { return data, nil })
}

func hit(point, name string, contents func() ([]byte, error)) {
	once.Do(setup)
	mu.Lock()
	defer mu.Unlock()
	seq++
	counts[point]++
	n := counts[point]
	if target == "*" {
		n = seq
	}
	die := at > 0 && (target == "*" || target == point) && n == at
	if trace != "" {
		line := fmt.Sprintf("%d %s %d %s", seq, point, counts[point], name)
		if die {
			line += " kill"
		}
		appendLine(trace, line)
	}
	if snap != "" && name != "" && name != "." {
		if data, err := contents(); err == nil {
			_ = os.WriteFile(filepath.Join(snap, fmt.Sprintf("%04d-%s", seq, name)), data, 0o600)
		}
	}
	if die {
		kill()
	}
}

func appendLine(path, line string) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		return
	}
	_, _ = f.WriteString(line + "\n")
	_ = f.Close()
}
