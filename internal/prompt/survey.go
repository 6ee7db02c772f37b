package prompt

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"

	"github.com/AlecAivazis/survey/v2"
	"github.com/AlecAivazis/survey/v2/terminal"

	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
)

// Survey asks in a terminal with arrow-key menus. Survey is archived upstream, so it
// stays behind this one file: moving to another library touches nothing else.
type Survey struct {
	in       Keyboard
	out, err terminal.FileWriter
	text     *catalog.Printer
}

// WithText makes the prompter speak p's language (nil: English).
func (s *Survey) WithText(p *catalog.Printer) *Survey {
	s.text = p
	return s
}

// Keyboard is the terminal input survey reads: a file descriptor for its raw mode,
// and reads that only ever see keys typed at the current question.
type Keyboard interface {
	terminal.FileReader
	Asker
}

// NewSurvey returns a terminal prompter on the keyboard in, writing its questions to
// out (stderr, so stdout stays for results).
func NewSurvey(in Keyboard, out *os.File) *Survey {
	return &Survey{in: in, out: out, err: out}
}

func (s *Survey) ask(ctx context.Context, p survey.Prompt, answer any, opts ...survey.AskOpt) error {
	if ctx.Err() != nil {
		return Stopped(ctx)
	}
	end := s.in.Ask()
	defer end()
	// Survey knows nothing of contexts: a deadline or a redraw ends the question the
	// way Ctrl-C would, and the context says which it was.
	stop := context.AfterFunc(ctx, s.in.Interrupt)
	defer stop()
	opts = append(opts, survey.WithStdio(s.in, s.out, s.err))
	err := survey.AskOne(p, answer, opts...)
	if err != nil && ctx.Err() != nil {
		return Stopped(ctx)
	}
	if errors.Is(err, terminal.InterruptErr) || errors.Is(err, io.EOF) {
		return ErrInterrupted
	}
	if err != nil {
		return fmt.Errorf("ask in the terminal: %w", err)
	}
	return nil
}

// shown is q as survey prints it: its message and help made safe for the terminal
// (survey writes them into its templates as they are).
func shown(q Question) Question {
	q.Message, q.Help = sanitize.Inline(q.Message), sanitize.Text(q.Help)
	return q
}

// Input asks for free text.
func (s *Survey) Input(ctx context.Context, q Question, validate func(string) error) (string, error) {
	q = shown(q)
	var ans string
	var opts []survey.AskOpt
	if validate != nil {
		opts = append(opts, survey.WithValidator(func(v any) error {
			str, _ := v.(string)
			if err := validate(str); err != nil {
				// Survey prints the refusal under the question; a reason may quote
				// what came from outside.
				return errors.New(sanitize.Inline(err.Error()))
			}
			return nil
		}))
	}
	err := s.ask(ctx, &survey.Input{Message: q.Message, Help: q.Help, Default: offered(q.Default)}, &ans, opts...)
	return ans, err
}

// Select asks for one option with arrow keys.
func (s *Survey) Select(ctx context.Context, q Question, opts []Option) (string, error) {
	q = shown(q)
	labels := make([]string, len(opts))
	def := ""
	for i, o := range opts {
		// The answer is the option's index, so a label changed here still answers
		// with its own Value.
		labels[i] = sanitize.Inline(o.Label)
		if o.Value == q.Default {
			def = labels[i]
		}
	}
	p := &survey.Select{Message: q.Message, Help: q.Help, Options: labels}
	if def != "" {
		p.Default = def
	}
	p.Filter, p.Description = noDeadEndFilter(labels)
	var idx int
	if err := s.ask(ctx, p, &idx); err != nil {
		return "", err
	}
	return opts[idx].Value, nil
}

// Confirm asks yes or no.
func (s *Survey) Confirm(ctx context.Context, q Question) (bool, error) {
	q = shown(q)
	var yes bool
	err := s.ask(ctx, &survey.Confirm{Message: q.Message, Help: q.Help, Default: q.Default != "no"}, &yes)
	return yes, err
}

// noDeadEndFilter keeps survey's type-to-filter from ending in an empty list: when
// what was typed matches no choice, every choice stays and the first one says so.
// Survey calls the filter for every option before each drawing (never when nothing is
// typed) and the description while drawing, so the note lives for one drawing.
func noDeadEndFilter(labels []string) (func(filter, value string, index int) bool, func(value string, index int) string) {
	typed, matched := "", false
	matches := func(filter, label string) bool {
		return strings.Contains(strings.ToLower(label), strings.ToLower(filter))
	}
	filter := func(f, value string, index int) bool {
		if index == 0 {
			typed, matched = f, false
			for _, l := range labels {
				matched = matched || matches(f, l)
			}
		}
		return !matched || matches(f, value)
	}
	describe := func(value string, index int) string {
		note := ""
		if index == 0 && typed != "" && !matched {
			note = fmt.Sprintf("nothing matches %q: Backspace to clear it", typed)
		}
		if index == len(labels)-1 {
			typed = ""
		}
		return note
	}
	return filter, describe
}
