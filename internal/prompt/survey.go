package prompt

import (
	"context"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"

	"github.com/AlecAivazis/survey/v2"
	"github.com/AlecAivazis/survey/v2/terminal"
	"golang.org/x/text/language"

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
		return catalog.Wrap(err, "prompt.survey.failed")
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
	p := s.question(q)
	if p.Default = offered(q.Default); p.Default != "" {
		p.Hint = "(" + p.Default + ")"
	}
	var ans string
	var opts []survey.AskOpt
	if validate != nil {
		opts = append(opts, survey.WithValidator(func(v any) error {
			str, _ := v.(string)
			if err := validate(str); err != nil {
				// Survey prints the refusal under the question; a reason may quote
				// what came from outside.
				return errors.New(sanitize.Inline(s.text.Error(err)))
			}
			return nil
		}))
	}
	err := s.ask(ctx, p, &ans, opts...)
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
	p.Filter, p.Description = noDeadEndFilter(s.text, labels)
	var idx int
	if err := s.ask(ctx, p, &idx); err != nil {
		return "", err
	}
	return opts[idx].Value, nil
}

// Confirm asks yes or no. It is a line of text rather than survey's Confirm, which
// knows only English's y and n: the person answers in their language's words (sí, s
// in Spanish) or in English's, and Enter takes the default, which the hint shows in
// capitals.
func (s *Survey) Confirm(ctx context.Context, q Question) (bool, error) {
	q = shown(q)
	def := q.Default != "no"
	p := s.question(q)
	p.Hint = confirmHint(s.text, def)
	p.Echo = func(ans string) string {
		if yes, ok := parseYesNo(s.text, ans); ok && yes || !ok && def {
			return s.text.T("prompt.confirm.yes")
		}
		return s.text.T("prompt.confirm.no")
	}
	var ans string
	err := s.ask(ctx, p, &ans, survey.WithValidator(func(v any) error {
		str, _ := v.(string)
		if _, ok := parseYesNo(s.text, str); ok || str == "" {
			return nil
		}
		return errors.New(s.text.T("prompt.confirm.invalid", "Answer", strconv.Quote(sanitize.Inline(str))))
	}))
	if err != nil || ans == "" {
		return def, err
	}
	yes, _ := parseYesNo(s.text, ans)
	return yes, nil
}

// question is q as a one-line question in this prompter's language.
func (s *Survey) question(q Question) *textQuestion {
	return &textQuestion{Message: q.Message, Help: q.Help, text: s.text}
}

// textQuestion is survey's one-line question (its Input, without suggestions) drawn
// from templates in the person's language. Survey's own templates and its "Sorry,
// your reply was invalid" are package variables, shared by every run in the process,
// so this draws its own, in the same layout: survey's Renderer still does the drawing.
type textQuestion struct {
	survey.Renderer
	Message, Help string
	// Default is what Enter answers; Hint is shown after the question ("(alice)",
	// "(Y/n)").
	Default, Hint string
	// Echo is how an answer is shown once it is given; nil shows it as typed.
	Echo func(string) string
	text *catalog.Printer
	// showHelp is set once the person asked for the help; invalid is the reason the
	// last answer was refused, said above the question until another is.
	showHelp bool
	invalid  error
}

// textQuestionTemplate lays the question out as survey's Input does.
// untranslated: a layout of values; its words come from the catalogue.
const textQuestionTemplate = `
{{- if .Invalid}}{{color .Config.Icons.Error.Format}}{{.Config.Icons.Error.Text}} {{.Invalid}}{{color "reset"}}{{"\n"}}{{end}}
{{- if .ShowHelp}}{{color .Config.Icons.Help.Format}}{{.Config.Icons.Help.Text}} {{.Help}}{{color "reset"}}{{"\n"}}{{end}}
{{- color .Config.Icons.Question.Format}}{{.Config.Icons.Question.Text}} {{color "reset"}}
{{- color "default+hb"}}{{.Message}} {{color "reset"}}
{{- if .ShowAnswer}}
  {{- color "cyan"}}{{.Answer}}{{color "reset"}}{{"\n"}}
{{- else}}
  {{- if and .Help (not .ShowHelp)}}{{color "cyan"}}[{{.HelpHint}}]{{color "reset"}} {{end}}
  {{- if .Hint}}{{color "white"}}{{.Hint}} {{color "reset"}}{{end}}
{{- end}}`

