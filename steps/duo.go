package steps

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

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
		return errors.New("no mobile number is recorded yet; the phone step must come first")
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
		return fmt.Errorf("ask Duo whether the phone is activated: %w", err)
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
	d.ActivatedAt = env.now()
	if err := env.Save(); err != nil {
		return err
	}
	env.Screen.OK("Duo Mobile is activated for %s.", env.State.User)
	if env.forOther() {
		env.note(fmt.Sprintf("Tell %s, so that signing in sends the push by itself: the first time Duo asks how to sign in, they choose "+
			"\"Automatically send this device a Duo Push\" under \"When I log in\", and tick \"Remember my choice\".", env.State.User))
		return nil
	}
	env.note("So that signing in sends the push by itself: the first time Duo asks how to sign in, choose " +
		"\"Automatically send this device a Duo Push\" under \"When I log in\", and tick \"Remember my choice\".")
	return nil
}

// activateForPerson is activation in a technician's run: the activation always goes
// to the person's phone by text (Duo's send_sms_activation,
// https://duo.com/docs/adminapi#send-activation-code-via-sms), because the
// technician's screen is not the phone that must add it, and the wait says what the
// person must do. A link texted earlier that still works is waited for, not replaced.
func (DuoEnroll) activateForPerson(ctx context.Context, env *Env, enr provider.Enroller, d *state.DuoRecord) (bool, error) {
	user, masked, org := env.State.User, maskedPhone(env.State), env.Config.Organisation
	if d.ActivationTexted.IsZero() || !env.now().Before(d.ActivationExpires) {
		// A code the person's own run showed on their screen stops working once another
		// activation is made.
		voided := !d.ActivationShown.IsZero() && env.now().Before(d.ActivationExpires)
		act, err := enr.SendActivation(ctx, d.PhoneID)
		if err != nil {
			return false, fmt.Errorf("text the Duo activation to the phone: %w", err)
		}
		if err := recordTexted(env, d, act); err != nil {
			return false, err
		}
		if voided {
			env.Screen.Problem("The activation code shown on %s's own screen earlier no longer works: if Duo Mobile already lists an account from it, they delete that account first.", user)
		}
		env.Screen.Say("The Duo activation link was texted to %s phone (%s); it works until %s.", env.your(), masked, env.at(d.ActivationExpires, true))
	} else {
		env.Screen.Say("The Duo activation link texted to %s at %s still works until %s.", masked, env.at(d.ActivationTexted, false), env.at(d.ActivationExpires, true))
	}
	env.Screen.StepsFrom(1, fmt.Sprintf("Ask %s to open the text message from %s on their phone and tap the link in it (Duo Mobile must be installed).", user, org))
	if !d.ActivationByCode {
		return waitActivated(ctx, env, enr, d.PhoneID, d.ActivationExpires)
	}
	env.Screen.StepsFrom(2, fmt.Sprintf("Then ask them to read you the 6-digit code Duo Mobile shows under %s, and type it below.", org))
	expired := func() (bool, error) {
		d.ActivationTexted = time.Time{}
		env.Screen.Problem("That activation has expired; a new link is texted to %s.", masked)
		return false, nil
	}
	for {
		ans, err := askBefore(ctx, env, d.ActivationExpires, func(ctx context.Context) (string, error) {
			return env.Prompt.Input(ctx, prompt.Question{
				Key:     KeyDuoEnrollCode,
				Message: "Code they read from Duo Mobile",
				Help:    fmt.Sprintf("The 6 digits %s reads under %s in Duo Mobile.", user, org),
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
			env.Screen.Problem("%v.", capitalize(err.Error()))
		default:
			return false, fmt.Errorf("check the Duo Mobile code: %w", err)
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
			return false, fmt.Errorf("text the Duo activation to the phone: %w", err)
		}
		if err := recordTexted(env, d, act); err != nil {
			return false, err
		}
	}
	what := "waiting for the person to open the Duo activation link texted to their phone"
	if env.forOther() {
		what = fmt.Sprintf("waiting for %s to tap the Duo activation link texted to their phone", env.State.User)
		env.guide(
			fmt.Sprintf("Ask %s to open the text message from %s on their phone (%s) and tap the link in it, with Duo Mobile installed.", env.State.User, env.Config.Organisation, maskedPhone(env.State)),
			fmt.Sprintf("They must do it before %s; after that a new link is sent.", env.at(d.ActivationExpires, true)),
		)
	} else {
		env.guide(
			fmt.Sprintf("Open the text message from %s on the phone (%s) and tap the link in it, with Duo Mobile installed.", env.Config.Organisation, maskedPhone(env.State)),
			fmt.Sprintf("Do it before %s; after that a new link is sent.", env.at(d.ActivationExpires, true)),
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
		env.guide(fmt.Sprintf("Then ask them for the 6-digit code Duo Mobile shows under %s and give it with --code (answers key %s): %s --code CODE.",
			env.Config.Organisation, KeyDuoEnrollCode, env.again()))
	} else {
		env.guide(fmt.Sprintf("Then give the 6-digit code Duo Mobile shows under %s (answers key %s).", env.Config.Organisation, KeyDuoEnrollCode))
	}
	ans, err := env.Prompt.Input(ctx, prompt.Question{Key: KeyDuoEnrollCode, Message: "Code Duo Mobile shows"},
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
		return false, &prompt.WaitingError{Key: KeyDuoEnrollCode, What: capitalize(err.Error()) + "; give the code Duo Mobile shows now"}
	}
	return false, fmt.Errorf("check the Duo Mobile code: %w", err)
}

func (DuoEnroll) prepare(ctx context.Context, env *Env, enr provider.Enroller, d *state.DuoRecord) error {
	user, num := env.State.User, env.State.Phone.E164
	if d.UserID == "" {
		id, err := enr.FindUser(ctx, user)
		if errors.Is(err, provider.ErrNotFound) {
			id, err = enr.CreateUser(ctx, user)
		}
		if err != nil {
			return fmt.Errorf("find the Duo user %s: %w", user, err)
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
			return fmt.Errorf("add the phone to Duo: %w", err)
		}
		d.PhoneID = id
		if err := env.Save(); err != nil {
			return err
		}
	}
	if !d.Associated {
		if err := enr.Associate(ctx, d.UserID, d.PhoneID); err != nil {
			return fmt.Errorf("attach the phone to the Duo user %s: %w", user, err)
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
	todo = append(todo, fmt.Sprintf("This activation works until %s.", env.at(act.ExpiresAt, true)))
	q := screen.QR{
		Content: act.Link,
		// Real Duo: the code is the duo:// activation its scanner reads, and the line
		// under it the deep link to open on the phone (without a camera).
		Link:    act.OpenLink,
		Scan:    []string{"Open Duo Mobile on your phone, tap + (or \"Add\"), then \"Use QR code\", and point the camera at this code."},
		Instead: []string{"Open Duo Mobile on your phone and tap + (or \"Add\"); then add the account with the link below, opened on the phone."},
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
			done := "I scanned the code with Duo Mobile"
			if !shown {
				done = "I opened the link on the phone, with Duo Mobile installed"
			}
			var err error
			how, err = askBefore(ctx, env, act.ExpiresAt, func(ctx context.Context) (string, error) {
				return env.Prompt.Select(ctx, prompt.Question{
					Key:     KeyDuoEnrollHow,
					Message: "How will you add the phone?",
					Default: howScan,
				}, []prompt.Option{
					{Value: howScan, Label: done},
					{Value: howText, Label: "Text the activation link to my phone instead (no camera)"},
				})
			})
			return err
		})
		if errors.Is(err, errExpired) {
			env.Screen.Problem("That activation has expired; here is a new one.")
			return false, nil
		}
		if err != nil {
			return false, err
		}
		switch how {
		case howText:
			sent, err := enr.SendActivation(ctx, d.PhoneID)
			if err != nil {
				return false, fmt.Errorf("text the activation link: %w", err)
			}
			if err := recordTexted(env, d, sent); err != nil {
				return false, err
			}
			act.ExpiresAt = sent.ExpiresAt
			env.Screen.Say("The link was texted to %s: open it on the phone, with Duo Mobile installed. The code above no longer works.", maskedPhone(env.State))
		}
		return waitActivated(ctx, env, enr, d.PhoneID, act.ExpiresAt)
	}
	q.Steps = append(todo, fmt.Sprintf("Duo Mobile then shows %s with a 6-digit code under it: type that code below.", env.Config.Organisation))
	q.Other = []string{fmt.Sprintf("No camera? Type %s to have the link texted to the phone. %s shows this code again.", textWord, againWord)}
	var done, again bool
	_, err = env.Screen.AskQR(ctx, q, func(ctx context.Context, shown bool) error {
		var err error
		done, again, err = s.confirmByCode(ctx, env, enr, d, act)
		return err
	})
	if errors.Is(err, errExpired) {
		env.Screen.Problem("That activation has expired; here is a new one.")
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
				Message: "Code Duo Mobile shows",
				Help:    fmt.Sprintf("The 6 digits under %s in Duo Mobile. %s: text the link to the phone instead (no camera). %s: show the QR code again.", env.Config.Organisation, textWord, againWord),
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
				return false, false, fmt.Errorf("text the activation link: %w", err)
			}
			if err := recordTexted(env, d, sent); err != nil {
				return false, false, err
			}
			act.ExpiresAt = sent.ExpiresAt
			env.Screen.Say("The link was texted to the phone: open it there, then type the code Duo Mobile shows. (The QR code above no longer works.)")
			continue
		}
		err = enr.ConfirmActivation(ctx, d.PhoneID, ans)
		switch {
		case err == nil:
			return true, false, nil
		case errors.Is(err, provider.ErrExpired):
			return false, false, errExpired
		case errors.Is(err, provider.ErrWrongCode), errors.Is(err, provider.ErrCodeUsed):
			env.Screen.Problem("%v.", capitalize(err.Error()))
		default:
			return false, false, fmt.Errorf("check the Duo Mobile code: %w", err)
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
		return act, "", fmt.Errorf("ask Duo for the activation given earlier: %w", err)
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
		return act, "", fmt.Errorf("get a Duo activation: %w", err)
	}
	d.ActivationShown, d.ActivationTexted = env.now(), time.Time{}
	d.ActivationExpires, d.ActivationByCode = act.ExpiresAt.UTC(), act.NeedsCode
	if err := env.Save(); err != nil {
		return act, "", err
	}
	if void != "" {
		env.Screen.Problem("%s", void)
	}
	return act, "", nil
}

// sameActivation tells the person the activation shown is the one they were given
// before, and what to do if they already added it.
func sameActivation(env *Env, d *state.DuoRecord, act provider.Activation) string {
	what := "This is the same code as before"
	if !d.ActivationTexted.IsZero() {
		what = fmt.Sprintf("This is the same code as the link texted to the phone at %s", env.at(d.ActivationTexted, false))
	}
	if act.NeedsCode {
		return what + ": if you already added it, type the code Duo Mobile shows for it."
	}
	return what + ": if you already added it, choose \"I scanned the code with Duo Mobile\"."
}

// voidedActivation is what to tell the person when a new activation replaces one
// given earlier that had not expired, or "" when there was none.
func voidedActivation(env *Env, d *state.DuoRecord) string {
	if !env.now().Before(d.ActivationExpires) {
		return ""
	}
	var what string
	switch {
	case !d.ActivationTexted.IsZero():
		what = fmt.Sprintf("The activation link texted to %s at %s no longer works: here is a new code.", maskedPhone(env.State), env.at(d.ActivationTexted, false))
	case !d.ActivationShown.IsZero():
		what = fmt.Sprintf("The activation code shown at %s no longer works: here is a new code.", env.at(d.ActivationShown, false))
	default:
		return ""
	}
	return what + " If Duo Mobile already lists an account from it, delete that account in Duo Mobile, then add the new one."
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
		env.Screen.Say("Waiting for %s to tap the activation link in the text on %s… (Enter: look now; Ctrl-C: stop, and run %s to carry on)",
			env.State.User, maskedPhone(env.State), env.again())
	} else {
		env.Screen.Say("Waiting for Duo to see the phone activated… (Enter: look now; Ctrl-C: stop, and run %s to carry on)", env.again())
	}
	wait := time.Second
	for env.now().Before(expires) {
		if err := env.Screen.Wait(ctx, env.Clock, min(wait, expires.Sub(env.now()))); err != nil {
			return false, prompt.ErrInterrupted
		}
		ok, err := enr.Activated(ctx, phoneID)
		if err != nil {
			return false, fmt.Errorf("ask Duo whether the phone is activated: %w", err)
		}
		if ok {
			return true, nil
		}
		wait = min(wait*2, pollLimit)
	}
	if env.forOther() {
		env.Screen.Problem("That activation has expired; a new link is texted to %s.", maskedPhone(env.State))
		return false, nil
	}
	env.Screen.Problem("That activation has expired; here is a new one.")
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
		env.Screen.OK("The test push was approved at %s: Duo sign-in (Remote Desktop Gateway) works for %s.", env.at(rec.ApprovedAt, false), env.you())
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
		return errors.New("no activated Duo phone is recorded for this person: finish the duo-enroll step first")
	}
	ok, reason, err := pusher.Ready(ctx, user, d.PhoneID)
	if err != nil {
		return fmt.Errorf("ask Duo whether %s can be pushed to: %w", user, err)
	}
	if !ok {
		return errors.New(reason)
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
			env.Screen.Problem("%s denied the push. If they did not mean to, send another and ask them to tap Approve.", env.State.User)
		case st.Result == provider.PushDenied:
			env.Screen.Problem("The push was denied. If you did not mean to deny it, send another and tap Approve.")
		case env.forOther():
			env.Screen.Problem("Nobody answered the push in time. Ask %s to keep Duo Mobile at hand, and send another.", env.State.User)
		default:
			env.Screen.Problem("Nobody answered the push in time. Keep Duo Mobile at hand and send another.")
		}
		if st.Result == provider.PushDenied && st.Message != "" {
			env.Screen.Say("Duo says: %s", st.Message)
		}
		if err := recordOutcome(env, rec, outcomeOf(st.Result)); err != nil {
			return err
		}
		push = provider.Push{}
	}
	rec.ApprovedAt, rec.Outcome, rec.OutcomeAt = env.now(), "", time.Time{}
	env.Screen.OK("The push was approved: Duo sign-in (Remote Desktop Gateway) works for %s.", env.you())
	return env.Save()
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
			return provider.Push{}, false, fmt.Errorf("ask Duo about the test push sent at %s: %w", env.at(rec.PushedAt, false), err)
		case st.Result == provider.PushAllowed:
			return provider.Push{}, true, nil
		case st.Result == provider.PushWaiting:
			env.Screen.Say("The test push sent at %s is still waiting for an answer on %s phone.", env.at(rec.PushedAt, false), env.your())
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
		env.Screen.Problem("The test push sent at %s was denied, so no other is sent unless you ask for one.", sent)
	case outcomeTimeout:
		env.Screen.Problem("Nobody answered the test push sent at %s in time, so no other is sent unless you ask for one.", sent)
	default:
		env.Screen.Problem("What became of the test push sent at %s is not known, so no other is sent unless you ask for one.", sent)
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
		env.Screen.Say("A test Duo Push is going to %s phone (%s) now: ask them to tap Approve in Duo Mobile.", env.your(), maskedPhone(env.State))
	} else {
		env.Screen.Say("A test sign-in request (a Duo Push) is going to your phone (%s) now. Approve it in Duo Mobile.", maskedPhone(env.State))
	}
	push, err := pusher.Push(ctx, env.State.User, env.State.Duo.PhoneID)
	if err != nil && ctx.Err() != nil {
		// Stopped during the call: the push may have gone out, so its answer stays
		// unknown and the next run asks before sending another.
		return provider.Push{}, fmt.Errorf("send the test push: %w", err)
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
				what: fmt.Sprintf("no test push was sent (%v): wait a few minutes, then run %s again", err, env.again())}
		}
		return provider.Push{}, fmt.Errorf("send the test push: %w", err)
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
		what: fmt.Sprintf("too many test pushes for now: %d were sent in the last %d minutes, the most allowed, so no other was sent; run %s again at %s or later to send another",
			len(recent), int(testPushWindow/time.Minute), env.again(), env.at(next, true))}
}

