package prompt

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
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
