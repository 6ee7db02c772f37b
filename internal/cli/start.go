package cli

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mfa-onboard/mfa-onboard/internal/account"
	"github.com/mfa-onboard/mfa-onboard/internal/answers"
	"github.com/mfa-onboard/mfa-onboard/internal/audit"
	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
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
		Use:     "start",
		Short:   f.Text.T("cli.start.short"),
		Long:    f.Text.T("cli.start.long"),
		Example: f.Text.T("cli.start.example"),
		Args:    cobra.NoArgs,
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
	p := f.Text
	cmd.Flags().StringVar(&o.User, "user", "", p.T("cli.start.flag.user"))
	cmd.Flags().StringVar(&o.For, "for", "", p.T("cli.start.flag.for"))
	cmd.Flags().BoolVar(&o.TrustPhone, "trust-phone", false, p.T("cli.start.flag.trust-phone"))
	cmd.Flags().StringVar(&o.Reason, "reason", "", p.T("cli.start.flag.reason"))
	cmd.Flags().StringVarP(&o.Output, "output", "o", "text", p.T("cli.start.flag.output"))
	cmd.Flags().StringVar(&o.AnswersFile, "answers", "", p.T("cli.start.flag.answers"))
	cmd.Flags().StringVar(&o.Phone, "phone", "", p.T("cli.start.flag.phone"))
	cmd.Flags().StringVar(&o.Country, "country", "", p.T("cli.start.flag.country"))
	cmd.Flags().BoolVar(&o.ReplacePhone, "replace-phone", false, p.T("cli.start.flag.replace-phone"))
	cmd.Flags().StringVar(&o.Code, "code", "", p.T("cli.start.flag.code"))
	return cmd
}

