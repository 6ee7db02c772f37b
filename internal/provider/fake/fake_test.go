package fake

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/config"
	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/providertest"
)

type demo struct {
	services *Services
	clock    *clock.Fake
	outbox   string
}

func newDemo(t *testing.T) demo {
	dir := t.TempDir()
	c := clock.NewFake(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	box := filepath.Join(dir, "outbox.jsonl")
	return demo{services: NewServices(filepath.Join(dir, "services.json"), OptionsFrom(config.Default()), outbox.New(box, nil), c), clock: c, outbox: box}
}

var code = regexp.MustCompile(`\b\d{6}\b`)

func (d demo) lastCode(t *testing.T) string {
	msgs, err := outbox.Read(d.outbox)
	if err != nil || len(msgs) == 0 {
		t.Fatalf("outbox: %v, %d messages", err, len(msgs))
	}
	return code.FindString(msgs[len(msgs)-1].Text)
}

func TestContractCodes(t *testing.T) {
	lim := config.Default().Limits
	providertest.CodeSenderContract(t, func(t *testing.T) providertest.CodeService {
		d := newDemo(t)
		return providertest.CodeService{
			Sender: d.services.Codes(), To: "+12015550100",
			LastCode: d.lastCode, Advance: d.clock.Advance,
			Attempts: lim.CodeAttempts, Valid: lim.CodeValid.D(), CoolDown: lim.ResendCoolDown.D(),
		}
	})
}

func TestContractDuo(t *testing.T) {
	providertest.DuoContract(t, func(t *testing.T) providertest.DuoService {
		d := newDemo(t)
		duo := d.services.Duo()
		var secret string
		codeAt := func(steps int) string {
			c, err := totp.GenerateCode(secret, d.clock.Now().Add(time.Duration(steps)*30*time.Second))
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		return providertest.DuoService{
			Enroller: duo, Pusher: duo, ShowsAgain: true,
			PushedTo: func(t *testing.T, p provider.Push) string { return d.pushedTo(t, p.ID) },
			Activate: func(t *testing.T, phoneID string, a provider.Activation) {
				key, err := otp.NewKeyFromURL(a.Link)
				if err != nil {
					t.Fatal(err)
				}
				secret = key.Secret()
				if err := duo.ConfirmActivation(t.Context(), phoneID, codeAt(0)); err != nil {
					t.Fatal(err)
				}
			},
			Approve: func(t *testing.T, p provider.Push) {
				if err := duo.ApproveWithCode(t.Context(), p.ID, codeAt(1)); err != nil {
					t.Fatal(err)
				}
			},
		}
	})
}

func TestCodesAreNotKeptInClear(t *testing.T) {
	d := newDemo(t)
	if _, err := d.services.Codes().SendCode(t.Context(), "+12015550100"); err != nil {
		t.Fatal(err)
	}
	raw := d.records(t).String()
	if c := d.lastCode(t); regexp.MustCompile(c).MatchString(raw) {
		t.Errorf("the demo services records hold the code %s in clear:\n%s", c, raw)
	}
}

func TestRecordsSurviveAcrossInstances(t *testing.T) {
	d := newDemo(t)
	if _, err := d.services.Codes().SendCode(t.Context(), "+12015550100"); err != nil {
		t.Fatal(err)
	}
	// A second run of the program: a new Services on the same file.
	again := NewServices(d.services.path, d.services.opts, outbox.New(d.outbox, nil), d.clock)
	got, err := again.Codes().CheckCode(t.Context(), "+12015550100", d.lastCode(t))
	if err != nil || got.Status != provider.CodeApproved {
		t.Errorf("check in a later run = %+v, %v; want approved", got, err)
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestQuestionsDoNotRewriteTheRecords(t *testing.T) {
	d := newDemo(t)
	duo := d.services.Duo()
	uid, _ := duo.CreateUser(t.Context(), "alice@example.com")
	pid, _ := duo.CreatePhone(t.Context(), "+12015550100", "ios")
	if err := duo.Associate(t.Context(), uid, pid); err != nil {
		t.Fatal(err)
	}
	before := d.records(t)
	duo.FindUser(t.Context(), "alice@example.com")
	duo.FindPhone(t.Context(), "+12015550100")
	duo.Activated(t.Context(), pid)
	duo.CurrentActivation(t.Context(), pid)
	duo.Ready(t.Context(), "alice@example.com", pid)
	d.services.Registrar().MobileMethod(t.Context(), "alice@example.com")
	d.services.Notifier("support@example.com").Sent(t.Context(), "n1")
	if changed := before.replacedBy(d.records(t)); len(changed) > 0 {
		t.Errorf("a read-only question replaced or added demo services files: %v", changed)
	}
}

// enrolledPhone makes a Duo user's phone for number with a pending activation.
func (d demo) enrolledPhone(t *testing.T, username, number string) (string, provider.Activation) {
	t.Helper()
	duo := d.services.Duo()
	uid, err := duo.FindUser(t.Context(), username)
	if err != nil {
		uid, err = duo.CreateUser(t.Context(), username)
	}
	if err != nil {
		t.Fatal(err)
	}
	pid, err := duo.CreatePhone(t.Context(), number, "ios")
	if err != nil {
		t.Fatal(err)
	}
	if err := duo.Associate(t.Context(), uid, pid); err != nil {
		t.Fatal(err)
	}
	act, err := duo.NewActivation(t.Context(), pid)
	if err != nil {
		t.Fatal(err)
	}
	return pid, act
}

func (d demo) codeFor(t *testing.T, link string, steps int) string {
	t.Helper()
	key, err := otp.NewKeyFromURL(link)
	if err != nil {
		t.Fatal(err)
	}
	c, err := totp.GenerateCode(key.Secret(), d.clock.Now().Add(time.Duration(steps)*30*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var shortURI = regexp.MustCompile(`^otpauth://totp/Example%20MSP\?secret=[A-Z2-7]{26}$`)

// TestActivationURIIsShort: the organisation as the label, a 128-bit secret and no
// parameter an app would assume anyway, so the QR code stays small; apps read it as
// SHA1, 6 digits, 30 s.
func TestActivationURIIsShort(t *testing.T) {
	d := newDemo(t)
	_, act := d.enrolledPhone(t, "alice@example.com", "+12015550100")
	if !shortURI.MatchString(act.Link) {
		t.Fatalf("activation link %q; want otpauth://totp/Example%%20MSP?secret=<26 base32 characters>", act.Link)
	}
	key, err := otp.NewKeyFromURL(act.Link)
	if err != nil {
		t.Fatal(err)
	}
	if key.AccountName() != "Example MSP" || key.Period() != 30 || key.Digits() != otp.DigitsSix || key.Algorithm() != otp.AlgorithmSHA1 {
		t.Errorf("the entry reads as %q, %d s, %d digits, %s; want Example MSP, 30 s, 6 digits, SHA1", key.AccountName(), key.Period(), key.Digits(), key.Algorithm())
	}
}

func TestTOTPURIKeepsTheLabelWhole(t *testing.T) {
	key, err := otp.NewKeyFromURL(totpURI("Acme: IT & Co", "JBSWY3DPEHPK3PXP"))
	if err != nil {
		t.Fatal(err)
	}
	if key.Issuer() != "" || key.AccountName() != "Acme  IT & Co" || key.Secret() != "JBSWY3DPEHPK3PXP" {
		t.Errorf("entry %q / %q / %q; want the organisation whole as the account name", key.Issuer(), key.AccountName(), key.Secret())
	}
}

func TestCurrentActivationIsTheEntryShownUntilItExpires(t *testing.T) {
	d := newDemo(t)
	pid, act := d.enrolledPhone(t, "alice@example.com", "+12015550100")
	// A later run: a new Services on the same records file.
	again := NewServices(d.services.path, d.services.opts, outbox.New(d.outbox, nil), d.clock).Duo()
	cur, ok, err := again.CurrentActivation(t.Context(), pid)
	if err != nil || !ok || cur.Link != act.Link || !cur.ExpiresAt.Equal(act.ExpiresAt) || !cur.NeedsCode {
		t.Fatalf("CurrentActivation = %+v, %v, %v; want the activation shown, %+v", cur, ok, err, act)
	}
	if err := again.ConfirmActivation(t.Context(), pid, d.codeFor(t, cur.Link, 0)); err != nil {
		t.Errorf("the code of the entry shown again was refused: %v", err)
	}

	pid2, _ := d.enrolledPhone(t, "bob@example.com", "+12015550101")
	texted, err := again.SendActivation(t.Context(), pid2)
	if err != nil {
		t.Fatal(err)
	}
	if cur, ok, _ := again.CurrentActivation(t.Context(), pid2); !ok || cur.Link != texted.Link {
		t.Errorf("CurrentActivation after texting = %q, %v; want the texted entry %q", cur.Link, ok, texted.Link)
	}
	d.clock.Advance(d.services.opts.ActivationValid + time.Second)
	if _, ok, err := again.CurrentActivation(t.Context(), pid2); ok || err != nil {
		t.Errorf("CurrentActivation after expiry = %v, %v; want none", ok, err)
	}
	if _, _, err := again.CurrentActivation(t.Context(), "DP-none"); !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("CurrentActivation of an unknown phone = %v; want ErrNotFound", err)
	}
}

// TestPushGoesOnlyToTheGivenPhone is the reset-and-new-number case: the user still
// has the old phone, activated; the push goes to the new one and only its entry
// approves it.
func TestPushGoesOnlyToTheGivenPhone(t *testing.T) {
	d := newDemo(t)
	duo := d.services.Duo()
	old, oldAct := d.enrolledPhone(t, "alice@example.com", "+12015550100")
	if err := duo.ConfirmActivation(t.Context(), old, d.codeFor(t, oldAct.Link, 0)); err != nil {
		t.Fatal(err)
	}
	pid, act := d.enrolledPhone(t, "alice@example.com", "+12015550199")
	if ok, _, _ := duo.Ready(t.Context(), "alice@example.com", pid); ok {
		t.Error("Ready for the new phone before it is activated; the old phone's activation does not count")
	}
	if err := duo.ConfirmActivation(t.Context(), pid, d.codeFor(t, act.Link, 0)); err != nil {
		t.Fatal(err)
	}
	if ok, reason, err := duo.Ready(t.Context(), "alice@example.com", pid); !ok || err != nil {
		t.Fatalf("Ready = %v (%s), %v", ok, reason, err)
	}
	push, err := duo.Push(t.Context(), "alice@example.com", pid)
	if err != nil {
		t.Fatal(err)
	}
	msgs, _ := outbox.Read(d.outbox)
	if last := msgs[len(msgs)-1]; last.Channel != "push" || last.To != "+12015550199" {
		t.Errorf("the push went to %+v; want the new phone +12015550199", last)
	}
	if err := duo.ApproveWithCode(t.Context(), push.ID, d.codeFor(t, oldAct.Link, 1)); !errors.Is(err, provider.ErrWrongCode) {
		t.Errorf("the old phone's code on the new phone's push = %v; want ErrWrongCode", err)
	}
	if err := duo.ApproveWithCode(t.Context(), push.ID, d.codeFor(t, act.Link, 1)); err != nil {
		t.Errorf("the new phone's code was refused: %v", err)
	}

	other, _ := d.enrolledPhone(t, "bob@example.com", "+12015550177")
	if ok, reason, _ := duo.Ready(t.Context(), "alice@example.com", other); ok || reason == nil || !strings.Contains(reason.Error(), "not one of this user's Duo phones") {
		t.Errorf("Ready for another user's phone = %v, %q", ok, reason)
	}
	if _, err := duo.Push(t.Context(), "alice@example.com", other); !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("a push to another user's phone = %v; want ErrNotFound", err)
	}
}
