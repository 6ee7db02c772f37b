package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mfa-onboard/mfa-onboard/internal/account"
	"github.com/mfa-onboard/mfa-onboard/internal/answers"
	"github.com/mfa-onboard/mfa-onboard/internal/config"
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

// oneResult runs a command that takes --output and keeps its promise that, with json,
// stdout holds exactly one document. When run returns an error before it printed its
// own (another run holds the lock, a state file is damaged, the answers file or a flag
// is wrong), the document is printed here: "failed", or "waiting" for an error that
// waits on the person, with the error's sentence as its reason. Its steps are empty:
// they were not read, and "pending" would say something untrue of a person who has
// done some. user says whose run it was, as far as it got to know.
func oneResult(f *Factory, output string, user func() string, run func() error) error {
	if output != "json" {
		return run()
	}
	out := &countingWriter{w: f.IO.Out}
	f.IO.Out = out
	err := func() error {
		defer func() { f.IO.Out = out.w }()
		return run()
	}()
	if err == nil || out.n > 0 {
		return err
	}
	sum := wizard.Summary{User: user(), Outcome: wizard.Failed, Reason: err.Error()}
	if code := ExitCode(err); code == ExitWaiting || code == ExitInterrupted {
		sum.Outcome = wizard.WaitingUser
	}
	if werr := writeJSON(out.w, sum); werr != nil {
		return errors.Join(err, werr)
	}
	return err
}

// countingWriter counts what was written through it, so that oneResult knows whether
// the command printed its document.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func runStart(ctx context.Context, o *StartOptions) error {
	var who string // set once the run knows whose procedure it is
	user := func() string {
		if who != "" {
			return who
		}
		if u, err := account.Parse(o.User); err == nil {
			return u
		}
		return ""
	}
	return oneResult(o.F, o.Output, user, func() error { return o.start(ctx, &who) })
}

// start is the run itself; known is set to the person as soon as that is settled.
func (o *StartOptions) start(ctx context.Context, known *string) error {
	f := o.F
	home, cfg, err := f.HomeAndConfig()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(home, 0o700); err != nil {
		return fmt.Errorf("create the home folder %s: %w", home, err)
	}
	given, err := o.answers(cfg.DefaultCountry)
	if err != nil {
		return err
	}
	if c := given[steps.KeyPhoneCountry]; c != "" {
		cfg.DefaultCountry = strings.ToUpper(c)
	}
	store := f.Store(home)
	ans := prompt.NewAnswers(given).WithCode(o.Code)
	pr := f.Prompter(ans)
	interactive := f.Interactive()
	scr := f.Screen()
	list := steps.All()

	// The person's lock is taken before anything is shown, so a second start for
	// them stops at once, with nothing but the reason on screen.
	who, others, err := knownUser(o.User, given[steps.KeyUser], store)
	if err != nil {
		return err
	}
	*known = who
	var unlock func() error
	if who != "" {
		if unlock, err = lockUser(store, who); err != nil {
			return err
		}
		defer unlock()
	}
	set, err := f.Providers(home, cfg, scr)
	if err != nil {
		return err
	}
	banner(scr, home, set)
	if who == "" {
		who, err = askUser(ctx, cfg, pr, others)
		if err != nil {
			o.noteUnstarted(scr, list, err)
			return err
		}
		*known = who
		if unlock, err = lockUser(store, who); err != nil {
			return err
		}
		defer unlock()
	}

	st, err := store.Load(who)
	if errors.Is(err, state.ErrNotFound) {
		st = state.New(who, f.Clock.Now().UTC())
	} else if err != nil {
		return err
	}
	welcome(scr, st, list, f.ProgramName())

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
		Program:     f.ProgramName(),
	}
	runner := &wizard.Runner{Steps: list, Env: env}
	outcome, runErr := runner.Run(ctx)
	sum := summarize(list, st)
	sum.Outcome = outcome
	sum.WaitingOn = firstWaiting(st, list)
	if outcome == wizard.Failed && runErr != nil {
		// The steps say what each did, but not, say, that none of it could be saved.
		sum.Reason = runErr.Error()
	}
	closing(scr, sum, runErr, f.ProgramName())
	if o.Output == "json" {
		if err := writeJSON(f.IO.Out, sum); err != nil {
			return err
		}
	}
	return runErr
}

