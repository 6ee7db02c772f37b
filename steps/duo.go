package steps

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/prompt"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/screen"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// Question keys of the Duo steps.
const (
	KeyDuoEnrollCode = "duo-enroll.code"
	KeyDuoTestCode   = "duo-test.code"
	KeyDuoTestRetry  = "duo-test.retry"
	KeyDuoEnrollHow  = "duo-enroll.how"
)

// The ways to add the phone when Duo itself learns of the activation.
const (
	howScan = "scan"
	howText = "text"
)

// Words a person types instead of a code at the activation prompt.
const (
	textWord  = "T"
	againWord = "N"
)

// pollLimit caps the wait between two "is it activated yet?" questions.
const pollLimit = 10 * time.Second

// DuoEnroll adds the phone to Duo and waits until Duo Mobile is activated.
type DuoEnroll struct{}

// ID is the step's stable id.
func (DuoEnroll) ID() string { return "duo-enroll" }

// Roles are the provider roles the step uses.
func (DuoEnroll) Roles() []provider.Role { return []provider.Role{provider.RoleDuo} }

// Title names the step for people.
func (DuoEnroll) Title(p *catalog.Printer) string { return p.T("steps.duo-enroll.title") }

// Run finds or creates the Duo user and phone (recording each id before the next call
// needs it, so a re-run never makes a second phone), then activates Duo Mobile.
func (s DuoEnroll) Run(ctx context.Context, env *Env) error {
	if env.State.Phone == nil {
		return catalog.NewError("steps.no-phone-yet")
	}
	enr, err := env.Providers.Enroller()
	if err != nil {
		return err
	}
	if env.State.Duo == nil {
		env.State.Duo = &state.DuoRecord{}
	}
	d := env.State.Duo
	if err := s.prepare(ctx, env, enr, d); err != nil {
		return err
	}
	done, err := enr.Activated(ctx, d.PhoneID)
	if err != nil {
		return catalog.Wrap(err, "steps.enroll.activated-failed")
	}
	for !done {
		switch {
		case !env.Interactive:
			done, err = s.activateByText(ctx, env, enr, d)
		case env.forOther():
			done, err = s.activateForPerson(ctx, env, enr, d)
		default:
			done, err = s.activate(ctx, env, enr, d)
		}
		if err != nil {
			return err
		}
	}
	// The last change of the step: the wizard saves it when the step ends, and a run
	// stopped before that finds the phone activated again.
	d.ActivatedAt = env.now()
	env.ok(env.Text.T("steps.enroll.done", "User", env.State.User))
	if env.forOther() {
		env.note(env.Text.T("steps.enroll.auto-push.for", "User", env.State.User))
		return nil
	}
	env.note(env.Text.T("steps.enroll.auto-push"))
	return nil
}

// activateForPerson is activation in a technician's run: the activation always goes
// to the person's phone by text (Duo's send_sms_activation,
// https://duo.com/docs/adminapi#send-activation-code-via-sms), because the
// technician's screen is not the phone that must add it, and the wait says what the
// person must do. A link texted earlier that still works is waited for, not replaced.
func (DuoEnroll) activateForPerson(ctx context.Context, env *Env, enr provider.Enroller, d *state.DuoRecord) (bool, error) {
	user, masked, org := env.State.User, maskedPhone(env), env.Config.Organisation
	if d.ActivationTexted.IsZero() || !env.now().Before(d.ActivationExpires) {
		// A code the person's own run showed on their screen stops working once another
		// activation is made.
		voided := !d.ActivationShown.IsZero() && env.now().Before(d.ActivationExpires)
		act, err := enr.SendActivation(ctx, d.PhoneID)
		if err != nil {
			return false, catalog.Wrap(err, "steps.enroll.text-failed")
		}
		if err := recordTexted(env, d, act); err != nil {
			return false, err
		}
		if voided {
			env.problem(env.Text.T("steps.enroll.voided-own.for", "User", user))
		}
		env.say(env.Text.T("steps.enroll.texted.for", "User", user, "Phone", masked, "Until", env.at(d.ActivationExpires, true)))
	} else {
		env.say(env.Text.T("steps.enroll.texted-still.for", "Phone", masked, "At", env.at(d.ActivationTexted, false), "Until", env.at(d.ActivationExpires, true)))
	}
	env.Screen.StepsFrom(1, env.Text.T("steps.enroll.tap.for", "User", user, "Organisation", org))
	if !d.ActivationByCode {
		return waitActivated(ctx, env, enr, d.PhoneID, d.ActivationExpires)
	}
	env.Screen.StepsFrom(2, env.Text.T("steps.enroll.read.for", "Organisation", org))
	expired := func() (bool, error) {
		d.ActivationTexted = time.Time{}
		env.problem(env.Text.T("steps.enroll.expired-texted", "Phone", masked))
		return false, nil
	}
	for {
		ans, err := askBefore(ctx, env, d.ActivationExpires, func(ctx context.Context) (string, error) {
			return env.Prompt.Input(ctx, prompt.Question{
				Key:     KeyDuoEnrollCode,
				Message: env.Text.T("steps.enroll.ask.for"),
				Help:    env.Text.T("steps.enroll.help.for", "User", user, "Organisation", org),
			}, func(s string) error { return sixDigits(normalizeCode(s)) })
		})
		if errors.Is(err, errExpired) {
			return expired()
		}
		if err != nil {
			return false, err
		}
		err = enr.ConfirmActivation(ctx, d.PhoneID, normalizeCode(ans))
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, provider.ErrExpired):
			return expired()
		case errors.Is(err, provider.ErrWrongCode), errors.Is(err, provider.ErrCodeUsed):
			env.problem(sentence(env.Text, err))
		default:
			return false, catalog.Wrap(err, "steps.enroll.check-failed")
		}
	}
}

