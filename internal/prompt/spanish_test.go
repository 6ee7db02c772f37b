package prompt

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// TestTheLinePrompterAsksInSpanish: a yes/no question shows its default as (S/n)
// and takes sí, si and s as well as English's words; a refusal, a number out of
// range and an unclear answer are said in Spanish.
func TestTheLinePrompterAsksInSpanish(t *testing.T) {
	ctx := context.Background()
	var out bytes.Buffer
	in := strings.NewReader("quizá\nsí\nSI\ns\nyes\nN\n\n9\n1\nabc\n123\n")
	l := NewLine(in, &out).WithText(catalog.New(language.Spanish))
	for i, want := range []bool{true, true, true, true, false, true} {
		got, err := l.Confirm(ctx, Question{Key: "c", Message: "¿Seguimos?", Default: "yes"})
		if err != nil || got != want {
			t.Errorf("answer %d: Confirm = %v, %v; want %v", i+1, got, err, want)
		}
	}
	if v, err := l.Select(ctx, client, options); v != "ios" || err != nil {
		t.Errorf("Select = %q, %v", v, err)
	}
	refuse := func(s string) error {
		if s == "abc" {
			return catalog.NewError("prompt.not-yes-no", "Answer", `"abc"`)
		}
		return nil
	}
	if v, err := l.Input(ctx, number, refuse); v != "123" || err != nil {
		t.Errorf("Input = %q, %v", v, err)
	}
	got := out.String()
	for _, want := range []string{"¿Seguimos? (S/n): ", "Escriba sí o no.", "Escriba un número del 1 al 2.", `No se aceptó: "abc" no es "yes" ni "no"`} {
		if !strings.Contains(got, want) {
			t.Errorf("the prompter does not say %q:\n%s", want, got)
		}
	}
	for _, english := range []string{"(Y/n)", "Type y or n", "Type a number", "Not accepted"} {
		if strings.Contains(got, english) {
			t.Errorf("the Spanish prompter says %q:\n%s", english, got)
		}
	}
}

func TestEnglishDoesNotTakeSpanishYes(t *testing.T) {
	var out bytes.Buffer
	l := NewLine(strings.NewReader("s\ny\n"), &out)
	if yes, err := l.Confirm(context.Background(), Question{Key: "c", Message: "OK?", Default: "no"}); !yes || err != nil {
		t.Errorf("Confirm = %v, %v", yes, err)
	}
	if !strings.Contains(out.String(), "OK? (y/N): ") || !strings.Contains(out.String(), "Type y or n.") {
		t.Errorf("English asks as before:\n%s", out.String())
	}
}

// TestTheErrorsOfQuestionsAreSaidInSpanish, with the refusal they carry.
func TestTheErrorsOfQuestionsAreSaidInSpanish(t *testing.T) {
	es := catalog.New(language.Spanish)
	a := NewAnswers(map[string]string{"mobile-mail.client": "blackberry", "x.ok": "quizá"})
	_, err := a.Select(context.Background(), client, options)
	if got := es.Error(err); got != `la respuesta para "mobile-mail.client" no es válida: "blackberry" no es ninguna de estas opciones: ios, android` {
		t.Errorf("a refused answer says %q", got)
	}
	var bad *BadAnswerError
	if !errors.As(err, &bad) || !strings.Contains(bad.Reason, "is not one of ios, android") {
		t.Errorf("the English reason is gone: %v", err)
	}
	// An answers file is English's: sí is not its yes.
	if _, err := a.Confirm(context.Background(), Question{Key: "x.ok"}); !errors.As(err, &bad) {
		t.Errorf("Confirm(quizá) = %v; want it refused", err)
	}
	if got := es.Error(&NeedsAnswerError{Key: "verify.code", Retry: true}); got != `la respuesta indicada para "verify.code" no se aceptó; indique una nueva` {
		t.Errorf("a retry says %q", got)
	}
	w := &WaitingError{Key: "duo-enroll", What: catalog.NewError("prompt.confirm.type-yes-no")}
	if got := es.Error(w); got != "Escriba sí o no." || w.Error() != "Type y or n." {
		t.Errorf("a wait says %q, in English %q", got, w.Error())
	}
}
