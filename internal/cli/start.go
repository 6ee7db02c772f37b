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
	"github.com/mfa-onboard/mfa-onboard/internal/audit"
	"github.com/mfa-onboard/mfa-onboard/internal/config"
	"github.com/mfa-onboard/mfa-onboard/internal/prompt"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/sanitize"
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

	// For is the person a technician acts for (--for); the run is then theirs, in the
	// technician's words, and never the person's own (--user).
	For string
	// TrustPhone and Reason register the number without a texted code, on the
	// technician's word, for the reason given (--trust-phone --reason).
	TrustPhone bool
	Reason     string
	// Platform answers duo-install.platform (ios, android): a batch's CSV gives it.
	Platform string
	// Manager is who reminders escalate to (a batch CSV's manager column); empty
	// keeps what the state has.
	Manager string
}

func newStartCmd(f *Factory) *cobra.Command {
	o := &StartOptions{F: f}
	cmd := &cobra.Command{
		Use:   "start",
		Short: "Start the procedure, or carry on where it stopped",
		Long: `Start the procedure, or carry on where it stopped: finished steps are never redone.

--user EMAIL is the person's own run, on their computer. --for EMAIL is a technician's
run on their behalf: what admin APIs can do is done, and for what only the person can
do (read out the texted code, tap the Duo activation link, approve the test push) the
screen says what to ask of them. The two cannot be given together.

Without a terminal (or with --non-interactive, or CI set) nothing is asked: a step
that needs a person saves its progress and the run ends with exit code 3. Give the
answers with flags (--phone, --country, --code) or an answers file (--answers), and
run the same command again to carry on.`,
		Example: `  mfa-onboard start --user alice@contoso.com
  mfa-onboard start --for alice@contoso.com --phone "+1 425 555 0100"
  mfa-onboard start --non-interactive --answers new-hire.yaml --output json
  mfa-onboard start --for alice@contoso.com --code 123456   # the code the waiting step asks for`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkOutput(o.Output); err != nil {
				return err
			}
			if err := o.checkActor(); err != nil {
				return err
			}
			return runStart(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.User, "user", "", "work email address (Microsoft 365 sign-in name) of the person being enrolled")
	cmd.Flags().StringVar(&o.For, "for", "", "act for this person (work email) as their technician: what admin APIs can do is done, and what only they can do is handed over to them")
	cmd.Flags().BoolVar(&o.TrustPhone, "trust-phone", false, "with --for: register the number without a texted code, on your word (needs --reason; recorded with your name in the audit)")
	cmd.Flags().StringVar(&o.Reason, "reason", "", "why the number is trusted without a code (with --trust-phone)")
	cmd.Flags().StringVarP(&o.Output, "output", "o", "text", "result format: text or json (json goes to stdout, alone)")
	cmd.Flags().StringVar(&o.AnswersFile, "answers", "", "YAML file of answers to the steps' questions (see the README)")
	cmd.Flags().StringVar(&o.Phone, "phone", "", "mobile number (answers phone.number)")
	cmd.Flags().StringVar(&o.Country, "country", "", "two-letter country of a number given without + (answers phone.country)")
	cmd.Flags().BoolVar(&o.ReplacePhone, "replace-phone", false, "replace a different mobile number already registered in Microsoft 365 (answers verify.replace)")
	cmd.Flags().StringVar(&o.Code, "code", "", "the code the waiting step asks for: texted code, or the one Duo Mobile shows")
	return cmd
}

// checkActor refuses flags that do not make one clear run: the person's own (--user)
// or a technician's for them (--for), and a number trusted without a code only on a
// technician's explicit word with a reason.
func (o *StartOptions) checkActor() error {
	if o.For != "" && o.User != "" {
		return usagef("--for and --user cannot be used together: --for %s is a technician's run on the person's behalf, --user their own run on their computer; give one", o.For)
	}
	if o.For != "" {
		who, err := account.Parse(o.For)
		if err != nil {
			return usagef("--for %q: %v", o.For, err)
		}
		o.For = who
	}
	o.Reason = sanitize.Line(o.Reason)
	switch {
	case o.TrustPhone && o.For == "":
		return usagef("--trust-phone is a technician's decision for someone else: use it with --for EMAIL")
	case o.TrustPhone && o.Reason == "":
		return usagef("--trust-phone needs --reason TEXT: why the number may be registered without a texted code (kept with the number and in the audit)")
	case !o.TrustPhone && o.Reason != "":
		return usagef("--reason goes with --trust-phone; without it every number is proven with a texted code")
	}
	return nil
}

// person is the address given for whose procedure this is: --for or --user.
func (o *StartOptions) person() string {
	if o.For != "" {
		return o.For
	}
	return o.User
}

// actor is who this run is for and in whose words: the person, or the technician
// acting for them (--for), named as the audit names them.
func (o *StartOptions) actor() steps.Actor {
	if o.For == "" {
		return steps.Actor{}
	}
	a := steps.Actor{Technician: true, Name: audit.Entry{Technician: o.F.Actor().Technician}.Who()}
	if o.TrustPhone {
		a.TrustPhone = o.Reason
	}
	return a
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
		if u, err := account.Parse(o.person()); err == nil {
			return u
		}
		return ""
	}
	return oneResult(o.F, o.Output, user, func() error { return o.start(ctx, &who) })
}

