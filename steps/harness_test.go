package steps

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/config"
	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
	"github.com/mfa-onboard/mfa-onboard/internal/prompt"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/fake"
	"github.com/mfa-onboard/mfa-onboard/internal/screen"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// harness is one person's run of some steps on the demo services, a fake clock and a
// scripted prompter.
type harness struct {
	t      *testing.T
	env    *Env
	clock  *clock.Fake
	out    *bytes.Buffer
	outbox string
	saves  int
	// prompter is the last run's, for its Refusals.
	prompter *prompt.Scripted
}

var start = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

func newHarness(t *testing.T) *harness {
	t.Helper()
	dir := t.TempDir()
	h := &harness{t: t, clock: clock.NewFake(start), out: &bytes.Buffer{}, outbox: filepath.Join(dir, "outbox.jsonl")}
	cfg := config.Default()
	box := outbox.New(h.outbox, nil)
	services := fake.NewServices(filepath.Join(dir, "demo-services.json"), fake.OptionsFrom(cfg), box, h.clock)
	h.env = &Env{
		State:       state.New("alice@example.com", start),
		Save:        func() error { h.saves++; return nil },
		Screen:      screen.New(h.out, screen.Options{}),
		Providers:   services.Set(cfg.Support.Email),
		Config:      cfg,
		Clock:       h.clock,
		Interactive: true,
		Computer:    "test-pc",
	}
	return h
}

// run runs step with the scripted answers and checks every scripted question was asked.
func (h *harness) run(step Step, script ...prompt.Step) error {
	h.t.Helper()
	p := prompt.NewScripted(script...)
	h.env.Prompt, h.prompter = p, p
	err := step.Run(context.Background(), h.env)
	if left := p.Remaining(); err == nil && len(left) > 0 {
		h.t.Errorf("%s finished but these scripted questions were never asked: %v", step.ID(), left)
	}
	return err
}

// mustRun is run that fails the test on an error.
func (h *harness) mustRun(step Step, script ...prompt.Step) {
	h.t.Helper()
	if err := h.run(step, script...); err != nil {
		h.t.Fatalf("%s: %v\nscreen:\n%s", step.ID(), err, h.out)
	}
}

// messages returns what the demo phone received on channel.
func (h *harness) messages(channel string) []outbox.Message {
	h.t.Helper()
	all, err := outbox.Read(h.outbox)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []outbox.Message
	for _, m := range all {
		if m.Channel == channel {
			out = append(out, m)
		}
	}
	return out
}

var codeInText = regexp.MustCompile(`\b\d{6}\b`)

// lastCode reads the newest text-message code from the demo phone, as a person would.
func (h *harness) lastCode() string {
	h.t.Helper()
	sms := h.messages("sms")
	if len(sms) == 0 {
		h.t.Fatal("no text message in the outbox")
	}
	code := codeInText.FindString(sms[len(sms)-1].Text)
	if code == "" {
		h.t.Fatalf("no code in %q", sms[len(sms)-1].Text)
	}
	return code
}

func answer(key, value string) prompt.Step { return prompt.Step{Key: key, Answer: value} }

func answerWith(key string, f func() string) prompt.Step { return prompt.Step{Key: key, Func: f} }

func ctrlC(key string) prompt.Step { return prompt.Step{Key: key, Interrupt: true} }
