package state

import (
	"testing"
	"time"
)

// benchPerson is a store in a temporary folder and a person with a phone, as the
// benchmarks save them.
func benchPerson(b *testing.B) (*Files, *State) {
	st := New("alice@example.com", time.Now())
	st.Phone = &PhoneAnswer{E164: "+12015550100", Country: "US"}
	return NewFiles(b.TempDir()), st
}

// BenchmarkSaveLoad is one state change as a step makes it: an atomic replace of the
// file, then reading it back.
func BenchmarkSaveLoad(b *testing.B) {
	s, st := benchPerson(b)
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
	s, st := benchPerson(b)
	for b.Loop() {
		st.Mark("verify", Done, "", time.Now())
		if err := s.Save(st); err != nil {
			b.Fatal(err)
		}
	}
}