// noteUnstarted ends a run that stopped before it knew whose procedure it is: the
// person is told what is needed, and --output json still prints its one document.
func (o *StartOptions) noteUnstarted(scr *screen.Screen, list []steps.Step, err error) {
	sum := summarize(list, state.New("", o.F.Clock.Now().UTC()))
	sum.Updated = time.Time{}
	sum.WaitingOn = list[0].ID()
	switch {
	case errors.Is(err, prompt.ErrInterrupted):
		sum.Outcome = wizard.Interrupted
		scr.Blank()
		scr.Say("Stopped before anything was saved. To begin, run:")
		scr.Say("  %s start", o.F.ProgramName())
	case isWaiting(err):
		sum.Outcome = wizard.WaitingUser
		scr.Blank()
		scr.Say("Waiting: whose procedure this is must be given with --user or the answers file key %q.", steps.KeyUser)
	default:
		return
	}
	if o.Output == "json" {
		_ = writeJSON(o.F.IO.Out, sum)
	}
}

func isWaiting(err error) bool {
	var w interface{ Waiting() string }
	return errors.As(err, &w)
}

func lockUser(store *state.Store, who string) (func() error, error) {
	unlock, err := store.Lock(who)
	if errors.Is(err, state.ErrLocked) {
		return nil, fmt.Errorf("another mfa-onboard is already working for %s on this computer; finish or close it first", who)
	}
	return unlock, err
}

// knownUser is whose procedure this is when that is settled without asking: --user,
// the answers file, or the one person who has started on this computer. "" means
// the person must be asked, choosing among others if several have started here.
func knownUser(flag, given string, store *state.Store) (string, []string, error) {
	if flag != "" {
		who, err := account.Parse(flag)
		if err != nil {
			return "", nil, usagef("--user %q: %v", flag, err)
		}
		return who, nil, nil
	}
	if given != "" {
		who, err := account.Parse(given)
		if err != nil {
			return "", nil, &prompt.BadAnswerError{Key: steps.KeyUser, Reason: err.Error()}
		}
		return who, nil, nil
	}
	existing, err := store.List()
	if err != nil {
		return "", nil, listProblem(err)
	}
	if len(existing) == 1 {
		return existing[0].User, nil, nil
	}
	var others []string
	for _, st := range existing {
		others = append(others, st.User)
	}
	return "", others, nil
}

// listProblem is store.List's error for a command that would choose the person by
// itself: a file it could not read (damaged, too new, unreadable, a link) may be the
// person's, so taking the one readable person for "the only one" could act for the
// wrong one, and nobody is chosen.
func listProblem(err error) error {
	return fmt.Errorf("%w; to act for one person anyway, name them with --user", err)
}

// askUser asks whose procedure this is. Nothing is guessed: an address made up from
// the computer's account would be saved as the person and never asked again.
func askUser(ctx context.Context, cfg *config.Config, pr prompt.Prompter, started []string) (string, error) {
	if len(started) > 0 {
		opts := make([]prompt.Option, 0, len(started)+1)
		for _, u := range started {
			opts = append(opts, prompt.Option{Value: u, Label: u})
		}
		opts = append(opts, prompt.Option{Value: "", Label: "Someone else"})
		who, err := pr.Select(ctx, prompt.Question{Key: steps.KeyUser, Message: "Whose procedure is this?", Help: "Several people have started on this computer."}, opts)
		if err != nil || who != "" {
			return who, err
		}
	}
	domain := cfg.UserDomain
	if domain == "" {
		domain = "contoso.com"
	}
	who, err := pr.Input(ctx, prompt.Question{
		Key:     steps.KeyUser,
		Message: "Your work email address",
		Help:    "The address you sign in to Microsoft 365 (Outlook, Teams) with, such as alice@" + domain + ".",
	}, account.Check)
	if err != nil {
		return "", err
	}
	return account.Parse(who)
}

