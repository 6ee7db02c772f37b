package steps

import (
	"context"
	"errors"
	"fmt"
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
		return errors.New("no mobile number is recorded yet; the phone step must come first")
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
				return errors.New("--trust-phone needs phone_registration: graph: on the portal route the person proves and registers the phone on Microsoft's security-info page themselves, so there is nothing to trust")
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
	if note := VerifyNote(env.State); note != "" {
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
		return fmt.Errorf("%w; nothing was registered: fix that, then run %s again", err, env.again())
	}
	rec.TrustedAt, rec.TrustedBy, rec.TrustReason, rec.CheckingAt = env.now(), env.Actor.Name, reason, time.Time{}
	env.Screen.Say("No code is texted: %s is registered on the word of %s, as --trust-phone asks (%s). Who vouched and why is kept with the number and in the audit.",
		phone.Mask(num), env.Actor.Name, reason)
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
	todo := []string{
		"Open Microsoft's security-info page (the link below) and sign in with your work account.",
		"Choose \"Add sign-in method\", then \"Phone\".",
		fmt.Sprintf("Enter %s, choose \"Text me a code\", and press Next.", phone.Display(num)),
		"Type the 6-digit code Microsoft texts you, and press Next: the page says the phone was registered.",
	}
	if env.forOther() {
		// Only the person can do it, on their own sign-in: the technician hands it over.
		todo = []string{
			fmt.Sprintf("Open Microsoft's security-info page, %s, and sign in with their work account.", page),
			"Choose \"Add sign-in method\", then \"Phone\".",
			fmt.Sprintf("Enter %s, choose \"Text me a code\", and press Next.", phone.Display(num)),
			"Type the 6-digit code Microsoft texts them, and press Next: the page says the phone was registered.",
		}
	}
	if !env.forOther() {
		env.Guidance = append(env.Guidance, todo...)
	}
	for {
		var done bool
		ask := func(ctx context.Context, _ bool) error {
			q := prompt.Question{Key: KeyVerifyPortalDone, Message: "Have you added the phone on the security-info page?", Default: "yes"}
			if env.forOther() {
				q.Message = "Have they added the phone on the security-info page?"
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
				Scan:    []string{"Scan this code with the phone's camera to open the page there, or open the link on this computer."},
				Steps:   todo,
				Reserve: 2,
			}, ask)
		}
		if err != nil {
			return err
		}
		if !done {
			env.Screen.Say("Take your time: follow the steps above, then answer again (or press Ctrl-C and come back later).")
			continue
		}
		current, err := reg.MobileMethod(ctx, env.State.User)
		switch {
		case errors.Is(err, provider.ErrCannotCheck):
			if env.forOther() {
				env.Screen.Say("(This tool cannot read Microsoft 365's sign-in methods here, so it takes their word for it.)")
			} else {
				env.Screen.Say("(This tool cannot read Microsoft 365's sign-in methods here, so it takes your word for it.)")
			}
		case err != nil:
			return fmt.Errorf("read the Microsoft 365 sign-in methods of %s: %w", env.State.User, err)
		case current != num:
			env.Screen.Problem("Microsoft 365 does not show %s as %s mobile sign-in phone yet.", phone.Mask(num), env.your())
			if !env.Interactive {
				return &prompt.WaitingError{Key: KeyVerifyPortalDone, What: "the phone is not registered on the security-info page yet"}
			}
			continue
		default:
			env.Screen.OK("Microsoft 365 shows %s as %s mobile sign-in phone.", phone.Mask(num), env.your())
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
		env.Screen.Say("A code was texted to %s at %s; it still works until %s.",
			phone.Mask(to), env.at(rec.SentAt, false), env.at(rec.SentAt.Add(valid), true))
	default:
		if err := v.send(ctx, env, codes, digits); err != nil {
			return err
		}
	}
	switch {
	case !env.Interactive && env.forOther():
		env.guide(fmt.Sprintf("Ask %s for the %d-digit code texted to %s, then give it with --code (answers key %s) before %s: %s --code CODE.",
			env.State.User, digits, phone.Mask(to), KeyVerifyCode, env.at(rec.SentAt.Add(valid), true), env.again()))
	case !env.Interactive:
		env.guide(fmt.Sprintf("Give the %d-digit code texted to %s (answers key %s, or --code) before %s.",
			digits, phone.Mask(to), KeyVerifyCode, env.at(rec.SentAt.Add(valid), true)))
	case env.forOther():
		// The code reaches the person's phone only: possession is proven by their
		// reading it out, never by the technician's word.
		env.Screen.Say("Ask %s to read you the %d-digit code texted to %s.", env.State.User, digits, phone.Mask(to))
	}
	q := prompt.Question{
		Key:     KeyVerifyCode,
		Message: "Code from the text message",
		// "another text", not "a new code": some services text the same code again.
		Help: fmt.Sprintf("Type the %d digits from the text message, or %s to get another text.", digits, resendWord),
	}
	if env.forOther() {
		q.Message = "Code they read to you"
		q.Help = fmt.Sprintf("The %d digits %s reads from the text message, or %s to text another.", digits, env.State.User, resendWord)
	}
	for {
		expires := rec.SentAt.Add(valid)
		ans, err := askBefore(ctx, env, expires, func(ctx context.Context) (string, error) {
			return env.Prompt.Input(ctx, q, func(s string) error { return validateCode(s, digits) })
		})
		if errors.Is(err, errExpired) {
			// Said when it happens, not when the person next types something.
			env.Screen.Problem("The code texted at %s has expired (codes work for %s). Type %s to get a new one.",
				env.at(rec.SentAt, false), humanDuration(valid), resendWord)
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
			return fmt.Errorf("check the code: %w", err)
		}
		rec.CheckingAt = time.Time{}
		switch check.Status {
		case provider.CodeApproved:
			rec.VerifiedAt = env.now()
			if env.forOther() {
				env.Screen.OK("That is the right code: %s has the phone.", env.State.User)
			} else {
				env.Screen.OK("That is the right code: the phone is yours.")
			}
			return env.Save()
		case provider.CodeWrong:
			env.Screen.Problem("That code is not right. %s left for this code.", plural(check.AttemptsLeft, "try", "tries"))
		case provider.CodeLocked:
			env.Screen.Problem("Too many wrong tries: that code no longer works. Type %s to get a new one.", resendWord)
		case provider.CodeExpired:
			env.Screen.Problem("That code has expired (codes work for %s). Type %s to get a new one.", humanDuration(valid), resendWord)
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
			env.Screen.OK("The last run was stopped before it could record the answer, but the code you typed then was right: the phone is yours.")
			return true, env.Save()
		}
		// Not accepted: the code was wrong or the check never arrived, and either way
		// the code texted is not used up, so it still works and no new text is needed.
		if valid := rec.SentAt.Add(env.Config.Limits.CodeValid.D()); err == nil && env.now().Before(valid) {
			rec.CheckingAt = time.Time{}
			env.Screen.Say("The last run was stopped while it was checking a code, but that code was not taken, so the code texted at %s still works until %s.",
				env.at(rec.SentAt, false), env.at(valid, true))
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
			env.Screen.OK("Microsoft 365 already has %s as %s mobile sign-in phone, so no new code is needed.", phone.Mask(to), env.your())
			return true, env.Save()
		}
	}
	env.Screen.Problem("The last run was stopped while it was checking the code you typed, before it could record the answer.")
	env.Screen.Say("That code may well have been right, but it cannot be checked a second time: a code that was accepted is used up. " +
		"So you need a new code, which is sent next.")
	if err := v.send(ctx, env, codes, digits); err != nil {
		return false, err
	}
	if !env.Interactive {
		// A code given for this run was for the earlier text; the new one is needed.
		env.guide(fmt.Sprintf("Give the %d-digit code in the newest text message to %s (answers key %s, or --code) before %s.",
			digits, phone.Mask(to), KeyVerifyCode, env.at(rec.SentAt.Add(env.Config.Limits.CodeValid.D()), true)))
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
			if err := env.Screen.Countdown(ctx, env.Clock, wait, "A new code can be sent"); err != nil {
				return prompt.ErrInterrupted
			}
		}
	}
	sent, err := codes.SendCode(ctx, to)
	var cool *provider.CoolDownError
	if errors.As(err, &cool) {
		if err := env.Screen.Countdown(ctx, env.Clock, cool.Wait, "A new code can be sent"); err != nil {
			return prompt.ErrInterrupted
		}
		sent, err = codes.SendCode(ctx, to)
	}
	if err != nil {
		return fmt.Errorf("send a code to %s: %w", phone.Mask(to), err)
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
		env.Screen.Say("The same %d-digit code was texted to %s again: it is the one sent at %s, and it works until %s.",
			digits, phone.Mask(to), env.at(sentAt, false), env.at(sent.ExpiresAt, true))
		return nil
	}
	env.Screen.Say("%s is on its way to %s by text message. It works until %s.",
		aCode(digits), phone.Mask(to), env.at(sent.ExpiresAt, true))
	return nil
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
		return fmt.Errorf("read the Microsoft 365 sign-in methods of %s: %w", env.State.User, err)
	}
	if current != num {
		if current != "" {
			env.Screen.Say("Microsoft 365 already has %s as %s mobile sign-in phone.", phone.Mask(current), env.your())
			choice, err := env.Prompt.Select(ctx, prompt.Question{
				Key:     KeyVerifyReplace,
				Message: "Which should it be?",
				Default: replaceYes,
			}, []prompt.Option{
				{Value: replaceYes, Label: fmt.Sprintf("%s, the number just %s (replaces %s)", phone.Mask(num), provenOrTrusted(rec), phone.Mask(current))},
				{Value: replaceKeep, Label: fmt.Sprintf("Keep %s, and carry on with it", phone.Mask(current))},
				{Value: replaceOther, Label: "Another number: type it"},
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
			return fmt.Errorf("register %s as the Microsoft 365 sign-in phone: %w", phone.Mask(num), err)
		}
		rec.MethodID = id
	}
	rec.RegisteredAt = env.now()
	env.Screen.OK("%s is now %s Microsoft 365 sign-in phone: codes will be texted to it.", phone.Mask(num), env.your())
	return env.Save()
}

// keep carries on with the number Microsoft 365 already has: it is the person's
// sign-in phone there already, so registering it again would change nothing; later
// steps (Duo) use it instead of the number typed.
func (Verify) keep(env *Env, current string) error {
	rec := env.State.Verify
	num, err := phone.Parse(current, env.Config.DefaultCountry)
	if err != nil {
		return fmt.Errorf("the number Microsoft 365 has (%s) is not a mobile number this tool can use (%v); choose to replace it or type another", phone.Mask(current), err)
	}
	env.State.Phone = &state.PhoneAnswer{E164: num.E164, Country: num.Region, Source: state.FromProvider}
	rec.VerifiedAt, rec.RegisteredAt, rec.KeptExisting = env.now(), env.now(), true
	env.Screen.OK("%s stays %s Microsoft 365 sign-in phone; the next steps use it.", phone.Mask(num.E164), env.your())
	return env.Save()
}

// provenOrTrusted says how the number came to be registered, for the replace question.
func provenOrTrusted(rec *state.VerifyRecord) string {
	if rec.VerifiedAt.IsZero() && !rec.TrustedAt.IsZero() {
		return "vouched for"
	}
	return "proven"
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
		return 0, fmt.Errorf("find out how many digits the texted codes have: %w", err)
	}
	return n, nil
}

// aCode is "A 6-digit code", or "An 8-digit code", to start a sentence.
func aCode(digits int) string {
	if digits == 8 || digits == 11 || digits == 18 {
		return fmt.Sprintf("An %d-digit code", digits)
	}
	return fmt.Sprintf("A %d-digit code", digits)
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
		return fmt.Errorf("the code has %d digits (you typed %d characters)", digits, len([]rune(s)))
	}
	return digitsOnly(s)
}

// digitsOnly refuses anything but digits.
func digitsOnly(s string) error {
	for _, r := range s {
		if r < '0' || r > '9' {
			return errors.New("the code is digits only")
		}
	}
	return nil
}

// humanDuration writes a limit the way a person would say it: "10 minutes", "30 seconds".
func humanDuration(d time.Duration) string {
	if d >= time.Minute && d%time.Minute == 0 {
		return plural(int(d/time.Minute), "minute", "minutes")
	}
	return plural(int(d.Round(time.Second)/time.Second), "second", "seconds")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
