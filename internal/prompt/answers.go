package prompt

import (
	"context"
	"strconv"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// Answers answers from values given in advance (answers file, flags) and never waits
// on a keyboard. Each answer is used at most once a run: a question asked again (a
// code that was wrong, say) ends the run as waiting instead of looping on it.
type Answers struct {
	values map[string]string
	used   map[string]bool
	// code answers the first code question of the run that has no answer of its own
	// (the --code flag, which does not know which step is waiting for it).
	code string
}

// NewAnswers returns a prompter for runs with no person; values maps question keys to answers.
func NewAnswers(values map[string]string) *Answers {
	v := make(map[string]string, len(values))
	for k, s := range values {
		v[k] = s
	}
	return &Answers{values: v, used: map[string]bool{}}
}

// WithCode makes code the answer to the first code question ("<step>.code") that
// has no answer of its own.
func (a *Answers) WithCode(code string) *Answers {
	a.code = code
	return a
}

// Has reports whether an unused answer for key is there.
func (a *Answers) Has(key string) bool {
	_, ok := a.values[key]
	return ok && !a.used[key] || a.code != "" && strings.HasSuffix(key, ".code")
}

func (a *Answers) take(ctx context.Context, q Question) (string, error) {
	if ctx.Err() != nil {
		return "", Stopped(ctx)
	}
	v, ok := a.values[q.Key]
	if !ok && a.code != "" && strings.HasSuffix(q.Key, ".code") {
		v, ok = a.code, true
		a.code = ""
		a.values[q.Key] = v
	}
	if !ok {
		return "", &NeedsAnswerError{Key: q.Key}
	}
	if a.used[q.Key] {
		return "", &NeedsAnswerError{Key: q.Key, Retry: true}
	}
	a.used[q.Key] = true
	return v, nil
}

// Input returns the answer for q.Key if it passes validate.
func (a *Answers) Input(ctx context.Context, q Question, validate func(string) error) (string, error) {
	v, err := a.take(ctx, q)
	if err != nil {
		return "", err
	}
	if validate != nil {
		if verr := validate(v); verr != nil {
			return "", badAnswer(q.Key, verr)
		}
	}
	return v, nil
}

// Select returns the answer for q.Key if it is one of the option values.
func (a *Answers) Select(ctx context.Context, q Question, opts []Option) (string, error) {
	v, err := a.take(ctx, q)
	if err != nil {
		return "", err
	}
	values := make([]string, len(opts))
	for i, o := range opts {
		if strings.EqualFold(o.Value, v) {
			return o.Value, nil
		}
		values[i] = o.Value
	}
	return "", badAnswer(q.Key, catalog.NewError("prompt.not-one-of", "Answer", strconv.Quote(v), "Choices", strings.Join(values, ", ")))
}

// Confirm returns the yes/no answer for q.Key.
func (a *Answers) Confirm(ctx context.Context, q Question) (bool, error) {
	v, err := a.take(ctx, q)
	if err != nil {
		return false, err
	}
	// An answers file is written in the file's own words, whatever language the run
	// speaks: English's yes and no.
	yes, ok := parseYesNo(nil, v)
	if !ok {
		return false, badAnswer(q.Key, catalog.NewError("prompt.not-yes-no", "Answer", strconv.Quote(v)))
	}
	return yes, nil
}

// Layered answers from values given in advance when it has one, and asks the person
// otherwise: an answers file can fill in part of an interactive run.
type Layered struct {
	Given  *Answers
	Person Prompter
}

// Input takes the given answer if there is a valid one, else asks.
func (l Layered) Input(ctx context.Context, q Question, validate func(string) error) (string, error) {
	if l.Given.Has(q.Key) {
		if v, err := l.Given.Input(ctx, q, validate); err == nil {
			return v, nil
		}
	}
	return l.Person.Input(ctx, q, validate)
}

// Select takes the given answer if it is one of opts, else asks.
func (l Layered) Select(ctx context.Context, q Question, opts []Option) (string, error) {
	if l.Given.Has(q.Key) {
		if v, err := l.Given.Select(ctx, q, opts); err == nil {
			return v, nil
		}
	}
	return l.Person.Select(ctx, q, opts)
}

// Confirm takes the given yes or no, else asks.
func (l Layered) Confirm(ctx context.Context, q Question) (bool, error) {
	if l.Given.Has(q.Key) {
		if v, err := l.Given.Confirm(ctx, q); err == nil {
			return v, nil
		}
	}
	return l.Person.Confirm(ctx, q)
}