// askAnother asks whether to send another push after one that was not approved; a
// run without a person sends one only when the answers say duo-test.retry: yes.
func askAnother(ctx context.Context, env *Env, rec *state.DuoTestRecord) error {
	what := map[string]string{
		outcomeDenied:  "the test push was denied",
		outcomeTimeout: "nobody answered the test push in time",
	}[rec.Outcome]
	if what == "" {
		what = "the answer to the test push is not known"
	}
	// A denial was the person's own answer: sending another takes an explicit yes.
	def := "yes"
	if rec.Outcome == outcomeDenied {
		def = "no"
	}
	again, err := env.Prompt.Confirm(ctx, prompt.Question{
		Key:     KeyDuoTestRetry,
		Message: "Send another test push?",
		Help:    fmt.Sprintf("Yes sends one now (at most %d every %d minutes); no stops here, and the next run asks again.", testPushesPerWindow, int(testPushWindow/time.Minute)),
		Default: def,
	})
	var need *prompt.NeedsAnswerError
	switch {
	case errors.As(err, &need):
		return &prompt.WaitingError{Key: KeyDuoTestRetry,
			What: fmt.Sprintf("%s, and no other is sent unless asked: to send another, give \"%s: yes\" in the answers file or run %s in a terminal", what, KeyDuoTestRetry, env.again())}
	case err != nil:
		return err
	case !again:
		return &prompt.WaitingError{Key: KeyDuoTestRetry,
			What: fmt.Sprintf("%s and no other was sent: run %s again when you want to send another", what, env.again())}
	}
	return nil
}

