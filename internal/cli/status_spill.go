package cli

import (
	"encoding/json"
	"io"
	"os"
	"sync"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// spill sets aside the JSON documents of status --all while the state files are
// read, so that each file is parsed once (parsing is most of the listing's cost)
// and yet the documents, a few kilobytes a person, are not all held in memory until
// everyone is sorted. They go to a temporary file, removed at once where the system
// allows it (so a killed run leaves nothing), else when the listing ends; when no
// temporary file can be made, they stay in memory.
type spill struct {
	mu sync.Mutex
	f  *os.File
	// mem holds the documents not yet written to the file (written a megabyte at a
	// time, from flushed on), or all of them when there is no file.
	mem     []byte
	flushed int64
	end     int64
	err     error
	name    string
}

// spillChunk is how much the spill writes to its file at once.
const spillChunk = 1 << 20

// spilled is where one document is in the spill.
type spilled struct {
	at int64
	n  int
}

func newSpill() *spill {
	s := &spill{}
	f, err := os.CreateTemp("", "mfa-onboard-status-*.json")
	if err != nil {
		return s
	}
	s.f, s.name = f, f.Name()
	if os.Remove(f.Name()) == nil {
		s.name = ""
	}
	return s
}

// put encodes doc and sets it aside; an error is kept for get to return.
func (s *spill) put(doc any) spilled {
	data, err := json.Marshal(doc)
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil && s.err == nil {
		s.mem = append(s.mem, data...)
		if len(s.mem) >= spillChunk {
			err = s.flush()
		}
	}
	if err != nil {
		s.err = catalog.Wrap(err, "status-all.spill.write", "Folder", os.TempDir())
		return spilled{}
	}
	at := s.end
	s.end += int64(len(data))
	return spilled{at: at, n: len(data)}
}

// flush writes what is held in memory to the file, if there is one; s.mu is held.
func (s *spill) flush() error {
	if s.f == nil || len(s.mem) == 0 {
		return nil
	}
	if _, err := s.f.WriteAt(s.mem, s.flushed); err != nil {
		return err
	}
	s.flushed += int64(len(s.mem))
	s.mem = s.mem[:0]
	return nil
}

// get is a copy of the document at d.
func (s *spill) get(d spilled) ([]byte, error) {
	s.mu.Lock()
	if s.err == nil {
		if err := s.flush(); err != nil {
			s.err = catalog.Wrap(err, "status-all.spill.write", "Folder", os.TempDir())
		}
	}
	f, mem, err := s.f, s.mem, s.err
	s.mu.Unlock()
	if err != nil {
		return nil, err
	}
	out := make([]byte, d.n)
	if f == nil {
		copy(out, mem[d.at:d.at+int64(d.n)])
		return out, nil
	}
	if _, err := f.ReadAt(out, d.at); err != nil && err != io.EOF {
		return nil, catalog.Wrap(err, "status-all.spill.read")
	}
	return out, nil
}

// close removes the temporary file.
func (s *spill) close() {
	if s.f != nil {
		_ = s.f.Close()
	}
	if s.name != "" {
		_ = os.Remove(s.name)
	}
}

// indentCompact appends src, compact JSON as json.Marshal writes it, laid out as
// json.Indent(dst, src, prefix, indent) would lay it out. json.Indent runs its
// scanner over every byte, which made it a sixth of what listing ten thousand
// people cost; a document json.Marshal wrote holds no whitespace outside strings
// and needs no checking, so only strings and brackets are followed here.
// FuzzIndentCompact holds the two to the same output.
func indentCompact(dst, src []byte, prefix, indent string) []byte {
	depth := 0
	newline := func() {
		dst = append(dst, '\n')
		dst = append(dst, prefix...)
		for range depth {
			dst = append(dst, indent...)
		}
	}
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '"':
			// To the closing quote: one not escaped by an odd run of backslashes.
			j := i + 1
			for j < len(src) && src[j] != '"' {
				if src[j] == '\\' {
					j++
				}
				j++
			}
			end := min(j+1, len(src))
			dst = append(dst, src[i:end]...)
			i = end - 1
		case '{', '[':
			dst = append(dst, c)
			if i+1 < len(src) && (src[i+1] == '}' || src[i+1] == ']') {
				dst = append(dst, src[i+1])
				i++
				continue
			}
			depth++
			newline()
		case '}', ']':
			depth--
			newline()
			dst = append(dst, c)
		case ',':
			dst = append(dst, c)
			newline()
		case ':':
			dst = append(dst, ':', ' ')
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
