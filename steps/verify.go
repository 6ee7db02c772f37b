package steps

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/phone"
	"github.com/mfa-onboard/mfa-onboard/internal/prompt"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/screen"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// Question keys of the verify step.
const (
	KeyVerifyCode    = "verify.code"
	KeyVerifyReplace = "verify.replace"
	// KeyVerifyPortalDone confirms the person added the phone on Microsoft's page.
	KeyVerifyPortalDone = "verify.portal-done"
)

// resendWord is what a person types instead of a code to get a new one.
const resendWord = "R"

// Verify proves the person holds the phone with a texted code, then registers the
// number as their Microsoft 365 mobile sign-in method. The number is registered only
// after it is proven: registering a number nobody holds locks a person out.
type Verify struct{}

// ID is the step's stable id.
func (Verify) ID() string { return "verify" }

// Roles are the provider roles the step uses.
func (Verify) Roles() []provider.Role {
	return []provider.Role{provider.RoleSMS, provider.RolePhoneRegistration}
}

// Title names the step for people.
func (Verify) Title(p *catalog.Printer) string { return p.T("steps.verify.title") }

// Run sends a code (unless a valid one is out already), checks what the person types
// and registers the number once the code is right.
func (v Verify) Run(ctx context.Context, env *Env) error {
	if env.State.Phone == nil {
		return catalog.NewError("steps.no-phone-yet")
	}
	if env.State.Verify == nil {
		env.State.Verify = &state.VerifyRecord{}
	}
	if rec := env.State.Verify; rec.VerifiedAt.IsZero() && rec.TrustedAt.IsZero() {
		// The code provider is built only while a code is still needed: a run resumed
		// after the proof must not need the SMS provider's secret.
		codes, err := env.Providers.Codes()
		if err != nil {
			return err
		}
		page, portal := codes.(provider.SelfService)
		switch {
		case env.Actor.TrustPhone != "":
			if err := env.Actor.CheckTrust(); err != nil {
				return err
			}
			if portal {
				return catalog.NewError("steps.trust.portal")
			}
			err = v.trust(env)
		case portal:
			err = v.viaPortal(ctx, env, page.Page())
		default:
			err = v.prove(ctx, env, codes)
		}
		if err != nil {
			return err
		}
	}
	if note := VerifyNote(env.Text, env.State); note != "" {
		// Kept with the step whichever run registers the number, for status and the result.
		env.Guidance = append(env.Guidance, note)
	}
	return v.register(ctx, env)
}

// trust takes the technician's word for the number instead of a texted code
// (start --for --trust-phone --reason): for a person who cannot receive the text
// while the technician can vouch for them. It is written to the audit before it takes
// effect, and kept with the number, so that who vouched and why is never lost.
func (Verify) trust(env *Env) error {
	rec, num := env.State.Verify, env.State.Phone.E164
	reason := strings.TrimSpace(env.Actor.TrustPhone)
	// The number is the state's: the audit takes it from there and masks it.
	if err := env.record(ActionTrustPhone, reason, nil); err != nil {
		return catalog.Wrap(err, "steps.trust.not-recorded", "Again", env.again())
	}
	rec.TrustedAt, rec.TrustedBy, rec.TrustReason, rec.CheckingAt = env.now(), env.Actor.Name, reason, time.Time{}
	env.say(env.Text.T("steps.trust.done", "Phone", phone.Mask(num), "By", env.Actor.Name, "Reason", reason))
	return env.Save()
}