// activateByText is activation with no screen to show a QR code on: the activation
// goes to the phone by text message, as Duo's send_sms_activation does, once; later
// runs wait for that same activation until it expires.
func (DuoEnroll) activateByText(ctx context.Context, env *Env, enr provider.Enroller, d *state.DuoRecord) (bool, error) {
	if d.ActivationTexted.IsZero() || !env.now().Before(d.ActivationExpires) {
		act, err := enr.SendActivation(ctx, d.PhoneID)
		if err != nil {
			return false, catalog.Wrap(err, "steps.enroll.text-failed")
		}
		if err := recordTexted(env, d, act); err != nil {
			return false, err
		}
	}
	what := catalog.NewError("steps.enroll.waiting")
	if env.forOther() {
		what = catalog.NewError("steps.enroll.waiting.for", "User", env.State.User)
		env.guide(
			env.Text.T("steps.enroll.guide.tap.for", "User", env.State.User, "Organisation", env.Config.Organisation, "Phone", maskedPhone(env)),
			env.Text.T("steps.enroll.guide.before.for", "Until", env.at(d.ActivationExpires, true)),
		)
	} else {
		env.guide(
			env.Text.T("steps.enroll.guide.tap", "Organisation", env.Config.Organisation, "Phone", maskedPhone(env)),
			env.Text.T("steps.enroll.guide.before", "Until", env.at(d.ActivationExpires, true)),
		)
	}
	if !d.ActivationByCode {
		ok, err := enr.Activated(ctx, d.PhoneID)
		if err != nil || ok {
			return ok, err
		}
		return false, &prompt.WaitingError{Key: "duo-enroll", What: what}
	}
	if env.forOther() {
		env.guide(env.Text.T("steps.enroll.guide.code.for", "Organisation", env.Config.Organisation, "Key", KeyDuoEnrollCode, "Again", env.again()))
	} else {
		env.guide(env.Text.T("steps.enroll.guide.code", "Organisation", env.Config.Organisation, "Key", KeyDuoEnrollCode))
	}
	ans, err := env.Prompt.Input(ctx, prompt.Question{Key: KeyDuoEnrollCode, Message: env.Text.T("steps.enroll.ask")},
		func(s string) error { return sixDigits(normalizeCode(s)) })
	if err != nil {
		return false, err
	}
	err = enr.ConfirmActivation(ctx, d.PhoneID, normalizeCode(ans))
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, provider.ErrExpired):
		d.ActivationTexted = time.Time{}
		return false, nil
	case errors.Is(err, provider.ErrWrongCode), errors.Is(err, provider.ErrCodeUsed):
		return false, &prompt.WaitingError{Key: KeyDuoEnrollCode, What: catalog.NewError("steps.enroll.code-refused", "Err", capitalized{err})}
	}
	return false, catalog.Wrap(err, "steps.enroll.check-failed")
}

func (DuoEnroll) prepare(ctx context.Context, env *Env, enr provider.Enroller, d *state.DuoRecord) error {
	user, num := env.State.User, env.State.Phone.E164
	if d.UserID == "" {
		id, err := enr.FindUser(ctx, user)
		if errors.Is(err, provider.ErrNotFound) {
			id, err = enr.CreateUser(ctx, user)
		}
		if err != nil {
			return catalog.Wrap(err, "steps.enroll.user-failed", "User", user)
		}
		d.UserID = id
		if err := env.Save(); err != nil {
			return err
		}
	}
	if d.PhoneID == "" {
		id, err := enr.FindPhone(ctx, num)
		if errors.Is(err, provider.ErrNotFound) {
			id, err = enr.CreatePhone(ctx, num, platformOf(env.State))
		}
		if err != nil {
			return catalog.Wrap(err, "steps.enroll.phone-failed")
		}
		d.PhoneID = id
		if err := env.Save(); err != nil {
			return err
		}
	}
	if !d.Associated {
		if err := enr.Associate(ctx, d.UserID, d.PhoneID); err != nil {
			return catalog.Wrap(err, "steps.enroll.attach-failed", "User", user)
		}
		d.Associated = true
		return env.Save()
	}
	return nil
}

