package steps

import (
	"context"
	"errors"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/phone"
	"github.com/mfa-onboard/mfa-onboard/internal/prompt"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// Question keys of the phone step.
const (
	KeyPhoneNumber  = "phone.number"
	KeyPhoneConfirm = "phone.confirm"
	// KeyPhoneCountry is the country of a number given without +; it is read before
	// the run (it changes the default country) rather than asked.
	KeyPhoneCountry = "phone.country"
)

// KeyUser names the person the procedure is for; it is settled before any step runs.
const KeyUser = "user"

// The numbers the help gives as examples; a test proves both are accepted.
const (
	localExample  = "201 555 0123"
	abroadExample = "+44 7400 123456"
)

// Phone asks for the mobile number that sign-in codes will go to.
type Phone struct{}

// ID is the step's stable id.
func (Phone) ID() string { return "phone" }

// Roles are the provider roles the number is for.
func (Phone) Roles() []provider.Role {
	return []provider.Role{provider.RoleSMS, provider.RolePhoneRegistration}
}

// Title names the step for people.
func (Phone) Title(p *catalog.Printer) string { return p.T("steps.phone.title") }

// Run asks for the number until it is a valid mobile number the person confirms.
func (Phone) Run(ctx context.Context, env *Env) error {
	country := env.Config.DefaultCountry
	named := env.Text.Region(country)
	if env.forOther() {
		env.say(env.Text.T("steps.phone.intro.for", "User", env.State.User))
	} else {
		env.say(env.Text.T("steps.phone.intro"))
	}
	env.say(env.Text.T("steps.phone.country", "Country", named))
	env.Screen.Blank()
	for {
		raw, err := env.Prompt.Input(ctx, prompt.Question{
			Key:     KeyPhoneNumber,
			Message: env.Text.T("steps.phone.ask"),
			Help:    env.Text.T("steps.phone.help", "Local", localExample, "Abroad", abroadExample, "Country", named),
		}, func(s string) error {
			_, err := phone.Parse(s, country)
			return err
		})
		var need *prompt.NeedsAnswerError
		if errors.As(err, &need) && env.forOther() {
			env.guide(env.Text.T("steps.phone.guide.for", "User", env.State.User, "Key", KeyPhoneNumber, "Again", env.again()))
		}
		if err != nil {
			return err
		}
		num, err := phone.Parse(raw, country)
		if err != nil {
			return err
		}
		if env.Interactive {
			ok, err := env.Prompt.Confirm(ctx, prompt.Question{
				Key:     KeyPhoneConfirm,
				Message: env.Text.T("steps.phone.confirm", "Phone", phone.Display(num.E164)),
				Default: "yes",
			})
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
		}
		if env.State.Phone != nil && env.State.Phone.E164 != num.E164 {
			// A different number needs its own proof of possession.
			env.State.Verify = nil
		}
		env.State.Phone = &state.PhoneAnswer{E164: num.E164, Country: num.Region, Source: env.source()}
		env.ok(env.Text.T("steps.phone.done", "Phone", phone.Mask(num.E164)))
		// Saved when the step ends, by the wizard, or with the texted code's record
		// when verify asks for the number again.
		return nil
	}
}