// viaPortal walks the person through Microsoft's security-info page, where Microsoft
// texts the code and registers the phone itself, then checks the result if it can.
func (Verify) viaPortal(ctx context.Context, env *Env, page string) error {
	rec, num := env.State.Verify, env.State.Phone.E164
	reg, err := env.Providers.Registrar()
	if err != nil {
		return err
	}
	// Microsoft's page is in the person's language when their account's is: the
	// names of its buttons are said in English and in the run's, where they differ.
	todo := []string{
		env.Text.T("steps.portal.open"),
		env.Text.T("steps.portal.add"),
		env.Text.T("steps.portal.enter", "Phone", phone.Display(num)),
		env.Text.T("steps.portal.type"),
	}
	if env.forOther() {
		// Only the person can do it, on their own sign-in: the technician hands it over.
		todo = []string{
			env.Text.T("steps.portal.open.for", "Page", page),
			env.Text.T("steps.portal.add"),
			env.Text.T("steps.portal.enter", "Phone", phone.Display(num)),
			env.Text.T("steps.portal.type.for"),
		}
	}
	if !env.forOther() {
		env.Guidance = append(env.Guidance, todo...)
	}
	for {
		var done bool
		ask := func(ctx context.Context, _ bool) error {
			q := prompt.Question{Key: KeyVerifyPortalDone, Message: env.Text.T("steps.portal.ask"), Default: "yes"}
			if env.forOther() {
				q.Message = env.Text.T("steps.portal.ask.for")
			}
			var err error
			done, err = env.Prompt.Confirm(ctx, q)
			return err
		}
		var err error
		if env.forOther() {
			env.Guidance = nil
			env.tell(todo...)
			err = ask(ctx, false)
		} else {
			_, err = env.Screen.AskQR(ctx, screen.QR{
				Content: page,
				Scan:    []string{env.Text.T("steps.portal.scan")},
				Steps:   todo,
				Reserve: 2,
			}, ask)
		}
		if err != nil {
			return err
		}
		if !done {
			env.say(env.Text.T("steps.portal.not-yet"))
			continue
		}
		current, err := reg.MobileMethod(ctx, env.State.User)
		switch {
		case errors.Is(err, provider.ErrCannotCheck):
			if env.forOther() {
				env.say(env.Text.T("steps.portal.unchecked.for"))
			} else {
				env.say(env.Text.T("steps.portal.unchecked"))
			}
		case err != nil:
			return catalog.Wrap(err, "steps.read-methods-failed", "User", env.State.User)
		case current != num:
			if env.forOther() {
				env.problem(env.Text.T("steps.portal.missing.for", "Phone", phone.Mask(num), "User", env.State.User))
			} else {
				env.problem(env.Text.T("steps.portal.missing", "Phone", phone.Mask(num)))
			}
			if !env.Interactive {
				return &prompt.WaitingError{Key: KeyVerifyPortalDone, What: catalog.NewError("steps.portal.waiting")}
			}
			continue
		case env.forOther():
			env.ok(env.Text.T("steps.portal.found.for", "Phone", phone.Mask(num), "User", env.State.User))
		default:
			env.ok(env.Text.T("steps.portal.found", "Phone", phone.Mask(num)))
		}
		rec.VerifiedAt, rec.RegisteredAt = env.now(), env.now()
		return env.Save()
	}
}

func (v Verify) prove(ctx context.Context, env *Env, codes provider.CodeSender) error {
	rec, to := env.State.Verify, env.State.Phone.E164
	valid := env.Config.Limits.CodeValid.D()
	digits, err := codeLength(ctx, codes)
	if err != nil {
		return err
	}
	switch {
	case !rec.CheckingAt.IsZero():
		if done, err := v.afterCutOffCheck(ctx, env, codes, digits); err != nil || done {
			return err
		}
	case rec.SentTo == to && env.now().Before(rec.SentAt.Add(valid)):
		env.say(env.Text.T("steps.verify.still-valid", "Phone", phone.Mask(to), "At", env.at(rec.SentAt, false), "Until", env.at(rec.SentAt.Add(valid), true)))
	default:
		if err := v.send(ctx, env, codes, digits); err != nil {
			return err
		}
	}
	switch {
	case !env.Interactive && env.forOther():
		env.guide(env.Text.T("steps.verify.guide.for", "User", env.State.User, "Digits", digits, "Phone", phone.Mask(to), "Key", KeyVerifyCode,
			"Until", env.at(rec.SentAt.Add(valid), true), "Again", env.again()))
	case !env.Interactive:
		env.guide(env.Text.T("steps.verify.guide", "Digits", digits, "Phone", phone.Mask(to), "Key", KeyVerifyCode, "Until", env.at(rec.SentAt.Add(valid), true)))
	case env.forOther():
		// The code reaches the person's phone only: possession is proven by their
		// reading it out, never by the technician's word.
		env.say(env.Text.T("steps.verify.read-aloud", "User", env.State.User, "Digits", digits, "Phone", phone.Mask(to)))
	}
	q := prompt.Question{
		Key:     KeyVerifyCode,
		Message: env.Text.T("steps.verify.ask"),
		// "another text", not "a new code": some services text the same code again.
		Help: env.Text.T("steps.verify.help", "Digits", digits, "Resend", resendWord),
	}
	if env.forOther() {
		q.Message = env.Text.T("steps.verify.ask.for")
		q.Help = env.Text.T("steps.verify.help.for", "Digits", digits, "User", env.State.User, "Resend", resendWord)
	}
	for {
		expires := rec.SentAt.Add(valid)
		ans, err := askBefore(ctx, env, expires, func(ctx context.Context) (string, error) {
			return env.Prompt.Input(ctx, q, func(s string) error { return validateCode(s, digits) })
		})
		if errors.Is(err, errExpired) {
			// Said when it happens, not when the person next types something.
			env.problem(env.Text.T("steps.verify.expired-now", "At", env.at(rec.SentAt, false), "Valid", humanDuration(env.Text, valid), "Resend", resendWord))
			rec.SentAt = expires.Add(-valid - time.Nanosecond)
			continue
		}
		if err != nil {
			return err
		}
		ans = normalizeCode(ans)
		if strings.EqualFold(ans, resendWord) {
			if err := v.send(ctx, env, codes, digits); err != nil {
				return err
			}
			continue
		}
		// Saved before the check goes out: a code service forgets a code once it
		// accepts it, so if this run stops before the answer is saved, checking the same
		// code again would call a right code wrong. The next run sees the mark instead.
		rec.CheckingAt = env.now()
		if err := env.Save(); err != nil {
			return err
		}
		check, err := codes.CheckCode(ctx, to, ans)
		if err != nil {
			// No answer: the check may have gone through, so the mark stays.
			return catalog.Wrap(err, "steps.verify.check-failed")
		}
		rec.CheckingAt = time.Time{}
		switch check.Status {
		case provider.CodeApproved:
			rec.VerifiedAt = env.now()
			if env.forOther() {
				env.ok(env.Text.T("steps.verify.right.for", "User", env.State.User))
			} else {
				env.ok(env.Text.T("steps.verify.right"))
			}
			return env.Save()
		case provider.CodeWrong:
			env.problem(env.Text.T("steps.verify.wrong", "Count", check.AttemptsLeft))
		case provider.CodeLocked:
			env.problem(env.Text.T("steps.verify.locked", "Resend", resendWord))
		case provider.CodeExpired:
			env.problem(env.Text.T("steps.verify.expired", "Valid", humanDuration(env.Text, valid), "Resend", resendWord))
		}
		if err := env.Save(); err != nil {
			return err
		}
	}
}