func platformOf(st *state.State) string {
	if st.Platform == nil {
		return ""
	}
	return st.Platform.Value
}

// activate shows one activation and waits for it; false means it expired (or the
// person asked to see it again) and the loop shows the current one or a new one.
func (s DuoEnroll) activate(ctx context.Context, env *Env, enr provider.Enroller, d *state.DuoRecord) (bool, error) {
	act, same, err := s.activation(ctx, env, enr, d)
	if err != nil {
		return false, err
	}
	todo := []string{}
	if same != "" {
		todo = append(todo, same)
	}
	todo = append(todo, env.Text.T("steps.enroll.until", "Until", env.at(act.ExpiresAt, true)))
	q := screen.QR{
		Content: act.Link,
		// Real Duo: the code is the duo:// activation its scanner reads, and the line
		// under it the deep link to open on the phone (without a camera).
		Link:    act.OpenLink,
		Scan:    []string{env.Text.T("steps.enroll.scan")},
		Instead: []string{env.Text.T("steps.enroll.instead")},
		Reserve: 2,
	}
	if !act.NeedsCode {
		// The question, its two choices and the cursor's line take four rows under the
		// code: a third choice would push the code's top out of an 80×24 window. "Show
		// it again" is not needed: a resized window redraws the code, and an expired one
		// is replaced by itself.
		q.Steps, q.Reserve = todo, 4
		var how string
		_, err := env.Screen.AskQR(ctx, q, func(ctx context.Context, shown bool) error {
			done := env.Text.T("steps.enroll.how.scanned")
			if !shown {
				done = env.Text.T("steps.enroll.how.opened")
			}
			var err error
			how, err = askBefore(ctx, env, act.ExpiresAt, func(ctx context.Context) (string, error) {
				return env.Prompt.Select(ctx, prompt.Question{
					Key:     KeyDuoEnrollHow,
					Message: env.Text.T("steps.enroll.how"),
					Default: howScan,
				}, []prompt.Option{
					{Value: howScan, Label: done},
					{Value: howText, Label: env.Text.T("steps.enroll.how.text")},
				})
			})
			return err
		})
		if errors.Is(err, errExpired) {
			env.problem(env.Text.T("steps.enroll.expired"))
			return false, nil
		}
		if err != nil {
			return false, err
		}
		switch how {
		case howText:
			sent, err := enr.SendActivation(ctx, d.PhoneID)
			if err != nil {
				return false, catalog.Wrap(err, "steps.enroll.text-link-failed")
			}
			if err := recordTexted(env, d, sent); err != nil {
				return false, err
			}
			act.ExpiresAt = sent.ExpiresAt
			env.say(env.Text.T("steps.enroll.link-texted", "Phone", maskedPhone(env)))
		}
		return waitActivated(ctx, env, enr, d.PhoneID, act.ExpiresAt)
	}
	q.Steps = append(todo, env.Text.T("steps.enroll.then-code", "Organisation", env.Config.Organisation))
	q.Other = []string{env.Text.T("steps.enroll.no-camera", "Text", textWord, "Again", againWord)}
	var done, again bool
	_, err = env.Screen.AskQR(ctx, q, func(ctx context.Context, shown bool) error {
		var err error
		done, again, err = s.confirmByCode(ctx, env, enr, d, act)
		return err
	})
	if errors.Is(err, errExpired) {
		env.problem(env.Text.T("steps.enroll.expired"))
		return false, nil
	}
	if err != nil || again {
		return false, err
	}
	return done, nil
}

