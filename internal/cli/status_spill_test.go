package cli

import (
	"bytes"
	"encoding/json"
	"testing"
)

// indentCompact lays out what json.Marshal writes exactly as json.Indent does.
func FuzzIndentCompact(f *testing.F) {
	for _, seed := range []string{
		`{}`, `[]`, `{"a":[]}`, `{"a":{},"b":[1,2,{"c":null}]}`, `"x"`, `1`,
		`{"q":"a \"quoted\" {brace} [and], colon: here\\","e":"\\\\"}`,
		`{"schema":1,"users":[{"user":"a@contoso.com","steps":[{"id":"phone","guidance":["one","two"]}]}]}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		if json.Unmarshal(data, &v) != nil {
			return
		}
		compact, err := json.Marshal(v)
		if err != nil {
			return
		}
		var want bytes.Buffer
		if err := json.Indent(&want, compact, "    ", "  "); err != nil {
			t.Fatal(err)
		}
		if got := indentCompact(nil, compact, "    ", "  "); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("indentCompact(%s) =\n%s\nwant\n%s", compact, got, want.Bytes())
		}
	})
}

// The spill gives back each document as it was put, from its file past the chunks
// it wrote and from memory where no temporary file could be made.
func TestSpillGivesBackEachDocument(t *testing.T) {
	for name, s := range map[string]*spill{"file": newSpill(), "memory": {}} {
		t.Run(name, func(t *testing.T) {
			defer s.close()
			big := bytes.Repeat([]byte("x"), spillChunk/3)
			var where []spilled
			var want [][]byte
			for i := range 10 {
				doc := map[string]any{"n": i, "pad": string(big[:i*len(big)/10])}
				data, _ := json.Marshal(doc)
				where, want = append(where, s.put(doc)), append(want, data)
			}
			for i := len(where) - 1; i >= 0; i-- {
				got, err := s.get(where[i])
				if err != nil || !bytes.Equal(got, want[i]) {
					t.Fatalf("document %d = %.40q…, %v; want %.40q…", i, got, err, want[i])
				}
			}
		})
	}
}
