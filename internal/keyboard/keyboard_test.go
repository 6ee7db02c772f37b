package keyboard

import (
	"io"
	"os"
	"testing"
	"time"
)

type modeLog struct{ quiets, normals int }

func (m *modeLog) quiet() error  { m.quiets++; return nil }
func (m *modeLog) normal() error { m.normals++; return nil }

// pipeKeyboard is a filtering keyboard on a pipe: w is the person's keys.
func pipeKeyboard(t *testing.T) (*Keyboard, *os.File, *modeLog) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	m := &modeLog{}
	return newFiltered(r, r, m), w, m
}

// readWithin reads what the keyboard hands on, failing after a while.
func readWithin(t *testing.T, k *Keyboard) string {
	t.Helper()
	got := make(chan string, 1)
	go func() {
		buf := make([]byte, 64)
		n, _ := k.Read(buf)
		got <- string(buf[:n])
	}()
	select {
	case s := <-got:
		return s
	case <-time.After(5 * time.Second):
		t.Fatal("Read handed nothing on within 5 s")
		return ""
	}
}

// settle gives the pump time to take keys already written.
func settle() { time.Sleep(50 * time.Millisecond) }

func TestKeysTypedBetweenQuestionsAreDropped(t *testing.T) {
	k, keys, _ := pipeKeyboard(t)
	end := k.Ask()
	io.WriteString(keys, "1\r")
	if got := readWithin(t, k); got != "1\r" {
		t.Fatalf("first question read %q; want %q", got, "1\r")
	}
	end()
	// A countdown runs: the person types a code and Enter.
	io.WriteString(keys, "123456\r")
	settle()
	end = k.Ask()
	defer end()
	io.WriteString(keys, "y")
	if got := readWithin(t, k); got != "y" {
		t.Errorf("the next question read %q; want only what was typed at it, %q", got, "y")
	}
}

func TestEnterDuringAWaitIsReported(t *testing.T) {
	k, keys, _ := pipeKeyboard(t)
	k.Ask()() // the pump runs from the first question on
	io.WriteString(keys, "abc")
	settle()
	select {
	case <-k.Enter():
		t.Fatal("Enter reported for keys that were not Enter")
	default:
	}
	io.WriteString(keys, "\r")
	select {
	case <-k.Enter():
	case <-time.After(5 * time.Second):
		t.Fatal("Enter during a wait was not reported")
	}
}

func TestInterruptEndsTheQuestionAsCtrlC(t *testing.T) {
	k, keys, _ := pipeKeyboard(t)
	end := k.Ask()
	defer end()
	io.WriteString(keys, "12")
	settle()
	k.Interrupt()
	got := readWithin(t, k)
	if got == "12" {
		got += readWithin(t, k)
	}
	if got != "12\x03" {
		t.Errorf("after Interrupt the question read %q; want the keys typed, then Ctrl-C", got)
	}
}

func TestTerminalIsQuietOnlyBetweenQuestions(t *testing.T) {
	k, _, m := pipeKeyboard(t)
	if m.quiets != 1 || m.normals != 0 {
		t.Fatalf("after New: %d quiet, %d normal; want the terminal quiet", m.quiets, m.normals)
	}
	end := k.Ask()
	if m.normals != 1 {
		t.Errorf("a question did not give the terminal back its own mode")
	}
	end()
	if m.quiets != 2 {
		t.Errorf("after a question the terminal was not made quiet again")
	}
	k.Close()
	if m.normals != 2 {
		t.Errorf("Close did not give the terminal back its own mode")
	}
}

func TestEndOfInputReachesTheQuestion(t *testing.T) {
	k, keys, _ := pipeKeyboard(t)
	end := k.Ask()
	defer end()
	keys.Close()
	done := make(chan error, 1)
	go func() { _, err := k.Read(make([]byte, 8)); done <- err }()
	select {
	case err := <-done:
		if err != io.EOF {
			t.Errorf("Read after the keys closed = %v; want io.EOF", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Read did not end when the input did")
	}
}

func TestKeysTypedBeforeTheFirstQuestionAreDropped(t *testing.T) {
	k, keys, _ := pipeKeyboard(t)
	io.WriteString(keys, "zzz")
	settle()
	end := k.Ask()
	defer end()
	io.WriteString(keys, "a")
	if got := readWithin(t, k); got != "a" {
		t.Errorf("the first question read %q; want only what was typed at it", got)
	}
}