// confirmByCode takes codes from the authenticator entry until one proves the
// activation (done), the person asks to see the code again (again), or it expires.
func (DuoEnroll) confirmByCode(ctx context.Context, env *Env, enr provider.Enroller, d *state.DuoRecord, act provider.Activation) (done, again bool, err error) {
	for {
		ans, err := askBefore(ctx, env, act.ExpiresAt, func(ctx context.Context) (string, error) {
			return env.Prompt.Input(ctx, prompt.Question{
				Key:     KeyDuoEnrollCode,
				Message: env.Text.T("steps.enroll.ask"),
				Help:    env.Text.T("steps.enroll.help", "Organisation", env.Config.Organisation, "Text", textWord, "Again", againWord),
			}, func(s string) error {
				s = normalizeCode(s)
				if strings.EqualFold(s, textWord) || strings.EqualFold(s, againWord) {
					return nil
				}
				return sixDigits(s)
			})
		})
		if err != nil {
			return false, false, err
		}
		ans = normalizeCode(ans)
		switch {
		case strings.EqualFold(ans, againWord):
			return false, true, nil
		case strings.EqualFold(ans, textWord):
			sent, err := enr.SendActivation(ctx, d.PhoneID)
			if err != nil {
				return false, false, catalog.Wrap(err, "steps.enroll.text-link-failed")
			}
			if err := recordTexted(env, d, sent); err != nil {
				return false, false, err
			}
			act.ExpiresAt = sent.ExpiresAt
			env.say(env.Text.T("steps.enroll.link-texted.code"))
			continue
		}
		err = enr.ConfirmActivation(ctx, d.PhoneID, ans)
		switch {
		case err == nil:
			return true, false, nil
		case errors.Is(err, provider.ErrExpired):
			return false, false, errExpired
		case errors.Is(err, provider.ErrWrongCode), errors.Is(err, provider.ErrCodeUsed):
			env.problem(sentence(env.Text, err))
		default:
			return false, false, catalog.Wrap(err, "steps.enroll.check-failed")
		}
	}
}

// activation returns the activation to show, and a sentence saying it is the one
// given before when it is. An activation given earlier that is still valid is shown
// again where the service can give it back, because the person may already have
// added it to Duo Mobile and a new one would void it; where it cannot (real Duo), the
// screen says first that the earlier one no longer works.
func (DuoEnroll) activation(ctx context.Context, env *Env, enr provider.Enroller, d *state.DuoRecord) (provider.Activation, string, error) {
	act, ok, err := enr.CurrentActivation(ctx, d.PhoneID)
	if err != nil {
		return act, "", catalog.Wrap(err, "steps.enroll.current-failed")
	}
	if ok {
		same := sameActivation(env, d, act)
		if d.ActivationShown.IsZero() && d.ActivationTexted.IsZero() {
			// Made by a run whose record was reset since: record it, so that a later run
			// knows it was given and what to say about it.
			d.ActivationShown, d.ActivationExpires, d.ActivationByCode = env.now(), act.ExpiresAt.UTC(), act.NeedsCode
			if err := env.Save(); err != nil {
				return act, "", err
			}
		}
		return act, same, nil
	}
	void := voidedActivation(env, d)
	act, err = enr.NewActivation(ctx, d.PhoneID)
	if err != nil {
		return act, "", catalog.Wrap(err, "steps.enroll.new-failed")
	}
	d.ActivationShown, d.ActivationTexted = env.now(), time.Time{}
	d.ActivationExpires, d.ActivationByCode = act.ExpiresAt.UTC(), act.NeedsCode
	if err := env.Save(); err != nil {
		return act, "", err
	}
	if void != "" {
		env.problem(void)
	}
	return act, "", nil
}

// sameActivation tells the person the activation shown is the one they were given
// before, and what to do if they already added it.
func sameActivation(env *Env, d *state.DuoRecord, act provider.Activation) string {
	scanned := env.Text.T("steps.enroll.how.scanned")
	switch texted := !d.ActivationTexted.IsZero(); {
	case texted && act.NeedsCode:
		return env.Text.T("steps.enroll.same-texted.code", "At", env.at(d.ActivationTexted, false))
	case texted:
		return env.Text.T("steps.enroll.same-texted.scan", "At", env.at(d.ActivationTexted, false), "Choice", scanned)
	case act.NeedsCode:
		return env.Text.T("steps.enroll.same.code")
	}
	return env.Text.T("steps.enroll.same.scan", "Choice", scanned)
}

// voidedActivation is what to tell the person when a new activation replaces one
// given earlier that had not expired, or "" when there was none.
func voidedActivation(env *Env, d *state.DuoRecord) string {
	if !env.now().Before(d.ActivationExpires) {
		return ""
	}
	switch {
	case !d.ActivationTexted.IsZero():
		return env.Text.T("steps.enroll.voided-texted", "Phone", maskedPhone(env), "At", env.at(d.ActivationTexted, false))
	case !d.ActivationShown.IsZero():
		return env.Text.T("steps.enroll.voided-shown", "At", env.at(d.ActivationShown, false))
	}
	return ""
}

// recordTexted records an activation texted to the phone, which voids the one shown
// on screen, if any.
func recordTexted(env *Env, d *state.DuoRecord, act provider.Activation) error {
	d.ActivationTexted, d.ActivationShown = env.now(), time.Time{}
	d.ActivationExpires, d.ActivationByCode = act.ExpiresAt.UTC(), act.NeedsCode
	return env.Save()
}

