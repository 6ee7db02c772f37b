//go:build bench && unix

package bench

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"
)

// figure is one measured figure and the target it is held to.
type figure struct {
	name, value, target string
	// met is "yes", "no", or "" for a figure without a target.
	met string
}

// section is the figures of one part of the suite, written to BENCHMARKS.md as one
// section between markers, so that other suites can keep sections of their own.
type section struct {
	id, title, command string
	notes              string
	figures            []figure
}

// report is every section measured in this run, in order.
type report struct {
	mu       sync.Mutex
	sections []*section
}

var figures report

// add records a figure in the section with this id (made with its title, command
// and notes the first time).
func (r *report) add(id, title, command string, f figure) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.sections {
		if s.id == id {
			s.figures = append(s.figures, f)
			return
		}
	}
	r.sections = append(r.sections, &section{id: id, title: title, command: command, figures: []figure{f}})
}

// noteOnce appends a paragraph to the notes of the section with this id, unless it
// is there already.
func (r *report) noteOnce(id, text string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.sections {
		if s.id == id && !strings.Contains(s.notes, text) {
			s.notes += text + "\n\n"
		}
	}
}

// held is "yes" when ok, else "no".
func held(ok bool) string {
	if ok {
		return "yes"
	}
	return "no"
}

func (r *report) markdown() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var b strings.Builder
	for _, s := range r.sections {
		b.WriteString(s.render())
	}
	return b.String()
}

func (s *section) render() string {
	var b strings.Builder
	fmt.Fprintf(&b, "<!-- make bench: %s -->\n## %s\n\n", s.id, s.title)
	fmt.Fprintf(&b, "- Machine: %s\n- Date: %s\n- Re-measure: `%s`\n\n", machine(), time.Now().UTC().Format("2006-01-02 15:04 UTC"), s.command)
	b.WriteString("| figure | measured | target | met |\n|---|---|---|---|\n")
	for _, f := range s.figures {
		target, met := f.target, f.met
		if target == "" {
			target, met = "—", "—"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", f.name, f.value, target, met)
	}
	b.WriteString("\n")
	b.WriteString(s.notes)
	fmt.Fprintf(&b, "<!-- /make bench: %s -->\n", s.id)
	return b.String()
}

// write puts each section into the Markdown file at path: in place of the same
// section of an earlier run, else at the end. A file that does not exist is made
// with a title.
func (r *report) write(path string) error {
	old, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		old, err = []byte("# Benchmarks\n\nFigures measured by `make bench` on the machine named in each section. Whole-process\nfigures vary from run to run; where they are noisy they are given as ratios.\n\n"), nil
	}
	if err != nil {
		return err
	}
	r.mu.Lock()
	sections := append([]*section(nil), r.sections...)
	r.mu.Unlock()
	doc := old
	for _, s := range sections {
		begin, end := []byte("<!-- make bench: "+s.id+" -->"), []byte("<!-- /make bench: "+s.id+" -->\n")
		text := []byte(s.render())
		i, j := bytes.Index(doc, begin), bytes.Index(doc, end)
		if i >= 0 && j > i {
			doc = append(append(append([]byte(nil), doc[:i]...), text...), doc[j+len(end):]...)
			continue
		}
		if len(doc) > 0 && !bytes.HasSuffix(doc, []byte("\n\n")) {
			doc = append(doc, '\n')
		}
		doc = append(doc, text...)
	}
	return os.WriteFile(path, doc, 0o644)
}

// machine names the computer: its processor, cores, memory and the Go release.
func machine() string {
	cpu := runtime.GOARCH
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if data, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(string(data), "MemTotal: %d kB", &kb); err == nil {
			mem = fmt.Sprintf(", %.0f GiB memory", float64(kb)/(1<<20))
		}
	}
	return fmt.Sprintf("%s, %d cores%s, %s/%s, %s", cpu, runtime.NumCPU(), mem, runtime.GOOS, runtime.GOARCH, runtime.Version())
}
