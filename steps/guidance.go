package steps

import (
	"context"
	"strconv"

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
	duoMobileSearchAs = "Duo Mobile" // untranslated: the app's name, which the stores search for in every language
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
		env.say(env.Text.T("steps.office.intro"))
		env.guide(
			env.Text.T("steps.office.password"),
			env.Text.T("steps.office.code", "Phone", maskedPhone(env)),
			env.Text.T("steps.office.after"),
		)
	}
	if env.forOther() {
		show = func() {
			env.tell(
				env.Text.T("steps.office.tell", "Phone", maskedPhone(env)),
				env.Text.T("steps.office.tell.after"),
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

// mailOptions are the mail apps a person may use, in p's language.
func mailOptions(p *catalog.Printer) []prompt.Option {
	return []prompt.Option{
		{Value: MailOutlook, Label: p.T("steps.mail.outlook")},
		{Value: MailIOS, Label: p.T("steps.mail.ios")},
		{Value: MailSamsung, Label: p.T("steps.mail.samsung")},
		{Value: MailNone, Label: p.T("steps.mail.none")},
	}
}

// mailOptionsFor leaves out the mail app of the other kind of phone.
func mailOptionsFor(p *catalog.Printer, platform string) []prompt.Option {
	var out []prompt.Option
	for _, o := range mailOptions(p) {
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
	out := mailOptionsFor(env.Text, platform)
	if env.forOther() {
		for i := range out {
			if out[i].Value == MailNone {
				out[i].Label = env.Text.T("steps.mail.none.for")
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
		Message: env.Text.T("steps.mail.ask"),
		Default: savedChoice(env.State.Mail),
	}
	if env.forOther() {
		q.Message = env.Text.T("steps.mail.ask.for")
	}
	client, err := env.choose(ctx, q, mailChoices(env, platform))
	if err != nil {
		return err
	}
	if client == "" {
		// Nobody to ask: give the guidance for every app, each under its name.
		for _, o := range mailChoices(env, platform) {
			if o.Value != MailNone {
				mailGuidance(env, o.Value, o.Label)
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
	if err := env.saveAnswers(); err != nil {
		return err
	}
	if client == MailNone {
		if env.forOther() {
			env.say(env.Text.T("steps.mail.nothing.for"))
		} else {
			env.say(env.Text.T("steps.mail.nothing"))
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
	q := prompt.Question{Key: KeyDuoPlatform, Message: env.Text.T("steps.platform.ask")}
	if env.forOther() {
		q.Message = env.Text.T("steps.platform.ask.for")
	}
	platform, err := env.choose(ctx, q, platformOptions(env.Text))
	if err != nil || platform == "" {
		return platform, err
	}
	env.State.Platform = &state.Choice{Value: platform, Source: env.source()}
	return platform, env.saveAnswers()
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

// mailGuidance gives one app's part; app names the app when several are shown.
func mailGuidance(env *Env, client, app string) {
	masked := maskedPhone(env)
	guide := func(items ...string) {
		if app != "" {
			for i := range items {
				items[i] = env.Text.T("steps.mail.for-app", "App", app, "Text", items[i])
			}
		}
		if env.forOther() {
			env.tell(items...)
			return
		}
		env.guide(items...)
	}
	if env.forOther() {
		// In brief, one line an app: the technician says it to the person.
		switch client {
		case MailOutlook:
			guide(env.Text.T("steps.mail.outlook.tell", "Phone", masked))
		case MailIOS:
			guide(env.Text.T("steps.mail.ios.tell", "Phone", masked))
		case MailSamsung:
			guide(env.Text.T("steps.mail.samsung.tell", "Phone", masked))
		}
		return
	}
	switch client {
	case MailOutlook:
		guide(
			env.Text.T("steps.mail.outlook.open"),
			env.Text.T("steps.mail.outlook.code", "Phone", masked),
			env.Text.T("steps.mail.outlook.inbox"),
		)
	case MailIOS:
		guide(
			env.Text.T("steps.mail.ios.notice"),
			env.Text.T("steps.mail.ios.password"),
			env.Text.T("steps.mail.code-then", "Phone", masked),
		)
	case MailSamsung:
		guide(
			env.Text.T("steps.mail.samsung.notice"),
			env.Text.T("steps.mail.samsung.password"),
			env.Text.T("steps.mail.code-then", "Phone", masked),
		)
	}
}

// DuoInstall gets Duo Mobile onto the phone from the right store.
type DuoInstall struct{}

// ID is the step's stable id.
func (DuoInstall) ID() string { return "duo-install" }

// Title names the step for people.
func (DuoInstall) Title(p *catalog.Printer) string { return p.T("steps.duo-install.title") }

// platformOptions are the kinds of phone, in p's language.
func platformOptions(p *catalog.Printer) []prompt.Option {
	return []prompt.Option{
		{Value: PlatformIOS, Label: p.T("steps.platform.ios")},
		{Value: PlatformAndroid, Label: p.T("steps.platform.android")},
	}
}

// Run shows the store link of the person's kind of phone as a QR code and as text.
func (s DuoInstall) Run(ctx context.Context, env *Env) error {
	if env.forOther() {
		return s.handOver(ctx, env)
	}
	env.say(env.Text.T("steps.install.intro"))
	platform, err := askPlatform(ctx, env)
	if err != nil {
		return err
	}
	name := strconv.Quote(duoMobileSearchAs)
	if platform == "" {
		env.guide(
			env.Text.T("steps.install.ios", "Name", name, "Link", env.Config.Links.AppStore),
			env.Text.T("steps.install.android", "Name", name, "Link", env.Config.Links.GooglePlay),
		)
		return nil
	}
	// Each store's sentences are whole: the store and its button are named in them.
	link := env.Config.Links.AppStore
	guide := env.Text.T("steps.install.guide.ios", "Name", name, "Link", link)
	todo := []string{env.Text.T("steps.install.open.ios", "Name", name), env.Text.T("steps.install.tap.ios")}
	scan := env.Text.T("steps.install.scan.ios")
	if platform == PlatformAndroid {
		link = env.Config.Links.GooglePlay
		guide = env.Text.T("steps.install.guide.android", "Name", name, "Link", link)
		todo = []string{env.Text.T("steps.install.open.android", "Name", name), env.Text.T("steps.install.tap.android")}
		scan = env.Text.T("steps.install.scan.android")
	}
	if !env.Interactive {
		env.guide(guide)
		return nil
	}
	env.Guidance = append(env.Guidance, todo...)
	for {
		var installed bool
		_, err := env.Screen.AskQR(ctx, screen.QR{
			Content: link,
			Scan:    []string{scan},
			Steps:   todo,
			Reserve: 2,
		}, func(ctx context.Context, _ bool) error {
			var err error
			installed, err = env.Prompt.Confirm(ctx, prompt.Question{Key: KeyDuoInstalled, Message: env.Text.T("steps.install.ask"), Default: "yes"})
			return err
		})
		if err != nil || installed {
			return err
		}
		env.say(env.Text.T("steps.install.not-yet", "Again", env.again()))
	}
}

// handOver is the install told by a technician: no QR code, since the technician's
// screen is not the person's phone, but the store and the link to send them.
func (DuoInstall) handOver(ctx context.Context, env *Env) error {
	env.say(env.Text.T("steps.install.intro.for"))
	platform, err := askPlatform(ctx, env)
	if err != nil {
		return err
	}
	name := strconv.Quote(duoMobileSearchAs)
	ios := env.Text.T("steps.install.ios.for", "Name", name, "Link", env.Config.Links.AppStore)
	android := env.Text.T("steps.install.android.for", "Name", name, "Link", env.Config.Links.GooglePlay)
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
		installed, err := env.Prompt.Confirm(ctx, prompt.Question{Key: KeyDuoInstalled, Message: env.Text.T("steps.install.ask.for"), Default: "yes"})
		if err != nil || installed {
			return err
		}
		env.say(env.Text.T("steps.install.not-yet.for", "Again", env.again()))
	}
}
