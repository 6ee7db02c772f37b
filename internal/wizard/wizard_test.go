package wizard

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/config"
	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
	"github.com/mfa-onboard/mfa-onboard/internal/prompt"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/fake"
	"github.com/mfa-onboard/mfa-onboard/internal/screen"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
	"github.com/mfa-onboard/mfa-onboard/steps"
)

// stub is a step whose Run returns err and counts its runs.
type stub struct {
	id   string
	err  error
	runs *int
}

func (s stub) ID() string                    { return s.id }
func (s stub) Title(*catalog.Printer) string { return s.id }
func (s stub) Run(context.Context, *steps.Env) error {
	*s.runs++
	return s.err
}

func stubEnv(st *state.State) (*steps.Env, *int) {
	saves := 0
	return &steps.Env{
		State:  st,
		Save:   func() error { saves++; return nil },
		Screen: screen.New(&bytes.Buffer{}, screen.Options{}),
		Clock:  clock.NewFake(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)),
	}, &saves
}

func TestRunnerOutcomes(t *testing.T) {
	need := &prompt.NeedsAnswerError{Key: "b.code"}
	boom := errors.New("boom")
	tests := []struct {
		name      string
		errB      error
		want      Outcome
		wantB     state.Status
		wantCRuns int
	}{
		{"all done", nil, Completed, state.Done, 1},
		{"waiting on a person", need, WaitingUser, state.Waiting, 0},
		{"failed", boom, Failed, state.Failed, 0},
		{"interrupted", prompt.ErrInterrupted, Interrupted, state.Pending, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var a, b, c int
			st := state.New("u@example.com", time.Time{})
			env, saves := stubEnv(st)
			r := &Runner{Steps: []steps.Step{stub{"a", nil, &a}, stub{"b", tt.errB, &b}, stub{"c", nil, &c}}, Env: env}
			got, err := r.Run(context.Background())
			if got != tt.want || !errors.Is(err, tt.errB) && tt.errB != nil {
				t.Fatalf("Run = %s, %v; want %s, %v", got, err, tt.want, tt.errB)
			}
			if st.Step("b").Status != tt.wantB || st.Step("a").Status != state.Done || c != tt.wantCRuns {
				t.Errorf("a=%s b=%s c ran %d times; want a done, b %s, c %d", st.Step("a").Status, st.Step("b").Status, c, tt.wantB, tt.wantCRuns)
			}
			if *saves < 2 {
				t.Errorf("saved %d times; want a save after every step", *saves)
			}
		})
	}
}

func TestRunnerSkipsFinishedSteps(t *testing.T) {
	var a, b int
	st := state.New("u@example.com", time.Time{})
	st.Mark("a", state.Done, "", time.Time{})
	env, _ := stubEnv(st)
	r := &Runner{Steps: []steps.Step{stub{"a", nil, &a}, stub{"b", nil, &b}}, Env: env}
	if got, err := r.Run(context.Background()); got != Completed || err != nil {
		t.Fatalf("Run = %s, %v", got, err)
	}
	if a != 0 || b != 1 {
		t.Errorf("a ran %d, b ran %d; a finished step must not run again", a, b)
	}
}

func TestRunnerStopsWhenCancelled(t *testing.T) {
	var a int
	env, _ := stubEnv(state.New("u@example.com", time.Time{}))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := &Runner{Steps: []steps.Step{stub{"a", nil, &a}}, Env: env}
	if got, _ := r.Run(ctx); got != Interrupted || a != 0 {
		t.Errorf("Run on a cancelled context = %s with %d runs; want interrupted before any step", got, a)
	}
}

// person answers the demo procedure the way a person would: codes from the demo
// phone, TOTP codes from the activation shown on screen.
type person struct {
	t      *testing.T
	clock  *clock.Fake
	screen *bytes.Buffer
	outbox string
}

var (
	sixDigits = regexp.MustCompile(`\b\d{6}\b`)
	totpLink  = regexp.MustCompile(`Link: (otpauth://\S+)`)
)

func (p *person) smsCode() string {
	msgs, err := outbox.Read(p.outbox)
	if err != nil {
		p.t.Fatal(err)
	}
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].Channel == "sms" {
			return sixDigits.FindString(msgs[i].Text)
		}
	}
	p.t.Fatal("no text message")
	return ""
}

