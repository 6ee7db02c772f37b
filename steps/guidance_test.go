package steps

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/mfa-onboard/mfa-onboard/internal/prompt"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

func TestMobileMailShowsOnlyTheChosenApp(t *testing.T) {
	marks := map[string]string{MailOutlook: "Open the Outlook app", MailIOS: "Edit Settings", MailSamsung: "needs its password: tap it", MailNone: "Nothing to do"}
	kind := map[string]string{MailOutlook: PlatformIOS, MailIOS: PlatformIOS, MailSamsung: PlatformAndroid, MailNone: PlatformAndroid}
	for client := range marks {
		t.Run(client, func(t *testing.T) {
			h := newHarness(t)
			script := []prompt.Step{answer(KeyDuoPlatform, kind[client]), answer(KeyMailClient, client)}
			if client != MailNone {
				script = append(script, answer(KeyMailAck, "yes"))
			}
			h.mustRun(MobileMail{}, script...)
			out := h.out.String()
			for other, otherMark := range marks {
				if shown := strings.Contains(out, otherMark); shown != (other == client) {
					t.Errorf("choosing %s: guidance for %s shown = %v\n%s", client, other, shown, out)
				}
			}
			if h.env.State.Mail.Value != client {
				t.Errorf("recorded %q", h.env.State.Mail.Value)
			}
		})
	}
}

func TestDuoInstallShowsTheRightStore(t *testing.T) {
	for _, tt := range []struct{ platform, link, other string }{
		{PlatformIOS, "apps.apple.com", "play.google.com"},
		{PlatformAndroid, "play.google.com", "apps.apple.com"},
	} {
		t.Run(tt.platform, func(t *testing.T) {
			h := newHarness(t)
			h.env.State.Platform = &state.Choice{Value: tt.platform}
			h.mustRun(DuoInstall{}, answer(KeyDuoInstalled, "no"), answer(KeyDuoInstalled, "yes"))
			out := h.out.String()
			if !strings.Contains(out, "Link: https://"+tt.link) || strings.Contains(out, tt.other) {
				t.Errorf("want only the %s link:\n%s", tt.link, out)
			}
			if !strings.Contains(out, "No hurry") {
				t.Errorf("answering no gives no advice:\n%s", out)
			}
		})
	}
}

func TestGuidanceCompletesWithoutAPerson(t *testing.T) {
	h := newHarness(t)
	h.env.Interactive = false
	h.env.State.Phone = &state.PhoneAnswer{E164: "+12015550100"}
	h.mustRun(OfficeApps{})
	if !strings.Contains(h.out.String(), "an hour") {
		t.Errorf("office guidance does not mention the hour it can take:\n%s", h.out)
	}
	if !strings.Contains(h.out.String(), "+1 ***-***-0100") {
		t.Errorf("office guidance does not name the masked phone:\n%s", h.out)
	}
}

func TestNotifySupportSendsExactlyOnce(t *testing.T) {
	h := newHarness(t)
	h.env.State.Phone = &state.PhoneAnswer{E164: "+12015550100"}
	h.mustRun(NotifySupport{})
	first := h.env.State.Notice
	if first == nil || first.SentAt.IsZero() || first.Receipt == "" {
		t.Fatalf("notice record = %+v; want id, sent time and receipt", first)
	}
	// A crash after sending but before the step was marked done: the step runs again.
	h.env.State.Notice.SentAt = first.Started
	h.mustRun(NotifySupport{})
	mails := h.messages("email")
	if len(mails) != 1 {
		t.Fatalf("%d notices sent; want exactly one across the re-run", len(mails))
	}
	m := mails[0]
	if m.To != "support@example.com" || !strings.Contains(m.Text, "alice@example.com") || !strings.Contains(m.Text, "+1 ***-***-0100") || !strings.Contains(m.Text, "test-pc") {
		t.Errorf("notice = %+v; want it to name the user, masked phone and computer", m)
	}
	if strings.Contains(m.Text, "2015550100") {
		t.Errorf("notice shows the full number: %s", m.Text)
	}
}

func TestThePhoneKindIsAskedOnce(t *testing.T) {
	h := newHarness(t)
	h.mustRun(MobileMail{}, answer(KeyDuoPlatform, PlatformAndroid), answer(KeyMailClient, MailOutlook), answer(KeyMailAck, "yes"))
	// Duo's store follows from the answer already given: no second question.
	h.mustRun(DuoInstall{}, answer(KeyDuoInstalled, "yes"))
	if out := h.out.String(); !strings.Contains(out, "Google Play") || strings.Contains(out, "App Store") {
		t.Errorf("the store is not the Android one:\n%s", out)
	}
}

func TestTheMailAppOffersOnlyThoseOfThePhoneKind(t *testing.T) {
	ios := optionValues(mailOptionsFor(nil, PlatformIOS))
	android := optionValues(mailOptionsFor(nil, PlatformAndroid))
	if slices.Contains(ios, MailSamsung) || slices.Contains(android, MailIOS) {
		t.Errorf("iPhone offers %v, Android %v: each must leave out the other's mail app", ios, android)
	}
}

func TestTheMailAppSaysThePhoneKindWithoutAPerson(t *testing.T) {
	h := newHarness(t)
	h.env.Interactive = false
	h.env.Prompt = prompt.NewAnswers(map[string]string{KeyMailClient: MailIOS})
	if err := (MobileMail{}).Run(context.Background(), h.env); err != nil {
		t.Fatal(err)
	}
	if p := h.env.State.Platform; p == nil || p.Value != PlatformIOS {
		t.Errorf("platform = %+v; Apple Mail means an iPhone", p)
	}
}

func TestNoToDoneReadingShowsTheTextAgain(t *testing.T) {
	h := newHarness(t)
	h.env.State.Phone = &state.PhoneAnswer{E164: "+12015550100"}
	h.mustRun(OfficeApps{}, answer(KeyOfficeAck, "no"), answer(KeyOfficeAck, "yes"))
	if n := strings.Count(h.out.String(), "A window asks for your password"); n != 2 {
		t.Errorf("the guidance was shown %d times; answering no must show it again", n)
	}
}