// textQuestionData is what the template draws.
type textQuestionData struct {
	Message, Help, Hint, HelpHint, Invalid, Answer string
	ShowHelp, ShowAnswer                           bool
	Config                                         *survey.PromptConfig
}

func (q *textQuestion) draw(config *survey.PromptConfig, answer *string) error {
	d := textQuestionData{Message: q.Message, Help: q.Help, Hint: q.Hint, ShowHelp: q.showHelp, Config: config,
		HelpHint: q.text.T("prompt.survey.help", "Key", config.HelpInput)}
	if q.invalid != nil {
		d.Invalid = q.text.T("prompt.survey.invalid", "Reason", q.invalid)
	}
	if answer != nil {
		d.ShowAnswer, d.Answer = true, *answer
	}
	return q.Render(textQuestionTemplate, d)
}

// Prompt asks the question and reads one line: "?" shows the help, Enter answers
// the default.
func (q *textQuestion) Prompt(config *survey.PromptConfig) (any, error) {
	if err := q.draw(config, nil); err != nil {
		return "", err
	}
	rr := q.NewRuneReader()
	_ = rr.SetTermMode()
	defer func() { _ = rr.RestoreTermMode() }()
	cursor := q.NewCursor()
	if !config.ShowCursor {
		cursor.Hide()
		defer cursor.Show()
	}
	line, err := rr.ReadLine(0)
	if err != nil {
		return "", err
	}
	// The line read ends with the terminal's echo of Enter: back up to the question.
	cursor.Up(1)
	ans := string(line)
	if ans == config.HelpInput && q.Help != "" {
		q.showHelp = true
		return q.Prompt(config)
	}
	if ans == "" {
		return q.Default, nil
	}
	q.AppendRenderedText(ans)
	return ans, nil
}

// Error keeps the reason an answer was refused; the question, asked again, says it.
func (q *textQuestion) Error(_ *survey.PromptConfig, invalid error) error {
	q.invalid = invalid
	return nil
}

// Cleanup draws the question with the answer given.
func (q *textQuestion) Cleanup(config *survey.PromptConfig, val any) error {
	ans, _ := val.(string)
	if q.Echo != nil {
		ans = q.Echo(ans)
	}
	return q.draw(config, &ans)
}

// noDeadEndFilter keeps survey's type-to-filter from ending in an empty list: when
// what was typed matches no choice, every choice stays and the first one says so.
// Survey calls the filter for every option before each drawing (never when nothing is
// typed) and the description while drawing, so the note lives for one drawing.
func noDeadEndFilter(text *catalog.Printer, labels []string) (func(filter, value string, index int) bool, func(value string, index int) string) {
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
			note = text.T("prompt.survey.no-match", "Typed", strconv.Quote(typed))
		}
		if index == len(labels)-1 {
			typed = ""
		}
		return note
	}
	return filter, describe
}

// selectHint is survey's own hint under a menu, as its template has it.
// untranslated: survey's template, which SurveyLanguage finds to replace.
const selectHint = `[Use arrows to move, type to filter{{- if and .Help (not .ShowHelp)}}, {{ .Config.HelpInput }} for more help{{end}}]`

// SurveyLanguage puts the hint survey draws under its menus ("[Use arrows to move,
// type to filter]") in p's language. Survey keeps that text in a package variable,
// its documented way to change it, so this is process-wide: the program calls it
// once, when it has chosen the language, and tests (which run many languages side by
// side) never do.
func SurveyLanguage(p *catalog.Printer) {
	if p.Tag() == language.English {
		return // survey's own words are English already
	}
	// untranslated: survey's template notation around the catalogue's words.
	said := `{{- if and .Help (not .ShowHelp)}}` + p.T("prompt.select.hint-help", "Key", "{{ .Config.HelpInput }}") +
		`{{- else}}` + p.T("prompt.select.hint") + `{{- end}}`
	survey.SelectQuestionTemplate = strings.Replace(survey.SelectQuestionTemplate, selectHint, said, 1)
}