// waitActivated polls Duo, backing off up to pollLimit, until the phone is activated
// or the activation expires.
func waitActivated(ctx context.Context, env *Env, enr provider.Enroller, phoneID string, expires time.Time) (bool, error) {
	if env.forOther() {
		env.say(env.Text.T("steps.enroll.wait.for", "User", env.State.User, "Phone", maskedPhone(env), "Again", env.again()))
	} else {
		env.say(env.Text.T("steps.enroll.wait", "Again", env.again()))
	}
	wait := time.Second
	for env.now().Before(expires) {
		if err := env.Screen.Wait(ctx, env.Clock, min(wait, expires.Sub(env.now()))); err != nil {
			return false, prompt.ErrInterrupted
		}
		ok, err := enr.Activated(ctx, phoneID)
		if err != nil {
			return false, catalog.Wrap(err, "steps.enroll.activated-failed")
		}
		if ok {
			return true, nil
		}
		wait = min(wait*2, pollLimit)
	}
	if env.forOther() {
		env.problem(env.Text.T("steps.enroll.expired-texted", "Phone", maskedPhone(env)))
		return false, nil
	}
	env.problem(env.Text.T("steps.enroll.expired"))
	return false, nil
}

// DuoTest sends a test push and checks it was approved: proof that Remote Desktop
// Gateway sign-in will work.
type DuoTest struct{}

// testPushesPerWindow and testPushWindow cap the test pushes a person is sent, counted
// from the person's state so that the cap holds across runs and processes and for
// every Pusher: push fatigue (a phone that buzzes until someone taps Approve to make it
// stop) is how MFA gets talked past, and no loop, retrying pipeline or impatient
// technician may become that. The real Duo client keeps the same cap in memory as a
// second line.
const (
	testPushesPerWindow = 3
	testPushWindow      = 5 * time.Minute
)

// How a test push ended without approval, as DuoTestRecord.Outcome keeps it. After
// any of them no other push is sent until the person asks for one.
const (
	outcomeDenied  = "denied"
	outcomeTimeout = "timeout"
	// outcomeUnknown is a push whose answer nobody knows: the run stopped between
	// sending it and recording its id, or the service no longer knows the id.
	outcomeUnknown = "unknown"
)

// ID is the step's stable id.
func (DuoTest) ID() string { return "duo-test" }

// Roles are the provider roles the step uses.
func (DuoTest) Roles() []provider.Role { return []provider.Role{provider.RoleDuo} }

// Title names the step for people.
func (DuoTest) Title(p *catalog.Printer) string { return p.T("steps.duo-test.title") }

// Run checks the user can be pushed to, pushes, and waits for the answer. A push from
// an earlier run is carried on with, never followed by another unasked.
func (DuoTest) Run(ctx context.Context, env *Env) error {
	if rec := env.State.DuoTest; rec != nil && !rec.ApprovedAt.IsZero() {
		// Approved in a run that stopped before the step was marked done: nothing is
		// asked of Duo, and above all nothing is sent.
		if env.forOther() {
			env.ok(env.Text.T("steps.push.approved-earlier.for", "At", env.at(rec.ApprovedAt, false), "User", env.State.User))
		} else {
			env.ok(env.Text.T("steps.push.approved-earlier", "At", env.at(rec.ApprovedAt, false)))
		}
		return nil
	}
	pusher, err := env.Providers.Pusher()
	if err != nil {
		return err
	}
	user := env.State.User
	// The push must reach the phone just enrolled: the Duo user may still have another
	// (the number before a reset), and a push that one approves proves nothing.
	d := env.State.Duo
	if d == nil || d.PhoneID == "" || d.ActivatedAt.IsZero() {
		return catalog.NewError("steps.push.no-phone")
	}
	ok, reason, err := pusher.Ready(ctx, user, d.PhoneID)
	if err != nil {
		return catalog.Wrap(err, "steps.push.ready-failed", "User", user)
	}
	if !ok {
		return reason
	}
	if env.State.DuoTest == nil {
		env.State.DuoTest = &state.DuoTestRecord{}
	}
	rec := env.State.DuoTest
	push, approved, err := earlierPush(ctx, env, pusher, rec)
	if err != nil {
		return err
	}
	for !approved {
		if push.ID == "" {
			if push, err = newPush(ctx, env, pusher, rec); err != nil {
				return err
			}
		}
		st, err := answerPush(ctx, env, pusher, push)
		if err != nil {
			return err
		}
		if st.Result == provider.PushAllowed {
			break
		}
		switch {
		case st.Result == provider.PushDenied && env.forOther():
			env.problem(env.Text.T("steps.push.denied.for", "User", env.State.User))
		case st.Result == provider.PushDenied:
			env.problem(env.Text.T("steps.push.denied"))
		case env.forOther():
			env.problem(env.Text.T("steps.push.timeout.for", "User", env.State.User))
		default:
			env.problem(env.Text.T("steps.push.timeout"))
		}
		if st.Result == provider.PushDenied && st.Message != "" {
			env.say(env.Text.T("steps.push.duo-says", "Message", st.Say(env.Text)))
		}
		if err := recordOutcome(env, rec, outcomeOf(st.Result)); err != nil {
			return err
		}
		push = provider.Push{}
	}
	rec.ApprovedAt, rec.Outcome, rec.OutcomeAt = env.now(), "", time.Time{}
	if env.forOther() {
		env.ok(env.Text.T("steps.push.approved.for", "User", env.State.User))
	} else {
		env.ok(env.Text.T("steps.push.approved"))
	}
	// The wizard saves it when the step ends; a run stopped before that finds the
	// push approved again (earlierPush).
	return nil
}