// acceptedLog is a code service that can say afterwards whether a code it texted at
// sentAt was accepted, although checking that code again cannot (Twilio Verify, from
// its Verification Attempts). The demo service cannot, and need not have it.
type acceptedLog interface {
	Accepted(ctx context.Context, to string, sentAt time.Time) (bool, error)
}

// afterCutOffCheck carries on after a run that stopped while a typed code was out for
// checking, before its answer was saved. The code may have been right; if it was, the
// code service has used it up (Twilio deletes an approved verification), and checking
// it again would call it wrong or expired. So the answer is looked for where it can
// be: the code service's own log of accepted codes, where it keeps one; then
// Microsoft 365, which needs no code for a number it already has, when it can be read.
// Otherwise the person is told plainly what happened and a new code is sent, after
// the cool-down. done is true when the number needs no code any more.
func (v Verify) afterCutOffCheck(ctx context.Context, env *Env, codes provider.CodeSender, digits int) (done bool, err error) {
	rec, to := env.State.Verify, env.State.Phone.E164
	if past, ok := codes.(acceptedLog); ok {
		accepted, err := past.Accepted(ctx, to, rec.SentAt)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return false, ctxErr
		}
		// An error (no access to the log, say) only means the new code below is needed.
		if err == nil && accepted {
			rec.CheckingAt = time.Time{}
			rec.VerifiedAt = env.now()
			env.ok(env.Text.T("steps.verify.cut-off.accepted"))
			return true, env.Save()
		}
		// Not accepted: the code was wrong or the check never arrived, and either way
		// the code texted is not used up, so it still works and no new text is needed.
		if valid := rec.SentAt.Add(env.Config.Limits.CodeValid.D()); err == nil && env.now().Before(valid) {
			rec.CheckingAt = time.Time{}
			env.say(env.Text.T("steps.verify.cut-off.not-taken", "At", env.at(rec.SentAt, false), "Until", env.at(valid, true)))
			return false, env.Save()
		}
	}
	if reg, err := env.Providers.Registrar(); err == nil {
		current, err := reg.MobileMethod(ctx, env.State.User)
		if ctxErr := ctx.Err(); ctxErr != nil {
			return false, ctxErr
		}
		// A failed read (or none possible: ErrCannotCheck) only means the new code
		// below has to settle it.
		if err == nil && current == to {
			rec.CheckingAt = time.Time{}
			rec.VerifiedAt, rec.KeptExisting = env.now(), true
			if env.forOther() {
				env.ok(env.Text.T("steps.verify.cut-off.registered.for", "Phone", phone.Mask(to), "User", env.State.User))
			} else {
				env.ok(env.Text.T("steps.verify.cut-off.registered", "Phone", phone.Mask(to)))
			}
			return true, env.Save()
		}
	}
	env.problem(env.Text.T("steps.verify.cut-off"))
	env.say(env.Text.T("steps.verify.cut-off.why"))
	if err := v.send(ctx, env, codes, digits); err != nil {
		return false, err
	}
	if !env.Interactive {
		// A code given for this run was for the earlier text; the new one is needed.
		env.guide(env.Text.T("steps.verify.guide.newest", "Digits", digits, "Phone", phone.Mask(to), "Key", KeyVerifyCode,
			"Until", env.at(rec.SentAt.Add(env.Config.Limits.CodeValid.D()), true)))
		return false, &prompt.NeedsAnswerError{Key: KeyVerifyCode, Retry: true}
	}
	return false, nil
}

