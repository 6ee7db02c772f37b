package prompt

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

var (
	number  = Question{Key: "phone.number", Message: "Mobile number"}
	client  = Question{Key: "mobile-mail.client", Message: "Which app?"}
	confirm = Question{Key: "x.ok", Message: "OK?", Default: "yes"}
	options = []Option{{Value: "ios", Label: "iPhone"}, {Value: "android", Label: "Android"}}
	digits  = func(s string) error {
		if strings.Trim(s, "0123456789") != "" || s == "" {
			return errors.New("digits only")
		}
		return nil
	}
)

func TestAnswersNeverWait(t *testing.T) {
	ctx := context.Background()
	a := NewAnswers(map[string]string{"phone.number": "2015550100", "mobile-mail.client": "IOS", "x.ok": "maybe"})

	if v, err := a.Input(ctx, number, digits); v != "2015550100" || err != nil {
		t.Errorf("Input = %q, %v", v, err)
	}
	var need *NeedsAnswerError
	if _, err := a.Input(ctx, number, digits); !errors.As(err, &need) || !need.Retry || need.Key != "phone.number" {
		t.Errorf("asking again = %v; want a retry NeedsAnswerError, never the same answer twice", err)
	}
	if _, err := a.Input(ctx, Question{Key: "verify.code"}, nil); !errors.As(err, &need) || need.Retry || !strings.Contains(err.Error(), `"verify.code"`) {
		t.Errorf("missing answer = %v; want a NeedsAnswerError naming verify.code", err)
	}
	if v, err := a.Select(ctx, client, options); v != "ios" || err != nil {
		t.Errorf("Select is case-insensitive: got %q, %v", v, err)
	}
	var bad *BadAnswerError
	if _, err := a.Confirm(ctx, confirm); !errors.As(err, &bad) || bad.Key != "x.ok" {
		t.Errorf("Confirm(maybe) = %v; want a BadAnswerError naming x.ok", err)
	}
}

func TestAnswersRefuseInvalidAnswers(t *testing.T) {
	ctx := context.Background()
	a := NewAnswers(map[string]string{"phone.number": "call me", "mobile-mail.client": "blackberry"})
	var bad *BadAnswerError
	if _, err := a.Input(ctx, number, digits); !errors.As(err, &bad) || bad.Reason != "digits only" {
		t.Errorf("Input = %v; want the validator's reason", err)
	}
	if _, err := a.Select(ctx, client, options); !errors.As(err, &bad) || !strings.Contains(bad.Reason, "ios, android") {
		t.Errorf("Select = %v; want the choices listed", err)
	}
}

func TestLinePrompter(t *testing.T) {
	ctx := context.Background()
	var out bytes.Buffer
	in := strings.NewReader("abc\n2015550100\n\n9\n2\nperhaps\nn\n")
	l := NewLine(in, &out)

	if v, err := l.Input(ctx, number, digits); v != "2015550100" || err != nil {
		t.Errorf("Input = %q, %v", v, err)
	}
	if !strings.Contains(out.String(), "Not accepted: digits only") {
		t.Errorf("the refusal reason is not shown:\n%s", out.String())
	}
	if v, err := l.Input(ctx, Question{Key: "k", Message: "Name", Default: "alice"}, nil); v != "alice" || err != nil {
		t.Errorf("Enter takes the default: got %q, %v", v, err)
	}
	if v, err := l.Select(ctx, client, options); v != "android" || err != nil {
		t.Errorf("Select = %q, %v (9 is out of range, then 2)", v, err)
	}
	if yes, err := l.Confirm(ctx, confirm); yes || err != nil {
		t.Errorf("Confirm = %v, %v; want no after an unclear answer", yes, err)
	}
	if !strings.Contains(out.String(), "1) iPhone") || !strings.Contains(out.String(), "Type y or n.") {
		t.Errorf("numbered options or the y/n hint missing:\n%s", out.String())
	}
	if _, err := l.Input(ctx, number, nil); !errors.Is(err, ErrInterrupted) {
		t.Errorf("end of input = %v; want ErrInterrupted so progress is saved", err)
	}
}

func TestLinePrompterStopsOnCancel(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	l := NewLine(pr, io.Discard)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := l.Input(ctx, number, nil); !errors.Is(err, ErrInterrupted) {
		t.Errorf("Input after cancel = %v; want ErrInterrupted", err)
	}
}

func TestScriptedFailsOnSurprise(t *testing.T) {
	s := NewScripted(Step{Key: "phone.number", Answer: "1"})
	_, err := s.Input(context.Background(), Question{Key: "verify.code", Message: "Code"}, nil)
	if err == nil || !strings.Contains(err.Error(), `"verify.code"`) || !strings.Contains(err.Error(), `"phone.number"`) {
		t.Errorf("err = %v; want both the asked and the expected key named", err)
	}
}

// pipeKeys is a keyboard stand-in: a pipe that counts the questions started on it.
type pipeKeys struct {
	io.Reader
	asked int
}

func (k *pipeKeys) Ask() func() { k.asked++; return func() {} }
func (k *pipeKeys) Interrupt()  {}

func TestLineOnAKeyboardIgnoresALineTypedBeforeTheQuestion(t *testing.T) {
	r, w := io.Pipe()
	keys := &pipeKeys{Reader: r}
	l := NewLine(keys, io.Discard)
	go io.WriteString(w, "999999\n")
	time.Sleep(50 * time.Millisecond) // the line is read while no question is asked
	go func() {
		time.Sleep(50 * time.Millisecond)
		io.WriteString(w, "123456\n")
	}()
	got, err := l.Input(context.Background(), Question{Key: "verify.code", Message: "Code"}, nil)
	if err != nil || got != "123456" {
		t.Errorf("Input = %q, %v; want the line typed at the question, not the one before it", got, err)
	}
	if keys.asked == 0 {
		t.Error("the question was not started on the keyboard")
	}
}

func TestAQuestionEndsWithItsContextsCause(t *testing.T) {
	expired := errors.New("the code expired")
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(expired)
	s := NewScripted(Step{Key: "verify.code", Idle: true})
	_, err := s.Input(ctx, Question{Key: "verify.code"}, nil)
	if !errors.Is(err, ErrInterrupted) || !errors.Is(err, expired) {
		t.Errorf("err = %v; want it to be both ErrInterrupted and the context's cause", err)
	}
}

func TestAFilterThatMatchesNothingSaysSoAndHidesNothing(t *testing.T) {
	labels := []string{"iPhone", "Android phone"}
	filter, describe := noDeadEndFilter(nil, labels)
	shown := func(f string) (kept []string, note string) {
		for i, l := range labels {
			if filter(f, l, i) {
				kept = append(kept, l)
			}
		}
		for i, l := range labels {
			if d := describe(l, i); d != "" {
				note = d
			}
		}
		return kept, note
	}
	if kept, note := shown("andr"); len(kept) != 1 || note != "" {
		t.Errorf("filter andr: %v, note %q; want Android alone and no note", kept, note)
	}
	if kept, note := shown("blackberry"); len(kept) != 2 || !strings.Contains(note, `nothing matches "blackberry"`) {
		t.Errorf("filter blackberry: %v, note %q; want every choice and a note saying nothing matches", kept, note)
	}
	// Backspace to an empty filter: survey asks the filter nothing, and the note goes.
	for i, l := range labels {
		if d := describe(l, i); d != "" {
			t.Errorf("after the filter was cleared, option %d still says %q", i, d)
		}
	}
}