// start is the run itself; known is set to the person as soon as that is settled.
func (o *StartOptions) start(ctx context.Context, known *string) error {
	f := o.F
	home, cfg, err := f.DirAndConfig()
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
	who, others, err := knownUser(o.person(), given[steps.KeyUser], store, interactive)
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
	if o.Manager != "" {
		st.Manager = o.Manager
	}
	st.ByTechnician = o.For != ""
	if o.For != "" {
		scr.Say("Acting for %s as their technician: what only they can do (read you the texted code, tap the activation link, approve the push) is handed over to them.", who)
	}
	welcome(scr, st, list, f.ProgramName(), o.again(who))

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
		Actor:       o.actor(),
		Record:      trustRecorder(f.Audit(home), cfg, st),
		Text:        f.Text,
	}
	runner := &wizard.Runner{Steps: list, Env: env, Auditor: &stepAuditor{log: f.Audit(home), cfg: cfg, set: set}}
	outcome, runErr := runner.Run(ctx)
	sum := summarize(list, st)
	sum.Outcome = outcome
	sum.WaitingOn = firstWaiting(st, list)
	if outcome == wizard.Failed && runErr != nil {
		// The steps say what each did, but not, say, that none of it could be saved.
		sum.Reason = runErr.Error()
	}
	closeRun(scr, sum, runErr, o.again(who))
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
	var held *state.LockedError
	if errors.As(err, &held) && held.Known {
		return nil, fmt.Errorf("another mfa-onboard is already working for %s (%s); finish or close it first", who, held.Holder)
	}
	if errors.Is(err, state.ErrLocked) {
		return nil, fmt.Errorf("another mfa-onboard is already working for %s on this computer; finish or close it first", who)
	}
	return unlock, err
}

// knownUser is whose procedure this is when that is settled without asking: --user,
// the answers file, or the one person who has started on this computer. "" means
// the person must be asked, choosing among others if several have started here and
// the run is interactive.
func knownUser(flag, given string, store *state.Store, interactive bool) (string, []string, error) {
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
	// Only files up to a second person are read: that settles that there is no one
	// person, so a run without a person costs the same however many have started.
	found, err := store.Sole()
	if err != nil {
		return "", nil, listProblem(err)
	}
	if found.State != nil {
		return found.State.User, nil, nil
	}
	if found.Several == nil || !interactive {
		// Without a person to pick from the list, nobody needs it: the run waits for --user.
		return "", nil, nil
	}
	existing, err := store.List()
	if err != nil {
		return "", nil, listProblem(err)
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
		{"the platform", steps.KeyDuoPlatform, o.Platform},
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

// again is the command that carries on this run for who: a technician's carries on
// as theirs, by the same or another technician.
func (o *StartOptions) again(who string) string {
	cmd := o.F.ProgramName() + " start"
	if o.For != "" {
		cmd += " --for " + who
	}
	return cmd
}

// trustRecorder writes a number trusted without a texted code to the customer's
// audit (audit.TrustedPhone: who, for whom, which number, masked, and why) before the
// verify step registers it, so that no such number is ever registered unrecorded.
func trustRecorder(log *audit.Log, cfg *config.Config, st *state.State) func(action, reason string, ids map[string]string) error {
	return func(action, reason string, ids map[string]string) error {
		e := audit.Entry{Action: action, User: st.User, Result: string(state.Done), Reason: reason}
		if action == steps.ActionTrustPhone {
			num := ""
			if st.Phone != nil {
				num = st.Phone.E164
			}
			e = audit.TrustedPhone(st.User, num, backends(cfg, []provider.Role{provider.RolePhoneRegistration}), reason)
		}
		if len(ids) > 0 {
			e.IDs = ids
		}
		return log.Append(e)
	}
}

// welcome greets the person (or their technician); again is the command that
// carries on later.
func welcome(scr *screen.Screen, st *state.State, list []steps.Step, program, again string) {
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
	scr.Say("  %s", again)
}

// closing is closeRun for the person's own run of program.
func closing(scr *screen.Screen, sum wizard.Summary, err error, program string) {
	closeRun(scr, sum, err, program+" start")
}

// closeRun says how the run ended and what carries it on: again, the command.
func closeRun(scr *screen.Screen, sum wizard.Summary, err error, again string) {
	scr.Blank()
	var need *prompt.NeedsAnswerError
	var wait interface{ Waiting() string }
	var save *wizard.SaveError
	switch {
	case errors.As(err, &save):
		// The error below says the save failed: nothing here may say it worked.
		scr.Problem("The progress of step %q could not be saved, so what this run did since its last save is lost. Fix what the error below says, then run %s.", save.StepID, again)
	case sum.Outcome == wizard.Completed:
		scr.OK("All %d steps are done. Two-step sign-in is set up for %s.", len(sum.Steps), sum.User)
	case sum.Outcome == wizard.Interrupted:
		scr.Say("Stopped. Your progress is saved; to carry on at %q, run:", sum.WaitingOn)
		scr.Say("  %s", again)
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
		scr.Say("Give it, or run %s in a terminal to carry on.", again)
	case errors.As(err, &wait):
		scr.Say("Waiting on the person at step %q: %v.", sum.WaitingOn, err)
		scr.Say("Run %s again once they have done it.", again)
	case sum.Outcome == wizard.Failed:
		scr.Problem("Step %q did not finish; your progress is saved. Fix what the error below says, then run %s.", sum.WaitingOn, again)
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