// send texts a code of digits digits, first waiting out the cool-down since the last
// one: a new code, or the pending one again where the code service says so.
func (Verify) send(ctx context.Context, env *Env, codes provider.CodeSender, digits int) error {
	rec, to := env.State.Verify, env.State.Phone.E164
	if rec.SentTo == to {
		last := rec.SentAt
		if rec.TextedAt.After(last) {
			last = rec.TextedAt
		}
		if wait := last.Add(env.Config.Limits.ResendCoolDown.D()).Sub(env.now()); wait > 0 {
			if err := env.Screen.Countdown(ctx, env.Clock, wait, resendCountdown(env)); err != nil {
				return prompt.ErrInterrupted
			}
		}
	}
	sent, err := codes.SendCode(ctx, to)
	var cool *provider.CoolDownError
	if errors.As(err, &cool) {
		if err := env.Screen.Countdown(ctx, env.Clock, cool.Wait, resendCountdown(env)); err != nil {
			return prompt.ErrInterrupted
		}
		sent, err = codes.SendCode(ctx, to)
	}
	if err != nil {
		return catalog.Wrap(err, "steps.verify.send-failed", "Phone", phone.Mask(to))
	}
	// A new code replaces the old one, so a check of the old one cut off earlier no
	// longer matters, and a code texted again is still pending, so that check did not
	// take it; until the text is out, the mark stays for the next run.
	sentAt := env.now()
	if sent.SameCode {
		// The repeated code's validity still runs from when it was made.
		if made := sent.ExpiresAt.Add(-env.Config.Limits.CodeValid.D()); !sent.ExpiresAt.IsZero() && made.Before(sentAt) {
			sentAt = made
		}
	}
	rec.SentTo, rec.SentAt, rec.TextedAt, rec.CheckingAt = to, sentAt, env.now(), time.Time{}
	if err := env.Save(); err != nil {
		return err
	}
	if sent.SameCode {
		env.say(env.Text.T("steps.verify.sent-again", "Digits", digits, "Phone", phone.Mask(to), "At", env.at(sentAt, false), "Until", env.at(sent.ExpiresAt, true)))
		return nil
	}
	// English says "An 8-digit code"; the article is the sentence's, so each is whole.
	sent1 := env.Text.T("steps.verify.sent", "Digits", digits, "Phone", phone.Mask(to), "Until", env.at(sent.ExpiresAt, true))
	if digits == 8 || digits == 11 || digits == 18 {
		sent1 = env.Text.T("steps.verify.sent.an", "Digits", digits, "Phone", phone.Mask(to), "Until", env.at(sent.ExpiresAt, true))
	}
	env.say(sent1)
	return nil
}

// resendCountdown is the wait before another code can be texted.
func resendCountdown(env *Env) screen.CountdownText {
	return screen.CountdownText{
		Left:  func(n int) string { return env.Text.T("steps.verify.resend-in", "Count", n) },
		Short: func(n int) string { return env.Text.T("steps.verify.resend-tick", "Count", n) },
		Over:  env.Text.T("steps.verify.resend-now"),
	}
}