func (p *person) appCode(stepsAhead int) func() string {
	return func() string {
		links := totpLink.FindAllStringSubmatch(p.screen.String(), -1)
		if len(links) == 0 {
			p.t.Fatal("no activation on screen")
		}
		key, err := otp.NewKeyFromURL(links[len(links)-1][1])
		if err != nil {
			p.t.Fatal(err)
		}
		c, _ := totp.GenerateCode(key.Secret(), p.clock.Now().Add(time.Duration(stepsAhead)*30*time.Second))
		return c
	}
}

// answers returns, for each step id, the questions that step asks on the demo.
func (p *person) answers() map[string][]prompt.Step {
	a := func(k, v string) prompt.Step { return prompt.Step{Key: k, Answer: v} }
	return map[string][]prompt.Step{
		"phone":          {a(steps.KeyPhoneNumber, "201 555 0100"), a(steps.KeyPhoneConfirm, "yes")},
		"verify":         {{Key: steps.KeyVerifyCode, Func: p.smsCode}},
		"notify-support": nil,
		"office-apps":    {a(steps.KeyOfficeAck, "yes")},
		"mobile-mail":    {a(steps.KeyDuoPlatform, steps.PlatformAndroid), a(steps.KeyMailClient, steps.MailOutlook), a(steps.KeyMailAck, "yes")},
		"duo-install":    {a(steps.KeyDuoInstalled, "yes")},
		"duo-enroll":     {{Key: steps.KeyDuoEnrollCode, Func: p.appCode(0)}},
		"duo-test":       {{Key: steps.KeyDuoTestCode, Func: p.appCode(1)}},
	}
}

// TestResumeAfterEachStep stops the procedure at the first question of every step in
// turn (Ctrl-C), then starts again: the second run must ask nothing that a finished
// step asked (the scripted prompter fails on any unexpected question) and complete.
func TestResumeAfterEachStep(t *testing.T) {
	list := steps.All()
	for k, stop := range list {
		p := &person{t: t}
		if len(p.answers()[stop.ID()]) == 0 {
			continue // asks nothing, so cannot be stopped at a question
		}
		t.Run(stop.ID(), func(t *testing.T) {
			dir := t.TempDir()
			cfg := config.Default()
			p := &person{t: t, clock: clock.NewFake(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)), screen: &bytes.Buffer{}, outbox: filepath.Join(dir, "outbox.jsonl")}
			services := fake.NewServices(filepath.Join(dir, "services.json"), fake.OptionsFrom(cfg), outbox.New(p.outbox, nil), p.clock)
			store := state.NewFiles(filepath.Join(dir, "state"))
			run := func(script []prompt.Step) (Outcome, *prompt.Scripted) {
				st, err := store.Load("alice@example.com")
				if errors.Is(err, state.ErrNotFound) {
					st = state.New("alice@example.com", p.clock.Now())
				} else if err != nil {
					t.Fatal(err)
				}
				pr := prompt.NewScripted(script...)
				env := &steps.Env{
					State: st, Save: func() error { return store.Save(st) }, Prompt: pr,
					Screen: screen.New(p.screen, screen.Options{}), Providers: services.Set(cfg.Support.Email),
					Config: cfg, Clock: p.clock, Interactive: true, Computer: "pc",
				}
				out, err := (&Runner{Steps: list, Env: env}).Run(context.Background())
				if out == Failed {
					t.Fatalf("run failed: %v\n%s", err, p.screen)
				}
				return out, pr
			}
			answers := p.answers()
			var first, second []prompt.Step
			for i, s := range list {
				switch {
				case i < k:
					first = append(first, answers[s.ID()]...)
				case i == k:
					first = append(first, prompt.Step{Key: answers[s.ID()][0].Key, Interrupt: true})
					second = append(second, answers[s.ID()]...)
				default:
					second = append(second, answers[s.ID()]...)
				}
			}
			if out, _ := run(first); out != Interrupted {
				t.Fatalf("first run = %s; want interrupted", out)
			}
			p.clock.Advance(time.Minute)
			out, pr := run(second)
			if out != Completed {
				t.Fatalf("second run = %s; want completed (asked %v)", out, pr.Asked)
			}
			if left := pr.Remaining(); len(left) > 0 {
				t.Errorf("questions expected but not asked on resume: %v", left)
			}
			msgs, _ := outbox.Read(p.outbox)
			count := map[string]int{}
			for _, m := range msgs {
				count[m.Channel]++
			}
			if count["email"] != 1 || count["push"] != 1 {
				t.Errorf("outbox %v; want exactly one support notice and one push", count)
			}
		})
	}
}