// checkActor refuses flags that do not make one clear run: the person's own (--user)
// or a technician's for them (--for), and a number trusted without a code only on a
// technician's explicit word with a reason.
func (o *StartOptions) checkActor() error {
	if o.For != "" && o.User != "" {
		return usage(catalog.NewError("cli.start.for-and-user", "For", o.For))
	}
	if o.For != "" {
		who, err := account.Parse(o.For)
		if err != nil {
			return usage(catalog.Wrap(err, "cli.start.for-invalid", "Value", strconv.Quote(o.For)))
		}
		o.For = who
	}
	o.Reason = sanitize.Line(o.Reason)
	switch {
	case o.TrustPhone && o.For == "":
		return usage(catalog.NewError("cli.start.trust-without-for"))
	case o.TrustPhone && o.Reason == "":
		return usage(catalog.NewError("cli.start.trust-without-reason"))
	case !o.TrustPhone && o.Reason != "":
		return usage(catalog.NewError("cli.start.reason-alone"))
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
		return usage(catalog.NewError("cli.output.text-json", "Value", strconv.Quote(o)))
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
	sum := wizard.Summary{User: user(), Outcome: wizard.Failed, Reason: f.Text.Error(err)}
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
		return catalog.Wrap(err, "cli.start.home-folder", "Dir", home)
	}
	given, err := o.answers(cfg.DefaultCountry)
	if err != nil {
		return err
	}
	if c := given[steps.KeyPhoneCountry]; c != "" {
		cfg.DefaultCountry = strings.ToUpper(c)
	}
	store, err := f.Store(home)
	if err != nil {
		return err
	}
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
	banner(scr, f.Text, home, set)
	if who == "" {
		who, err = askUser(ctx, f.Text, cfg, pr, others)
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
		scr.Say("%s", f.Text.T("cli.start.acting-for", "User", who))
	}
	welcome(scr, f.Text, st, list, f.ProgramName(), o.again(who))

	log, err := f.Audit(home)
	if err != nil {
		return err
	}
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
		Record:      trustRecorder(log, cfg, st),
		Text:        f.Text,
	}
	runner := &wizard.Runner{Steps: list, Env: env, Auditor: &stepAuditor{log: log, cfg: cfg, set: set, text: f.Text}}
	outcome, runErr := runner.Run(ctx)
	sum := summarize(f.Text, list, st)
	sum.Outcome = outcome
	sum.WaitingOn = firstWaiting(st, list)
	if outcome == wizard.Failed && runErr != nil {
		// The steps say what each did, but not, say, that none of it could be saved.
		sum.Reason = f.Text.Error(runErr)
	}
	closeRun(scr, f.Text, sum, runErr, o.again(who))
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
	p := o.F.Text
	sum := summarize(p, list, state.New("", o.F.Clock.Now().UTC()))
	sum.Updated = time.Time{}
	sum.WaitingOn = list[0].ID()
	switch {
	case errors.Is(err, prompt.ErrInterrupted):
		sum.Outcome = wizard.Interrupted
		scr.Blank()
		scr.Say("%s", p.T("cli.start.stopped-unsaved"))
		scr.Say("  %s start", o.F.ProgramName())
	case isWaiting(err):
		sum.Outcome = wizard.WaitingUser
		scr.Blank()
		scr.Say("%s", p.T("cli.start.waiting-user", "Key", strconv.Quote(steps.KeyUser)))
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

func lockUser(store state.Store, who string) (func() error, error) {
	unlock, err := store.Lock(who)
	var held *state.LockedError
	if errors.As(err, &held) && held.Known {
		return nil, &heldError{user: who, holder: held.Holder}
	}
	if errors.Is(err, state.ErrLocked) {
		return nil, catalog.NewError("cli.start.locked", "User", who)
	}
	return unlock, err
}

// heldError refuses a run for a person another run is working for, naming who
// holds them (in the person's language, as the holder says itself).
type heldError struct {
	user   string
	holder state.Holder
}

func (e *heldError) Error() string { return e.Localize(nil) }

// Localize says the refusal in p's language.
func (e *heldError) Localize(p *catalog.Printer) string {
	return p.T("cli.start.locked-by", "User", e.user, "Holder", e.holder.Say(p))
}

// knownUser is whose procedure this is when that is settled without asking: --user,
// the answers file, or the one person who has started on this computer. "" means
// the person must be asked, choosing among others if several have started here and
// the run is interactive.
func knownUser(flag, given string, store state.Store, interactive bool) (string, []string, error) {
	if flag != "" {
		who, err := account.Parse(flag)
		if err != nil {
			return "", nil, usage(catalog.Wrap(err, "cli.start.user-invalid", "Value", strconv.Quote(flag)))
		}
		return who, nil, nil
	}
	if given != "" {
		who, err := account.Parse(given)
		if err != nil {
			return "", nil, &prompt.BadAnswerError{Key: steps.KeyUser, Reason: err.Error(), Err: err}
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
	return catalog.Wrap(err, "cli.start.list-problem")
}

// askUser asks whose procedure this is. Nothing is guessed: an address made up from
// the computer's account would be saved as the person and never asked again.
func askUser(ctx context.Context, p *catalog.Printer, cfg *config.Config, pr prompt.Prompter, started []string) (string, error) {
	if len(started) > 0 {
		opts := make([]prompt.Option, 0, len(started)+1)
		for _, u := range started {
			opts = append(opts, prompt.Option{Value: u, Label: u})
		}
		opts = append(opts, prompt.Option{Value: "", Label: p.T("cli.start.ask-user.someone-else")})
		who, err := pr.Select(ctx, prompt.Question{Key: steps.KeyUser, Message: p.T("cli.start.ask-user.whose"), Help: p.T("cli.start.ask-user.whose.help")}, opts)
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
		Message: p.T("cli.start.ask-user.email"),
		Help:    p.T("cli.start.ask-user.email.help", "Domain", domain),
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
	// flag is "" for the platform, which a batch's CSV gives rather than a flag.
	flags := []struct{ flag, key, value string }{
		{"--country", steps.KeyPhoneCountry, o.Country},
		{"--phone", steps.KeyPhoneNumber, o.Phone},
		{"--code", steps.KeyVerifyCode, o.Code},
		{"", steps.KeyDuoPlatform, o.Platform},
	}
	for _, fl := range flags {
		if fl.value == "" {
			continue
		}
		if c := given[steps.KeyPhoneCountry]; c != "" {
			country = c
		}
		if err := steps.CheckAnswer(fl.key, fl.value, country); err != nil {
			if fl.flag == "" {
				return nil, usage(catalog.Wrap(err, "cli.start.bad-platform", "Value", strconv.Quote(fl.value), "Key", fl.key))
			}
			return nil, usage(catalog.Wrap(err, "cli.start.bad-answer", "Flag", fl.flag, "Value", strconv.Quote(fl.value), "Key", fl.key))
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

func banner(scr *screen.Screen, p *catalog.Printer, home string, set provider.Set) {
	scr.Say("%s", p.T("cli.start.banner"))
	var demo []string
	all := []provider.Role{provider.RoleSMS, provider.RolePhoneRegistration, provider.RoleNotify, provider.RoleDuo}
	for _, r := range all {
		if set.DemoRole(r) {
			demo = append(demo, string(r))
		}
	}
	switch {
	case len(demo) == len(all):
		scr.Say("%s", p.T("cli.start.demo", "File", filepath.Join(home, "outbox.jsonl")))
	case len(demo) > 0:
		scr.Say("%s", p.T("cli.start.partly-demo", "Roles", strings.Join(demo, ", "), "File", filepath.Join(home, "outbox.jsonl")))
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
func welcome(scr *screen.Screen, p *catalog.Printer, st *state.State, list []steps.Step, program, again string) {
	done := 0
	for _, s := range list {
		if st.Step(s.ID()).Status == state.Done {
			done++
		}
	}
	switch {
	case done == len(list):
		scr.Say("%s", p.T("cli.start.all-done-before", "User", st.User))
		scr.Say("  %s reset", program)
		return
	case done > 0:
		scr.Say("%s", p.T("cli.start.welcome-back", "User", st.User, "Count", done, "Total", len(list)))
	default:
		scr.Say("%s", p.T("cli.start.setting-up", "User", st.User))
	}
	scr.Say("%s", p.T("cli.start.stop-any-time"))
	scr.Say("  %s", again)
}

// closing is closeRun for the person's own run of program, in English.
func closing(scr *screen.Screen, sum wizard.Summary, err error, program string) {
	closeRun(scr, nil, sum, err, program+" start")
}

// closeRun says how the run ended and what carries it on (again, the command), in
// p's language.
func closeRun(scr *screen.Screen, p *catalog.Printer, sum wizard.Summary, err error, again string) {
	scr.Blank()
	var need *prompt.NeedsAnswerError
	var wait interface{ Waiting() string }
	var save *wizard.SaveError
	switch {
	case errors.As(err, &save):
		// The error below says the save failed: nothing here may say it worked.
		scr.Problem("%s", p.T("cli.start.unsaved", "Step", strconv.Quote(save.StepID), "Command", again))
	case sum.Outcome == wizard.Completed:
		scr.OK("%s", p.T("cli.start.completed", "Total", len(sum.Steps), "User", sum.User))
	case sum.Outcome == wizard.Interrupted:
		scr.Say("%s", p.T("cli.start.interrupted", "Step", strconv.Quote(sum.WaitingOn)))
		scr.Say("  %s", again)
	case errors.As(err, &need):
		scr.Say("%s", needsWords(p, strconv.Quote(sum.WaitingOn), need))
		scr.Say("%s", p.T("cli.start.give-it", "Command", again))
	case errors.As(err, &wait):
		scr.Say("%s", p.T("cli.start.waiting", "Step", strconv.Quote(sum.WaitingOn), "Err", err))
		scr.Say("%s", p.T("cli.start.run-again", "Command", again))
	case sum.Outcome == wizard.Failed:
		scr.Problem("%s", p.T("cli.start.failed", "Step", strconv.Quote(sum.WaitingOn), "Command", again))
	}
}

// needsWords says which answer the waiting step needs, and how to give it: the
// answers file's key, or the flag that answers it too.
func needsWords(p *catalog.Printer, step string, need *prompt.NeedsAnswerError) string {
	key, flag := strconv.Quote(need.Key), answerFlag(need.Key)
	switch {
	case need.Retry && flag != "":
		return p.T("cli.start.needs-again-or-flag", "Step", step, "Key", key, "Flag", flag)
	case need.Retry:
		return p.T("cli.start.needs-again", "Step", step, "Key", key)
	case flag != "":
		return p.T("cli.start.needs-or-flag", "Step", step, "Key", key, "Flag", flag)
	}
	return p.T("cli.start.needs", "Step", step, "Key", key)
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
		// untranslated: stands for the host name in the audit and the notice, as a name would.
		return "unknown computer"
	}
	return h
}