// earlierPush carries on from what an earlier run recorded: the push it sent if that
// is still waiting for an answer, or approved if it was approved meanwhile. A push
// that was denied, timed out or whose answer is not known is said and recorded, and
// no push is returned: the caller asks before sending another.
func earlierPush(ctx context.Context, env *Env, pusher provider.Pusher, rec *state.DuoTestRecord) (provider.Push, bool, error) {
	if rec.PushID != "" {
		st, err := pusher.Status(ctx, rec.PushID)
		switch {
		case errors.Is(err, provider.ErrNotFound):
			// The service no longer knows the push (Duo forgets old ones): it can no
			// longer be answered, and whether it was is not known.
			if err := recordOutcome(env, rec, outcomeUnknown); err != nil {
				return provider.Push{}, false, err
			}
		case err != nil:
			// Sending another would be a guess; the next run asks again.
			return provider.Push{}, false, catalog.Wrap(err, "steps.push.status-earlier-failed", "At", env.at(rec.PushedAt, false))
		case st.Result == provider.PushAllowed:
			return provider.Push{}, true, nil
		case st.Result == provider.PushWaiting:
			if env.forOther() {
				env.say(env.Text.T("steps.push.still-waiting.for", "At", env.at(rec.PushedAt, false), "User", env.State.User))
			} else {
				env.say(env.Text.T("steps.push.still-waiting", "At", env.at(rec.PushedAt, false)))
			}
			return provider.Push{ID: rec.PushID, NeedsCode: rec.NeedsCode, ExpiresAt: rec.PushExpires}, false, nil
		default:
			if err := recordOutcome(env, rec, outcomeOf(st.Result)); err != nil {
				return provider.Push{}, false, err
			}
		}
	}
	sent := env.at(rec.PushedAt, false)
	switch rec.Outcome {
	case "":
		return provider.Push{}, false, nil
	case outcomeDenied:
		env.problem(env.Text.T("steps.push.earlier-denied", "At", sent))
	case outcomeTimeout:
		env.problem(env.Text.T("steps.push.earlier-timeout", "At", sent))
	default:
		env.problem(env.Text.T("steps.push.earlier-unknown", "At", sent))
	}
	return provider.Push{}, false, nil
}

// recordOutcome keeps how the push ended (one of the outcome constants), so that a
// later run asks before sending another instead of pushing again unasked.
func recordOutcome(env *Env, rec *state.DuoTestRecord, outcome string) error {
	rec.Outcome, rec.OutcomeAt = outcome, env.now()
	rec.PushID, rec.NeedsCode, rec.PushExpires = "", false, time.Time{}
	return env.Save()
}

// outcomeOf names a push's result as DuoTestRecord.Outcome keeps it.
func outcomeOf(r provider.PushResult) string {
	switch r {
	case provider.PushDenied:
		return outcomeDenied
	case provider.PushTimeout:
		return outcomeTimeout
	}
	return outcomeUnknown
}

