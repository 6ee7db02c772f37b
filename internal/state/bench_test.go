package state

import (
	"testing"
	"time"
)

// BenchmarkSaveLoad is one state change as a step makes it: an atomic replace of the
// file, then reading it back.
func BenchmarkSaveLoad(b *testing.B) {
	s := NewFiles(b.TempDir())
	st := New("alice@example.com", time.Now())
	st.Phone = &PhoneAnswer{E164: "+12015550100", Country: "US"}
	for b.Loop() {
		st.Mark("verify", Done, "", time.Now())
		if err := s.Save(st); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Load("alice@example.com"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSave is one atomic, synced save of a person's state: what every step
// pays for each change it records.
func BenchmarkSave(b *testing.B) {
	s := NewFiles(b.TempDir())
	st := New("alice@example.com", time.Now())
	st.Phone = &PhoneAnswer{E164: "+12015550100", Country: "US"}
	for b.Loop() {
		st.Mark("verify", Done, "", time.Now())
		if err := s.Save(st); err != nil {
			b.Fatal(err)
		}
	}
}
