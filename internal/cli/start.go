package cli

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"os"
	"os/user"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mfa-onboard/mfa-onboard/internal/answers"
	"github.com/mfa-onboard/mfa-onboard/internal/config"
	"github.com/mfa-onboard/mfa-onboard/internal/phone"
	"github.com/mfa-onboard/mfa-onboard/internal/prompt"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/screen"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
	"github.com/mfa-onboard/mfa-onboard/internal/wizard"
	"github.com/mfa-onboard/mfa-onboard/steps"
)

// StartOptions are the inputs of "start".
type StartOptions struct {
	F *Factory

	User         string
	Output       string
	AnswersFile  string
	Phone        string
	Country      string
	Code         string
	ReplacePhone bool
}

func newStartCmd(f *Factory) *cobra.Command {
	o := &StartOptions{F: f}
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Start the procedure, or carry on where it stopped",
		Long: `Start the procedure, or carry on where it stopped: finished steps are never redone.

Without a terminal (or with --non-interactive, or CI set) nothing is asked: a step
that needs a person saves its progress and the run ends with exit code 3.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(o.Output); err != nil {
				return err
			}
			return runStart(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.User, "user", "", "work email address (Microsoft 365 sign-in name) of the person being enrolled")
	cmd.Flags().StringVarP(&o.Output, "output", "o", "text", "result format: text or json (json goes to stdout, alone)")
	cmd.Flags().StringVar(&o.AnswersFile, "answers", "", "YAML file of answers to the steps' questions (see the README)")
	cmd.Flags().StringVar(&o.Phone, "phone", "", "mobile number (answers phone.number)")
	cmd.Flags().StringVar(&o.Country, "country", "", "two-letter country of a number given without + (answers phone.country)")
	cmd.Flags().BoolVar(&o.ReplacePhone, "replace-phone", false, "replace a different mobile number already registered in Microsoft 365 (answers verify.replace)")
	cmd.Flags().StringVar(&o.Code, "code", "", "the code the waiting step asks for: texted code, or the one Duo Mobile shows")
	return cmd
}

func checkOutput(o string) error {
	if o != "text" && o != "json" {
		return usagef("--output %q: use text or json", o)
	}
	return nil
}

func runStart(ctx context.Context, o *StartOptions) error {
	f := o.F
	home, cfg, err := f.HomeAndConfig()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(home, 0o700); err != nil {
		return fmt.Errorf("create the home folder %s: %w", home, err)
	}
	given, err := o.answers()
	if err != nil {
		return err
	}
	if c := given[steps.KeyPhoneCountry]; c != "" {
		if !phone.KnownRegion(c) {
			return &prompt.BadAnswerError{Key: steps.KeyPhoneCountry, Reason: fmt.Sprintf("%q is not a two-letter country code such as US or GB", c)}
		}
		cfg.DefaultCountry = strings.ToUpper(c)
	}
	store := f.Store(home)
	ans := prompt.NewAnswers(given).WithCode(o.Code)
	pr := f.Prompter(ans)
	interactive := f.Interactive()

	scr := f.Screen()
	set, err := f.Providers(home, cfg, scr)
	if err != nil {
		return err
	}

	banner(scr, home, set)
	who, err := chooseUser(ctx, o.User, given[steps.KeyUser], cfg, store, pr)
	if err != nil {
		return err
	}
	unlock, err := store.Lock(who)
	if errors.Is(err, state.ErrLocked) {
		return fmt.Errorf("another mfa-onboard is already working for %s; finish or close it first", who)
	}
	if err != nil {
		return err
	}
	defer unlock()

	st, err := store.Load(who)
	if errors.Is(err, state.ErrNotFound) {
		st = state.New(who, f.Clock.Now().UTC())
	} else if err != nil {
		return err
	}
	list := steps.All()
	welcome(scr, st, list)

	env := &steps.Env{
		State:       st,
		Save:        func() error { return store.Save(st) },
		Prompt:      pr,
		Screen:      scr,
		Providers:   set,
		Config:      cfg,
		Clock:       f.Clock,
		Interactive: interactive,
		Computer:    hostname(),
	}
	runner := &wizard.Runner{Steps: list, Env: env}
	outcome, runErr := runner.Run(ctx)
	sum := summarize(list, st)
	sum.Outcome = outcome
	sum.WaitingOn = firstWaiting(st, list)
	closing(scr, sum, runErr)
	if o.Output == "json" {
		if err := writeJSON(f.IO.Out, sum); err != nil {
			return err
		}
	}
	return runErr
}

// chooseUser decides whose procedure this is: --user, else the one person who has
// started on this computer, else ask (offering the computer's account name).
func chooseUser(ctx context.Context, flag, given string, cfg *config.Config, store *state.Store, pr prompt.Prompter) (string, error) {
	if flag != "" {
		if err := validateUser(flag); err != nil {
			return "", usagef("--user %q: %v", flag, err)
		}
		return strings.ToLower(flag), nil
	}
	if given != "" {
		if err := validateUser(given); err != nil {
			return "", &prompt.BadAnswerError{Key: steps.KeyUser, Reason: err.Error()}
		}
		return strings.ToLower(given), nil
	}
	existing, _ := store.List()
	if len(existing) == 1 {
		return existing[0].User, nil
	}
	if len(existing) > 1 {
		opts := make([]prompt.Option, len(existing))
		for i, s := range existing {
			opts[i] = prompt.Option{Value: s.User, Label: s.User}
		}
		return pr.Select(ctx, prompt.Question{Key: steps.KeyUser, Message: "Several people have started here. Whose procedure is this?"}, opts)
	}
	who, err := pr.Input(ctx, prompt.Question{
		Key:     steps.KeyUser,
		Message: "Your work email address (the one you sign in to Microsoft 365 with)",
		Default: suggestedUser(cfg),
	}, validateUser)
	var need *prompt.NeedsAnswerError
	if errors.As(err, &need) && suggestedUser(cfg) != "" {
		// Without a person, the demo goes on as the computer's account so that the run
		// shows what the first real step would need.
		return suggestedUser(cfg), nil
	}
	if err != nil {
		return "", err
	}
	return strings.ToLower(strings.TrimSpace(who)), nil
}

// answers gathers the answers given in advance: the answers file, then the flags,
// which win.
func (o *StartOptions) answers() (map[string]string, error) {
	given := map[string]string{}
	if o.AnswersFile != "" {
		f, err := answers.Load(o.AnswersFile)
		if err != nil {
			return nil, err
		}
		given = f.Values()
	}
	if o.ReplacePhone {
		given[steps.KeyVerifyReplace] = "yes"
	}
	for key, v := range map[string]string{steps.KeyPhoneNumber: o.Phone, steps.KeyPhoneCountry: o.Country} {
		if v != "" {
			given[key] = v
		}
	}
	return given, nil
}

func validateUser(s string) error {
	s = strings.TrimSpace(s)
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || !strings.Contains(s, "@") {
		return errors.New("type an email address such as alice@contoso.com")
	}
	return nil
}

// suggestedUser is the computer's account name at the configured mail domain, if any.
func suggestedUser(cfg *config.Config) string {
	if cfg.UserDomain == "" {
		return ""
	}
	name := "user"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = filepath.Base(strings.ReplaceAll(u.Username, `\`, "/"))
	}
	name = strings.ToLower(strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' {
			return r
		}
		return -1
	}, name))
	if name == "" {
		name = "user"
	}
	return name + "@" + cfg.UserDomain
}

func firstWaiting(st *state.State, list []steps.Step) string {
	for _, s := range list {
		if ss := st.Step(s.ID()).Status; ss != state.Done && ss != state.Skipped {
			return s.ID()
		}
	}
	return ""
}

func banner(scr *screen.Screen, home string, set provider.Set) {
	scr.Say("mfa-onboard: set up two-step sign-in for Microsoft 365 and Duo.")
	var demo []string
	all := []provider.Role{provider.RoleSMS, provider.RolePhoneRegistration, provider.RoleNotify, provider.RoleDuo}
	for _, r := range all {
		if set.DemoRole(r) {
			demo = append(demo, string(r))
		}
	}
	switch {
	case len(demo) == len(all):
		scr.Say("DEMO: every provider is a stand-in and nothing is sent. What a phone would receive is")
		scr.Say("shown here and written to %s.", filepath.Join(home, "outbox.jsonl"))
	case len(demo) > 0:
		scr.Say("PARTLY A DEMO: these roles are stand-ins and send nothing: %s.", strings.Join(demo, ", "))
		scr.Say("What they would send is shown here and written to %s.", filepath.Join(home, "outbox.jsonl"))
	}
	scr.Blank()
}

func welcome(scr *screen.Screen, st *state.State, list []steps.Step) {
	done := 0
	for _, s := range list {
		if st.Step(s.ID()).Status == state.Done {
			done++
		}
	}
	switch {
	case done == len(list):
		scr.Say("Every step is already done for %s. To go through them again: mfa-onboard reset", st.User)
		return
	case done > 0:
		scr.Say("Welcome back, %s: %d of %d steps are done; carrying on from there.", st.User, done, len(list))
	default:
		scr.Say("Setting up two-step sign-in for %s.", st.User)
	}
	scr.Say("You can stop at any time with Ctrl-C and carry on later with: mfa-onboard start")
}

func closing(scr *screen.Screen, sum wizard.Summary, err error) {
	scr.Blank()
	var need *prompt.NeedsAnswerError
	var wait interface{ Waiting() string }
	switch {
	case sum.Outcome == wizard.Completed:
		scr.OK("All %d steps are done. Two-step sign-in is set up for %s.", len(sum.Steps), sum.User)
	case sum.Outcome == wizard.Interrupted:
		scr.Say("Stopped. Your progress is saved; run mfa-onboard start to carry on at %q.", sum.WaitingOn)
	case errors.As(err, &need):
		scr.Say("Waiting on the person at step %q: %v.", sum.WaitingOn, err)
		how := fmt.Sprintf("answers file key %q", need.Key)
		if flag := answerFlag(need.Key); flag != "" {
			how += " or " + flag
		}
		scr.Say("Answer it (%s) or run mfa-onboard start in a terminal to carry on.", how)
	case errors.As(err, &wait):
		scr.Say("Waiting on the person at step %q: %v.", sum.WaitingOn, err)
		scr.Say("Run mfa-onboard start again once they have done it.")
	case sum.Outcome == wizard.Failed:
		scr.Problem("Step %q did not finish; your progress is saved. Fix what the error below says, then run mfa-onboard start.", sum.WaitingOn)
	}
}

// answerFlag names the flag that answers a question key without an answers file.
func answerFlag(key string) string {
	switch key {
	case steps.KeyUser:
		return "--user"
	case steps.KeyPhoneNumber:
		return "--phone"
	case steps.KeyPhoneCountry:
		return "--country"
	case steps.KeyVerifyCode, steps.KeyDuoEnrollCode, steps.KeyDuoTestCode:
		return "--code"
	}
	return ""
}

func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "unknown computer"
	}
	return h
}