func (v Verify) register(ctx context.Context, env *Env) error {
	rec, num := env.State.Verify, env.State.Phone.E164
	if !rec.RegisteredAt.IsZero() {
		return nil
	}
	reg, err := env.Providers.Registrar()
	if err != nil {
		return err
	}
	current, err := reg.MobileMethod(ctx, env.State.User)
	if err != nil {
		return catalog.Wrap(err, "steps.read-methods-failed", "User", env.State.User)
	}
	if current != num {
		if current != "" {
			if env.forOther() {
				env.say(env.Text.T("steps.register.has-other.for", "Phone", phone.Mask(current), "User", env.State.User))
			} else {
				env.say(env.Text.T("steps.register.has-other", "Phone", phone.Mask(current)))
			}
			replace := env.Text.T("steps.register.replace", "Phone", phone.Mask(num), "Old", phone.Mask(current))
			if rec.VerifiedAt.IsZero() && !rec.TrustedAt.IsZero() {
				replace = env.Text.T("steps.register.replace.trusted", "Phone", phone.Mask(num), "Old", phone.Mask(current))
			}
			choice, err := env.Prompt.Select(ctx, prompt.Question{
				Key:     KeyVerifyReplace,
				Message: env.Text.T("steps.register.ask"),
				Default: replaceYes,
			}, []prompt.Option{
				{Value: replaceYes, Label: replace},
				{Value: replaceKeep, Label: env.Text.T("steps.register.keep", "Phone", phone.Mask(current))},
				{Value: replaceOther, Label: env.Text.T("steps.register.other")},
			})
			if err != nil {
				return err
			}
			switch choice {
			case replaceKeep:
				return v.keep(env, current)
			case replaceOther:
				if err := (Phone{}).Run(ctx, env); err != nil {
					return err
				}
				return v.Run(ctx, env)
			}
		}
		id, err := reg.RegisterMobile(ctx, env.State.User, num)
		if err != nil {
			return catalog.Wrap(err, "steps.register.failed", "Phone", phone.Mask(num))
		}
		rec.MethodID = id
	}
	rec.RegisteredAt = env.now()
	if env.forOther() {
		env.ok(env.Text.T("steps.register.done.for", "Phone", phone.Mask(num), "User", env.State.User))
	} else {
		env.ok(env.Text.T("steps.register.done", "Phone", phone.Mask(num)))
	}
	// The last change of the step: the wizard saves it when the step ends.
	return nil
}

// keep carries on with the number Microsoft 365 already has: it is the person's
// sign-in phone there already, so registering it again would change nothing; later
// steps (Duo) use it instead of the number typed.
func (Verify) keep(env *Env, current string) error {
	rec := env.State.Verify
	num, err := phone.Parse(current, env.Config.DefaultCountry)
	if err != nil {
		return catalog.Wrap(err, "steps.register.unusable", "Phone", phone.Mask(current))
	}
	env.State.Phone = &state.PhoneAnswer{E164: num.E164, Country: num.Region, Source: state.FromProvider}
	rec.VerifiedAt, rec.RegisteredAt, rec.KeptExisting = env.now(), env.now(), true
	if env.forOther() {
		env.ok(env.Text.T("steps.register.kept.for", "Phone", phone.Mask(num.E164), "User", env.State.User))
	} else {
		env.ok(env.Text.T("steps.register.kept", "Phone", phone.Mask(num.E164)))
	}
	return nil
}

// The answers to the question about a different number already registered.
const (
	replaceYes   = "yes"
	replaceKeep  = "no"
	replaceOther = "other"
)

// codeLength is how many digits the codes of codes have.
func codeLength(ctx context.Context, codes provider.CodeSender) (int, error) {
	sized, ok := codes.(provider.SizedCodes)
	if !ok {
		return provider.DefaultCodeLength, nil
	}
	n, err := sized.CodeLength(ctx)
	if err != nil {
		return 0, catalog.Wrap(err, "steps.verify.length-failed")
	}
	return n, nil
}

// validateCode accepts a code of digits digits or the resend word.
func validateCode(s string, digits int) error {
	s = normalizeCode(s)
	if strings.EqualFold(s, resendWord) {
		return nil
	}
	return codeOfLength(s, digits)
}

// normalizeCode drops the spaces and dashes people type inside codes ("123 456", "123-456").
func normalizeCode(s string) string {
	return strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(s))
}

// sixDigits accepts a code of 6 digits, as Duo Mobile shows.
func sixDigits(s string) error { return codeOfLength(s, 6) }

// codeOfLength accepts a code of digits digits.
func codeOfLength(s string, digits int) error {
	if len(s) != digits {
		return catalog.NewError("steps.code.length", "Digits", digits, "Typed", len([]rune(s)))
	}
	return digitsOnly(s)
}

// digitsOnly refuses anything but digits.
func digitsOnly(s string) error {
	for _, r := range s {
		if r < '0' || r > '9' {
			return catalog.NewError("steps.code.digits-only")
		}
	}
	return nil
}

// humanDuration writes a limit the way a person would say it: "10 minutes", "30 seconds".
func humanDuration(p *catalog.Printer, d time.Duration) string {
	if d >= time.Minute && d%time.Minute == 0 {
		return p.T("steps.duration.minutes", "Count", int(d/time.Minute))
	}
	return p.T("steps.duration.seconds", "Count", int(d.Round(time.Second)/time.Second))
}