// newPush sends a test push if the cap allows and, after a push that was not
// approved, only if the person asks for it. The push's time is saved before it is
// sent, so that it counts against the cap even if its answer is lost.
func newPush(ctx context.Context, env *Env, pusher provider.Pusher, rec *state.DuoTestRecord) (provider.Push, error) {
	// The cap is checked before the question: "yes" to a push that cannot be sent
	// would be a question for nothing.
	recent, err := pushSlot(env, rec)
	if err != nil {
		return provider.Push{}, err
	}
	if rec.Outcome != "" {
		if err := askAnother(ctx, env, rec); err != nil {
			return provider.Push{}, err
		}
	}
	before, beforeAt := rec.Outcome, rec.OutcomeAt
	now := env.now()
	rec.PushTimes = append(recent, now)
	rec.PushID, rec.NeedsCode, rec.PushExpires, rec.PushedAt = "", false, time.Time{}, now
	// Until the push's id is recorded, a run that stops here leaves a push nobody knows
	// the answer to, and the next run asks before sending another.
	rec.Outcome, rec.OutcomeAt = outcomeUnknown, now
	if err := env.Save(); err != nil {
		return provider.Push{}, err
	}
	if env.forOther() {
		env.say(env.Text.T("steps.push.sending.for", "User", env.State.User, "Phone", maskedPhone(env)))
	} else {
		env.say(env.Text.T("steps.push.sending", "Phone", maskedPhone(env)))
	}
	push, err := pusher.Push(ctx, env.State.User, env.State.Duo.PhoneID)
	if err != nil && ctx.Err() != nil {
		// Stopped during the call: the push may have gone out, so its answer stays
		// unknown and the next run asks before sending another.
		return provider.Push{}, catalog.Wrap(err, "steps.push.send-failed")
	}
	if err != nil {
		// The service refused or could not be reached: as far as anyone knows nothing
		// reached the phone, so what was known before stands. The slot stays taken.
		rec.Outcome, rec.OutcomeAt = before, beforeAt
		if serr := env.Save(); serr != nil {
			return provider.Push{}, errors.Join(err, serr)
		}
		if errors.Is(err, provider.ErrRateLimited) {
			return provider.Push{}, &pushWait{key: "duo-test", err: err,
				what: catalog.NewError("steps.push.rate-limited", "Reason", err, "Again", env.again())}
		}
		return provider.Push{}, catalog.Wrap(err, "steps.push.send-failed")
	}
	rec.PushID, rec.NeedsCode, rec.PushExpires = push.ID, push.NeedsCode, push.ExpiresAt.UTC()
	rec.Outcome, rec.OutcomeAt = "", time.Time{}
	return push, env.Save()
}

// pushSlot returns the recent push times if another push may be sent now, and
// otherwise ends the run as waiting, saying when one may be sent.
func pushSlot(env *Env, rec *state.DuoTestRecord) ([]time.Time, error) {
	now := env.now()
	var recent []time.Time
	for _, t := range rec.PushTimes {
		// A time ahead of the clock counts too (the clock was set back), unless it is
		// so far ahead that it would lock the person out for longer than the window.
		if age := now.Sub(t); age < testPushWindow && age > -testPushWindow {
			recent = append(recent, t)
		}
	}
	slices.SortFunc(recent, time.Time.Compare)
	if len(recent) < testPushesPerWindow {
		return recent, nil
	}
	next := recent[len(recent)-testPushesPerWindow].Add(testPushWindow)
	return nil, &pushWait{key: "duo-test", err: provider.ErrRateLimited,
		what: catalog.NewError("steps.push.capped", "Sent", len(recent), "Minutes", int(testPushWindow/time.Minute), "Again", env.again(), "At", env.at(next, true))}
}

// askAnother asks whether to send another push after one that was not approved; a
// run without a person sends one only when the answers say duo-test.retry: yes.
func askAnother(ctx context.Context, env *Env, rec *state.DuoTestRecord) error {
	// A denial was the person's own answer: sending another takes an explicit yes.
	def := "yes"
	if rec.Outcome == outcomeDenied {
		def = "no"
	}
	again, err := env.Prompt.Confirm(ctx, prompt.Question{
		Key:     KeyDuoTestRetry,
		Message: env.Text.T("steps.push.another"),
		Help:    env.Text.T("steps.push.another.help", "Most", testPushesPerWindow, "Minutes", int(testPushWindow/time.Minute)),
		Default: def,
	})
	var need *prompt.NeedsAnswerError
	switch {
	case errors.As(err, &need):
		answer := KeyDuoTestRetry + ": yes"
		what := catalog.NewError("steps.push.ask-again.unknown", "Answer", answer, "Again", env.again())
		switch rec.Outcome {
		case outcomeDenied:
			what = catalog.NewError("steps.push.ask-again.denied", "Answer", answer, "Again", env.again())
		case outcomeTimeout:
			what = catalog.NewError("steps.push.ask-again.timeout", "Answer", answer, "Again", env.again())
		}
		return &prompt.WaitingError{Key: KeyDuoTestRetry, What: what}
	case err != nil:
		return err
	case !again:
		what := catalog.NewError("steps.push.stopped.unknown", "Again", env.again())
		switch rec.Outcome {
		case outcomeDenied:
			what = catalog.NewError("steps.push.stopped.denied", "Again", env.again())
		case outcomeTimeout:
			what = catalog.NewError("steps.push.stopped.timeout", "Again", env.again())
		}
		return &prompt.WaitingError{Key: KeyDuoTestRetry, What: what}
	}
	return nil
}

