package steps

import (
	"context"
	"fmt"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/prompt"
	"github.com/mfa-onboard/mfa-onboard/internal/screen"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// Question keys of the guidance steps.
const (
	KeyOfficeAck      = "office-apps.ack"
	KeyMailClient     = "mobile-mail.client"
	KeyMailAck        = "mobile-mail.ack"
	KeyDuoPlatform    = "duo-install.platform"
	KeyDuoInstalled   = "duo-install.done"
	MailSamsung       = "samsung"
	MailIOS           = "ios"
	MailOutlook       = "outlook"
	MailNone          = "none"
	PlatformIOS       = "ios"
	PlatformAndroid   = "android"
	duoMobileSearchAs = "Duo Mobile"
)

// OfficeApps explains what the Office desktop apps will ask once MFA is required.
type OfficeApps struct{}

// ID is the step's stable id.
func (OfficeApps) ID() string { return "office-apps" }

// Title names the step for people.
func (OfficeApps) Title(p *catalog.Printer) string { return p.T("steps.office-apps.title") }

// Run shows what to expect in Outlook, Word, Excel and the rest: to the person, or,
// in brief, to the technician who tells them.
func (OfficeApps) Run(ctx context.Context, env *Env) error {
	show := func() {
		env.Screen.Say("Within about an hour of support switching two-step sign-in on, the Office apps on this " +
			"computer (Outlook, Word, Excel…) notice the change. Outlook usually notices first:")
		env.guide(
			"A window asks for your password: type your usual Microsoft 365 password.",
			fmt.Sprintf("A 6-digit code is then texted to %s: type it where the window asks for it.", maskedPhone(env.State)),
			"The app carries on as before. Other apps may ask once too; answer them the same way.",
		)
	}
	if env.forOther() {
		show = func() {
			env.tell(
				fmt.Sprintf("Within about an hour of two-step sign-in being required, Outlook, Word or Excel on their computer "+
					"asks for their Microsoft 365 password, then for a 6-digit code texted to %s.", maskedPhone(env.State)),
				"They type each where the window asks; the app carries on, and other Office apps may ask once too.",
			)
		}
	}
	show()
	return env.acknowledge(ctx, KeyOfficeAck, show)
}

// MobileMail explains what the phone's mail app will ask, for the app the person uses.
type MobileMail struct{}

// ID is the step's stable id.
func (MobileMail) ID() string { return "mobile-mail" }

// Title names the step for people.
func (MobileMail) Title(p *catalog.Printer) string { return p.T("steps.mobile-mail.title") }

var mailOptions = []prompt.Option{
	{Value: MailOutlook, Label: "The Outlook app"},
	{Value: MailIOS, Label: "Apple Mail on an iPhone or iPad"},
	{Value: MailSamsung, Label: "Samsung Email or another Android mail app"},
	{Value: MailNone, Label: "I don't read work mail on my phone"},
}

// mailOptionsFor leaves out the mail app of the other kind of phone.
func mailOptionsFor(platform string) []prompt.Option {
	var out []prompt.Option
	for _, o := range mailOptions {
		if platform == PlatformIOS && o.Value == MailSamsung || platform == PlatformAndroid && o.Value == MailIOS {
			continue
		}
		out = append(out, o)
	}
	return out
}

// mailChoices is mailOptionsFor in the words of whoever answers: a technician's
// choices speak of the person.
func mailChoices(env *Env, platform string) []prompt.Option {
	out := mailOptionsFor(platform)
	if env.forOther() {
		for i := range out {
			if out[i].Value == MailNone {
				out[i].Label = "They don't read work mail on their phone"
			}
		}
	}
	return out
}

// Run asks which mail app the person uses and shows only that app's part.
func (MobileMail) Run(ctx context.Context, env *Env) error {
	platform, err := askPlatform(ctx, env)
	if err != nil {
		return err
	}
	q := prompt.Question{
		Key:     KeyMailClient,
		Message: "Which app has your work mail?",
		Default: savedChoice(env.State.Mail),
	}
	if env.forOther() {
		q.Message = "Which app has their work mail?"
	}
	client, err := env.choose(ctx, q, mailChoices(env, platform))
	if err != nil {
		return err
	}
	if client == "" {
		// Nobody to ask: give the guidance for every app, each under its name.
		for _, o := range mailChoices(env, platform) {
			if o.Value != MailNone {
				mailGuidance(env, o.Value, o.Label+": ")
			}
		}
		return nil
	}
	env.State.Mail = &state.Choice{Value: client, Source: env.source()}
	if platform == "" && (client == MailIOS || client == MailSamsung) {
		// The app says what kind of phone it is; Duo's store then need not be asked.
		kind := PlatformIOS
		if client == MailSamsung {
			kind = PlatformAndroid
		}
		env.State.Platform = &state.Choice{Value: kind, Source: env.source()}
	}
	if err := env.Save(); err != nil {
		return err
	}
	if client == MailNone {
		if env.forOther() {
			env.Screen.Say("Nothing to tell them about mail on their phone, then.")
		} else {
			env.Screen.Say("Nothing to do on your phone's mail, then.")
		}
		return nil
	}
	show := func() { mailGuidance(env, client, "") }
	show()
	return env.acknowledge(ctx, KeyMailAck, show)
}

// askPlatform asks once what kind of phone the person has (mail and Duo both need to
// know) and keeps the answer; "" means nobody could say.
func askPlatform(ctx context.Context, env *Env) (string, error) {
	if p := env.State.Platform; p != nil && p.Value != "" {
		return p.Value, nil
	}
	q := prompt.Question{Key: KeyDuoPlatform, Message: "What kind of phone do you have?"}
	if env.forOther() {
		q.Message = "What kind of phone do they have?"
	}
	platform, err := env.choose(ctx, q, platformOptions)
	if err != nil || platform == "" {
		return platform, err
	}
	env.State.Platform = &state.Choice{Value: platform, Source: env.source()}
	return platform, env.Save()
}

func optionValues(opts []prompt.Option) []string {
	out := make([]string, len(opts))
	for i, o := range opts {
		out[i] = o.Value
	}
	return out
}

func savedChoice(c *state.Choice) string {
	if c == nil {
		return ""
	}
	return c.Value
}

// mailGuidance gives one app's part; prefix names the app when several are shown.
func mailGuidance(env *Env, client, prefix string) {
	code := fmt.Sprintf("a 6-digit code is texted to %s: type it in", maskedPhone(env.State))
	guide := func(items ...string) {
		for i := range items {
			items[i] = prefix + items[i]
		}
		if env.forOther() {
			env.tell(items...)
			return
		}
		env.guide(items...)
	}
	if env.forOther() {
		// In brief, one line an app: the technician says it to the person.
		texted := fmt.Sprintf("the 6-digit code texted to %s", maskedPhone(env.State))
		switch client {
		case MailOutlook:
			guide("In the Outlook app, when it asks for a code: type " + texted + ", then tap Verify.")
		case MailIOS:
			guide("When Apple Mail says the account needs its password: tap Edit Settings, type the Microsoft 365 password, then " + texted + ", and save.")
		case MailSamsung:
			guide("When a notice says the mail account needs its password: tap it, type the Microsoft 365 password, then " + texted + ", and save.")
		}
		return
	}
	switch client {
	case MailOutlook:
		guide(
			"Open the Outlook app.",
			"When it asks for a code, "+code+" and tap Verify.",
			"Your inbox opens as before.",
		)
	case MailIOS:
		guide(
			"Mail shows a message saying your account needs its password: tap Edit Settings.",
			"Type your Microsoft 365 password when asked.",
			"Then "+code+", and save the settings.",
		)
	case MailSamsung:
		guide(
			"The phone shows a notice saying the mail account needs its password: tap it.",
			"In the account settings that open, type your Microsoft 365 password.",
			"Then "+code+", and save the settings.",
		)
	}
}

// DuoInstall gets Duo Mobile onto the phone from the right store.
type DuoInstall struct{}

// ID is the step's stable id.
func (DuoInstall) ID() string { return "duo-install" }

// Title names the step for people.
func (DuoInstall) Title(p *catalog.Printer) string { return p.T("steps.duo-install.title") }

var platformOptions = []prompt.Option{
	{Value: PlatformIOS, Label: "iPhone"},
	{Value: PlatformAndroid, Label: "Android phone"},
}

// Run shows the store link of the person's kind of phone as a QR code and as text.
func (s DuoInstall) Run(ctx context.Context, env *Env) error {
	if env.forOther() {
		return s.handOver(ctx, env)
	}
	env.Screen.Say("Remote Desktop Gateway sign-in uses Duo: the Duo Mobile app on your phone approves each sign-in.")
	platform, err := askPlatform(ctx, env)
	if err != nil {
		return err
	}
	if platform == "" {
		env.guide(
			fmt.Sprintf("On an iPhone, open the App Store, search for %q and tap Get: %s", duoMobileSearchAs, env.Config.Links.AppStore),
			fmt.Sprintf("On an Android phone, open Google Play, search for %q and tap Install: %s", duoMobileSearchAs, env.Config.Links.GooglePlay),
		)
		return nil
	}
	store, link, button := "the App Store", env.Config.Links.AppStore, "Get"
	if platform == PlatformAndroid {
		store, link, button = "Google Play", env.Config.Links.GooglePlay, "Install"
	}
	if !env.Interactive {
		env.guide(fmt.Sprintf("On the phone, open %s, search for %q and tap %s: %s", store, duoMobileSearchAs, button, link))
		return nil
	}
	todo := []string{
		fmt.Sprintf("Open %s on the phone and search for %q.", store, duoMobileSearchAs),
		fmt.Sprintf("Tap %s next to Duo Mobile (by Duo Security).", button),
	}
	env.Guidance = append(env.Guidance, todo...)
	for {
		var installed bool
		_, err := env.Screen.AskQR(ctx, screen.QR{
			Content: link,
			Scan:    []string{fmt.Sprintf("Scan this code with the phone's camera to open Duo Mobile in %s, or:", store)},
			Steps:   todo,
			Reserve: 2,
		}, func(ctx context.Context, _ bool) error {
			var err error
			installed, err = env.Prompt.Confirm(ctx, prompt.Question{Key: KeyDuoInstalled, Message: "Is Duo Mobile installed?", Default: "yes"})
			return err
		})
		if err != nil || installed {
			return err
		}
		env.Screen.Say("No hurry: install it now and answer again, or press Ctrl-C and run %s later to carry on here.", env.again())
	}
}

// handOver is the install told by a technician: no QR code, since the technician's
// screen is not the person's phone, but the store and the link to send them.
func (DuoInstall) handOver(ctx context.Context, env *Env) error {
	env.Screen.Say("Remote Desktop Gateway sign-in uses Duo: the Duo Mobile app on their phone approves each sign-in.")
	platform, err := askPlatform(ctx, env)
	if err != nil {
		return err
	}
	ios := fmt.Sprintf("On their iPhone, open the App Store, search for %q and tap Get: %s", duoMobileSearchAs, env.Config.Links.AppStore)
	android := fmt.Sprintf("On their Android phone, open Google Play, search for %q and tap Install: %s", duoMobileSearchAs, env.Config.Links.GooglePlay)
	show := func() {
		switch platform {
		case PlatformIOS:
			env.tell(ios)
		case PlatformAndroid:
			env.tell(android)
		default:
			env.tell(ios, android)
		}
	}
	show()
	if !env.Interactive || platform == "" {
		return nil
	}
	for {
		installed, err := env.Prompt.Confirm(ctx, prompt.Question{Key: KeyDuoInstalled, Message: "Is Duo Mobile installed on their phone?", Default: "yes"})
		if err != nil || installed {
			return err
		}
		env.Screen.Say("No hurry: give them time to install it, then answer again (or press Ctrl-C and run %s later to carry on here).", env.again())
	}
}
