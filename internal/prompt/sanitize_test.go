package prompt

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// hostile is a question built from config or state the attack on the build got
// through: an OSC 52 clipboard write, a C1 CSI, a NEL and a bidi override.
const hostile = "Contoso\x1b]52;c;aGk=\x07 \u009b2J\u0085IT\u202e"

// acts reports the first character in out a terminal would act on, other than the
// line breaks prompts write, or "" when there is none.
func acts(out string) string {
	for _, bad := range []string{"\x1b", "\x07", "\u009b", "\u0085", "\u202e", "\r"} {
		if strings.Contains(out, bad) {
			return bad
		}
	}
	return ""
}

func TestLinePrompterSanitisesWhatItPrints(t *testing.T) {
	ctx := context.Background()
	var out bytes.Buffer
	l := NewLine(strings.NewReader("x\ny\n1\ny\n"), &out)
	refuse := func(s string) error {
		if s == "x" {
			return errors.New("not " + hostile)
		}
		return nil
	}
	if _, err := l.Input(ctx, Question{Key: "k", Message: hostile, Help: hostile, Default: "alice"}, refuse); err != nil {
		t.Fatal(err)
	}
	if v, err := l.Select(ctx, Question{Key: "s", Message: hostile}, []Option{{Value: "v", Label: hostile}}); v != "v" || err != nil {
		t.Errorf("Select = %q, %v; want the option's own value", v, err)
	}
	if _, err := l.Confirm(ctx, Question{Key: "c", Message: hostile, Help: hostile}); err != nil {
		t.Fatal(err)
	}
	if bad := acts(out.String()); bad != "" {
		t.Errorf("the line prompter printed %q:\n%q", bad, out.String())
	}
	if !strings.Contains(out.String(), "Contoso]52;c;aGk= 2JIT [alice]: ") {
		t.Errorf("the harmless rest of the question, or its default, is gone:\n%q", out.String())
	}
}

func TestADefaultThatCannotBeShownIsNotOffered(t *testing.T) {
	var out bytes.Buffer
	l := NewLine(strings.NewReader("\nbob@contoso.com\n"), &out)
	got, err := l.Input(context.Background(), Question{Key: "user", Message: "Email", Default: "eve\u202e@contoso.com"}, func(s string) error {
		if s == "" {
			return errors.New("type it")
		}
		return nil
	})
	if err != nil || got != "bob@contoso.com" {
		t.Errorf("Input = %q, %v; want Enter not to answer with a default other than the one shown", got, err)
	}
	if strings.Contains(out.String(), "eve") {
		t.Errorf("the default was offered: %q", out.String())
	}
}