// pushWait ends the run as waiting on the person (exit 3), not failed, and keeps the
// error behind it for errors.Is.
type pushWait struct {
	key  string
	what *catalog.Error
	err  error
}

func (e *pushWait) Error() string { return e.what.Error() }

// Localize says what the run waits for in p's language.
func (e *pushWait) Localize(p *catalog.Printer) string { return e.what.Localize(p) }

// Waiting reports what the run is waiting for.
func (e *pushWait) Waiting() string { return e.key }

func (e *pushWait) Unwrap() error { return e.err }

// answerPush waits for the push's outcome: in the demo by the code the person types,
// otherwise by asking Duo until it answers.
func answerPush(ctx context.Context, env *Env, pusher provider.Pusher, push provider.Push) (provider.PushStatus, error) {
	switch {
	case !env.Interactive && env.forOther():
		env.guide(env.Text.T("steps.push.sent.for", "User", env.State.User))
	case !env.Interactive:
		env.guide(env.Text.T("steps.push.sent"))
	}
	if push.NeedsCode {
		q := prompt.Question{
			Key:     KeyDuoTestCode,
			Message: env.Text.T("steps.push.ask"),
			Help:    env.Text.T("steps.push.help", "Organisation", env.Config.Organisation),
		}
		if env.forOther() {
			env.say(env.Text.T("steps.push.demo.for", "Organisation", env.Config.Organisation))
			q.Message = env.Text.T("steps.push.ask.for")
			q.Help = env.Text.T("steps.push.help.for", "User", env.State.User, "Organisation", env.Config.Organisation)
		} else {
			env.say(env.Text.T("steps.push.demo", "Organisation", env.Config.Organisation))
		}
		timeout := provider.PushStatus{Result: provider.PushTimeout}
		for {
			ans, err := askBefore(ctx, env, push.ExpiresAt, func(ctx context.Context) (string, error) {
				return env.Prompt.Input(ctx, q, func(s string) error { return sixDigits(normalizeCode(s)) })
			})
			if errors.Is(err, errExpired) {
				return timeout, nil
			}
			if err != nil {
				return provider.PushStatus{}, err
			}
			err = pusher.ApproveWithCode(ctx, push.ID, normalizeCode(ans))
			switch {
			case err == nil:
				return provider.PushStatus{Result: provider.PushAllowed}, nil
			case errors.Is(err, provider.ErrExpired):
				return timeout, nil
			case errors.Is(err, provider.ErrWrongCode), errors.Is(err, provider.ErrCodeUsed):
				env.problem(sentence(env.Text, err))
			default:
				return provider.PushStatus{}, catalog.Wrap(err, "steps.push.approve-failed")
			}
		}
	}
	if env.Interactive && env.forOther() {
		env.say(env.Text.T("steps.push.wait.for", "User", env.State.User, "Again", env.again()))
	}
	wait := time.Second
	shown := ""
	for {
		st, err := pusher.Status(ctx, push.ID)
		if err != nil {
			return provider.PushStatus{}, catalog.Wrap(err, "steps.push.status-failed")
		}
		if st.Result != provider.PushWaiting {
			return st, nil
		}
		if st.VerifyNumber != "" && st.VerifyNumber != shown {
			// Verified Duo Push: the push cannot be approved without this number, and the
			// person sees it nowhere but here. Said once, not at every look at Duo.
			shown = st.VerifyNumber
			env.Screen.Blank()
			if env.forOther() {
				env.say(env.Text.T("steps.push.number.for", "User", env.State.User, "Number", shown))
			} else {
				env.say(env.Text.T("steps.push.number", "Number", shown))
			}
		}
		if err := env.Screen.Wait(ctx, env.Clock, wait); err != nil {
			return provider.PushStatus{}, prompt.ErrInterrupted
		}
		wait = min(wait*2, pollLimit)
	}
}

// sentence is err said in p's language as a sentence of its own: capitalised, with
// a full stop.
func sentence(p *catalog.Printer, err error) string {
	return capitalize(p.Error(err)) + "."
}

// capitalized is an error said with a capital letter, in whichever language.
type capitalized struct{ err error }

func (c capitalized) Error() string                      { return capitalize(c.err.Error()) }
func (c capitalized) Localize(p *catalog.Printer) string { return capitalize(p.Error(c.err)) }
func (c capitalized) Unwrap() error                      { return c.err }

// capitalize upper-cases the first letter of s (a letter, not a byte: "él" is "Él").
func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}