// pushWait ends the run as waiting on the person (exit 3), not failed, and keeps the
// error behind it for errors.Is.
type pushWait struct {
	key, what string
	err       error
}

func (e *pushWait) Error() string { return e.what }

// Waiting reports what the run is waiting for.
func (e *pushWait) Waiting() string { return e.key }

func (e *pushWait) Unwrap() error { return e.err }

// answerPush waits for the push's outcome: in the demo by the code the person types,
// otherwise by asking Duo until it answers.
func answerPush(ctx context.Context, env *Env, pusher provider.Pusher, push provider.Push) (provider.PushStatus, error) {
	switch {
	case !env.Interactive && env.forOther():
		env.guide(fmt.Sprintf("A test Duo Push was sent to %s phone: ask them to approve it in Duo Mobile.", env.your()))
	case !env.Interactive:
		env.guide("A test sign-in request (a Duo Push) was sent to the phone: approve it in Duo Mobile.")
	}
	if push.NeedsCode {
		q := prompt.Question{
			Key:     KeyDuoTestCode,
			Message: "Code Duo Mobile shows now",
			Help:    "The 6 digits under " + env.Config.Organisation + " in Duo Mobile; if you typed this one already, wait for the next.",
		}
		if env.forOther() {
			env.Screen.Say("In this demo, ask them to read you the code Duo Mobile shows for %s now, and type it below.", env.Config.Organisation)
			q.Message = "Code they read from Duo Mobile now"
			q.Help = fmt.Sprintf("The 6 digits %s reads under %s in Duo Mobile; if they read this one already, wait for the next.", env.State.User, env.Config.Organisation)
		} else {
			env.Screen.Say("In this demo, approve it by typing the code Duo Mobile shows for %s now.", env.Config.Organisation)
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
				env.Screen.Problem("%v.", capitalize(err.Error()))
			default:
				return provider.PushStatus{}, fmt.Errorf("approve the demo push: %w", err)
			}
		}
	}
	if env.Interactive && env.forOther() {
		env.Screen.Say("Waiting for %s to approve the push… (Enter: look now; Ctrl-C: stop, and run %s to carry on)", env.State.User, env.again())
	}
	wait := time.Second
	shown := ""
	for {
		st, err := pusher.Status(ctx, push.ID)
		if err != nil {
			return provider.PushStatus{}, fmt.Errorf("ask Duo about the push: %w", err)
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
				env.Screen.Say("Duo Mobile will ask %s for a number: tell them to type %s there.", env.State.User, shown)
			} else {
				env.Screen.Say("Duo Mobile will ask for a number: type %s there to approve this sign-in.", shown)
			}
		}
		if err := env.Screen.Wait(ctx, env.Clock, wait); err != nil {
			return provider.PushStatus{}, prompt.ErrInterrupted
		}
		wait = min(wait*2, pollLimit)
	}
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
