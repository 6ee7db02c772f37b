package fake

import (
	"os"
	"path/filepath"
	"regexp"
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
			Enroller: duo, Pusher: duo,
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
	raw := readFile(t, d.services.path)
	if c := d.lastCode(t); regexp.MustCompile(c).MatchString(raw) {
		t.Errorf("the demo services file holds the code %s in clear:\n%s", c, raw)
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
	before, err := os.Stat(d.services.path)
	if err != nil {
		t.Fatal(err)
	}
	duo.FindUser(t.Context(), "alice@example.com")
	duo.FindPhone(t.Context(), "+12015550100")
	duo.Activated(t.Context(), pid)
	duo.Ready(t.Context(), "alice@example.com")
	d.services.Registrar().MobileMethod(t.Context(), "alice@example.com")
	d.services.Notifier("support@example.com").Sent(t.Context(), "n1")
	after, err := os.Stat(d.services.path)
	if err != nil {
		t.Fatal(err)
	}
	if !os.SameFile(before, after) {
		t.Error("a read-only question replaced the demo services file")
	}
}