// answers gathers the answers given in advance: the answers file, then the flags,
// which win. Every value is checked here, before the first step runs.
func (o *StartOptions) answers(country string) (map[string]string, error) {
	given := map[string]string{}
	if o.AnswersFile != "" {
		f, err := answers.Load(o.AnswersFile)
		if err != nil {
			return nil, err
		}
		if err := f.Check(country); err != nil {
			return nil, &answers.Error{File: o.AnswersFile, Err: err}
		}
		given = f.Values()
	}
	if o.ReplacePhone {
		given[steps.KeyVerifyReplace] = "yes"
	}
	flags := []struct{ flag, key, value string }{
		{"--country", steps.KeyPhoneCountry, o.Country},
		{"--phone", steps.KeyPhoneNumber, o.Phone},
		{"--code", steps.KeyVerifyCode, o.Code},
	}
	for _, fl := range flags {
		if fl.value == "" {
			continue
		}
		if c := given[steps.KeyPhoneCountry]; c != "" {
			country = c
		}
		if err := steps.CheckAnswer(fl.key, fl.value, country); err != nil {
			return nil, usagef("%s %q (answers %s): %v", fl.flag, fl.value, fl.key, err)
		}
		if fl.key != steps.KeyVerifyCode {
			given[fl.key] = fl.value
		}
	}
	return given, nil
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
		scr.Say("DEMO: every provider is a stand-in and nothing is sent. What a phone would receive is shown here and written to %s.", filepath.Join(home, "outbox.jsonl"))
	case len(demo) > 0:
		scr.Say("PARTLY A DEMO: these roles are stand-ins and send nothing: %s. What they would send is shown here and written to %s.", strings.Join(demo, ", "), filepath.Join(home, "outbox.jsonl"))
	}
	scr.Blank()
}

func welcome(scr *screen.Screen, st *state.State, list []steps.Step, program string) {
	done := 0
	for _, s := range list {
		if st.Step(s.ID()).Status == state.Done {
			done++
		}
	}
	switch {
	case done == len(list):
		scr.Say("Every step is already done for %s. To go through them again, run:", st.User)
		scr.Say("  %s reset", program)
		return
	case done > 0:
		verb := "are"
		if done == 1 {
			verb = "is"
		}
		scr.Say("Welcome back, %s: %d of %d steps %s done; carrying on from there.", st.User, done, len(list), verb)
	default:
		scr.Say("Setting up two-step sign-in for %s.", st.User)
	}
	scr.Say("You can stop at any time with Ctrl-C, and carry on later with:")
	scr.Say("  %s start", program)
}

func closing(scr *screen.Screen, sum wizard.Summary, err error, program string) {
	scr.Blank()
	var need *prompt.NeedsAnswerError
	var wait interface{ Waiting() string }
	var save *wizard.SaveError
	switch {
	case errors.As(err, &save):
		// The error below says the save failed: nothing here may say it worked.
		scr.Problem("The progress of step %q could not be saved, so what this run did since its last save is lost. Fix what the error below says, then run %s start.", save.StepID, program)
	case sum.Outcome == wizard.Completed:
		scr.OK("All %d steps are done. Two-step sign-in is set up for %s.", len(sum.Steps), sum.User)
	case sum.Outcome == wizard.Interrupted:
		scr.Say("Stopped. Your progress is saved; to carry on at %q, run:", sum.WaitingOn)
		scr.Say("  %s start", program)
	case errors.As(err, &need):
		how := fmt.Sprintf("answers file key %q", need.Key)
		if flag := answerFlag(need.Key); flag != "" {
			how += " or " + flag
		}
		verb := "needs"
		if need.Retry {
			verb = "needs a new answer for"
		}
		scr.Say("Waiting on the person at step %q: it %s %s.", sum.WaitingOn, verb, how)
		scr.Say("Give it, or run %s start in a terminal to carry on.", program)
	case errors.As(err, &wait):
		scr.Say("Waiting on the person at step %q: %v.", sum.WaitingOn, err)
		scr.Say("Run %s start again once they have done it.", program)
	case sum.Outcome == wizard.Failed:
		scr.Problem("Step %q did not finish; your progress is saved. Fix what the error below says, then run %s start.", sum.WaitingOn, program)
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
