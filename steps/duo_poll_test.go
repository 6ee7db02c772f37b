package steps

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// pollingDuo behaves like real Duo: it learns of activation itself (after the
// person scans, modelled as `scansAfter` polls), and its pushes are answered on the
// phone, so the steps poll instead of asking for codes.
type pollingDuo struct {
	provider.Set
	h           *harness
	activations []provider.Activation
	texted      int
	polls       int
	scansAfter  int
	// activeLink is the only link that still works: a new activation voids the old.
	activeLink string
	activated  bool
	pushResult provider.PushResult
	pushed     int
	// pushedTo is the device each push named.
	pushedTo []string
}

func (d *pollingDuo) Enroller() (provider.Enroller, error) { return d, nil }
func (d *pollingDuo) Pusher() (provider.Pusher, error)     { return d, nil }

func (d *pollingDuo) FindUser(context.Context, string) (string, error)   { return "DU1", nil }
func (d *pollingDuo) CreateUser(context.Context, string) (string, error) { return "DU1", nil }
func (d *pollingDuo) FindPhone(context.Context, string) (string, error)  { return "DP1", nil }
func (d *pollingDuo) CreatePhone(context.Context, string, string) (string, error) {
	return "DP1", nil
}
func (d *pollingDuo) Associate(context.Context, string, string) error { return nil }
func (d *pollingDuo) NewActivation(context.Context, string) (provider.Activation, error) {
	a := provider.Activation{Link: fmt.Sprintf("https://m-test.duosecurity.com/iphone/act%d", len(d.activations)), ExpiresAt: d.h.clock.Now().Add(10 * time.Minute)}
	d.activations = append(d.activations, a)
	d.activeLink = a.Link
	return a, nil
}

// CurrentActivation is real Duo's: a link is never shown twice.
func (d *pollingDuo) CurrentActivation(context.Context, string) (provider.Activation, bool, error) {
	return provider.Activation{}, false, nil
}
func (d *pollingDuo) SendActivation(ctx context.Context, id string) (provider.Activation, error) {
	d.texted++
	return d.NewActivation(ctx, id)
}
func (d *pollingDuo) Activated(context.Context, string) (bool, error) {
	d.polls++
	if d.scansAfter > 0 && d.polls >= d.scansAfter {
		d.activated = true
	}
	return d.activated, nil
}
func (d *pollingDuo) ConfirmActivation(context.Context, string, string) error {
	return fmt.Errorf("not used by real Duo")
}
func (d *pollingDuo) Ready(_ context.Context, _, device string) (bool, error, error) {
	if d.activated && device == "DP1" {
		return true, nil, nil
	}
	return false, fmt.Errorf("phone %s is not ready", device), nil
}
func (d *pollingDuo) Push(_ context.Context, _, device string) (provider.Push, error) {
	d.pushed++
	d.pushedTo = append(d.pushedTo, device)
	return provider.Push{ID: fmt.Sprintf("TX%d", d.pushed)}, nil
}
func (d *pollingDuo) Status(context.Context, string) (provider.PushStatus, error) {
	return provider.PushStatus{Result: d.pushResult}, nil
}
func (d *pollingDuo) ApproveWithCode(context.Context, string, string) error {
	return fmt.Errorf("not used by real Duo")
}

func pollingHarness(t *testing.T, scansAfter int) (*harness, *pollingDuo) {
	h := duoHarness(t)
	d := &pollingDuo{Set: h.env.Providers, h: h, scansAfter: scansAfter, pushResult: provider.PushAllowed}
	h.env.Providers = d
	return h, d
}

func TestDuoEnrollPollsUntilDuoSeesTheActivation(t *testing.T) {
	h, d := pollingHarness(t, 4)
	start := h.clock.Now()
	h.mustRun(DuoEnroll{}, answer(KeyDuoEnrollHow, howScan))
	if !strings.Contains(h.out.String(), "Link: https://m-test.duosecurity.com/iphone/act0") {
		t.Errorf("the activation link is not shown:\n%s", h.out)
	}
	if waited := h.clock.Now().Sub(start); waited > time.Minute {
		t.Errorf("waited %s for 4 polls; the back-off is too slow", waited)
	}
	if len(d.activations) != 1 {
		t.Errorf("%d activations; want 1", len(d.activations))
	}
}

func TestDuoEnrollExpiredActivationIsReplacedNeverReused(t *testing.T) {
	h, d := pollingHarness(t, 0)
	// Nobody scans the first code; the person asks for a new one at the second.
	err := h.run(DuoEnroll{}, answer(KeyDuoEnrollHow, howScan), ctrlC(KeyDuoEnrollHow))
	if err == nil {
		t.Fatal("want the run stopped at the second question")
	}
	if len(d.activations) != 2 || d.activations[0].Link == d.activations[1].Link {
		t.Errorf("activations %+v; an expired activation must be replaced by a new link", d.activations)
	}
	if !strings.Contains(h.out.String(), "That activation has expired; here is a new one.") {
		t.Errorf("expiry not explained:\n%s", h.out)
	}
	if d.polls > 100 {
		t.Errorf("%d polls in 10 minutes; the back-off must be capped, not a tight loop", d.polls)
	}
}

func TestDuoEnrollCanTextTheLink(t *testing.T) {
	h, d := pollingHarness(t, 2)
	h.mustRun(DuoEnroll{}, answer(KeyDuoEnrollHow, howText))
	if d.texted != 1 {
		t.Errorf("texted %d times; want 1", d.texted)
	}
}

func TestDuoTestPollsThePush(t *testing.T) {
	for _, tt := range []struct {
		result  provider.PushResult
		wantErr bool
		says    string
	}{
		{provider.PushAllowed, false, "The push was approved"},
		{provider.PushDenied, true, "The push was denied"},
		{provider.PushTimeout, true, "Nobody answered the push in time"},
	} {
		t.Run(string(tt.result), func(t *testing.T) {
			h, d := pollingHarness(t, 1)
			d.activated, d.pushResult = true, tt.result
			h.env.State.Duo = enrolledRecord(h)
			var err error
			if tt.wantErr {
				err = h.run(DuoTest{}, answer(KeyDuoTestRetry, "no"))
			} else {
				err = h.run(DuoTest{})
			}
			if (err != nil) != tt.wantErr || !strings.Contains(h.out.String(), tt.says) {
				t.Errorf("err = %v; screen:\n%s", err, h.out)
			}
		})
	}
}

// The sentences that tell a person an activation from an earlier run is void.
const (
	voidShown  = "The activation code shown at "
	voidTexted = "The activation link texted to +1 ***-***-0100 at "
	deleteOld  = "no longer works: here is a new code. If Duo Mobile already lists an account from it, delete that account in Duo Mobile"
)

// warnedBeforeNewCode checks the screen says text before it shows the new link.
func warnedBeforeNewCode(t *testing.T, h *harness, text string) {
	t.Helper()
	out := h.out.String()
	at, link := strings.Index(out, text), strings.Index(out, "Link: ")
	if at < 0 || link < 0 || at > link || !strings.Contains(out[:link], deleteOld) {
		t.Errorf("the screen does not say %q and %q before the new code:\n%s", text, deleteOld, out)
	}
}

func TestDuoEnrollResumeSaysTheShownCodeNoLongerWorks(t *testing.T) {
	h, d := pollingHarness(t, 0)
	if err := h.run(DuoEnroll{}, ctrlC(KeyDuoEnrollHow)); err == nil {
		t.Fatal("Ctrl-C did not stop the step")
	}
	h.out.Reset()
	h.clock.Advance(time.Minute)
	if err := h.run(DuoEnroll{}, ctrlC(KeyDuoEnrollHow)); err == nil {
		t.Fatal("Ctrl-C did not stop the step")
	}
	warnedBeforeNewCode(t, h, voidShown)
	if len(d.activations) != 2 {
		t.Errorf("%d activations; want a new one, as Duo cannot show a link twice", len(d.activations))
	}
}

func TestDuoEnrollAfterTheLinkWasTextedSaysItNoLongerWorks(t *testing.T) {
	h, d := pollingHarness(t, 0)
	h.env.Interactive = false
	if err := h.run(DuoEnroll{}); err == nil {
		t.Fatal("the run without a person did not wait for the activation")
	}
	if d.texted != 1 {
		t.Fatalf("texted %d times; want 1", d.texted)
	}
	h.env.Interactive = true
	h.out.Reset()
	if err := h.run(DuoEnroll{}, ctrlC(KeyDuoEnrollHow)); err == nil {
		t.Fatal("Ctrl-C did not stop the step")
	}
	warnedBeforeNewCode(t, h, voidTexted)
}

func TestDuoEnrollAfterAnExpiredCodeSaysNothingOfIt(t *testing.T) {
	h, _ := pollingHarness(t, 0)
	if err := h.run(DuoEnroll{}, ctrlC(KeyDuoEnrollHow)); err == nil {
		t.Fatal("Ctrl-C did not stop the step")
	}
	h.out.Reset()
	h.clock.Advance(time.Hour)
	if err := h.run(DuoEnroll{}, ctrlC(KeyDuoEnrollHow)); err == nil {
		t.Fatal("Ctrl-C did not stop the step")
	}
	if strings.Contains(h.out.String(), "no longer works") {
		t.Errorf("an activation that expired anyway is called void:\n%s", h.out)
	}
}

// enrolledRecord is what duo-enroll leaves for duo-test: the activated phone DP1.
func enrolledRecord(h *harness) *state.DuoRecord {
	return &state.DuoRecord{UserID: "DU1", PhoneID: "DP1", Associated: true, ActivatedAt: h.clock.Now()}
}

func TestDuoTestPushesThePhoneEnrolled(t *testing.T) {
	h, d := pollingHarness(t, 1)
	d.activated = true
	h.env.State.Duo = enrolledRecord(h)
	h.mustRun(DuoTest{})
	if len(d.pushedTo) != 1 || d.pushedTo[0] != "DP1" {
		t.Errorf("pushes went to %v; want one to the phone enrolled, DP1", d.pushedTo)
	}
}

func TestDuoTestWithoutAnEnrolledPhoneSendsNothing(t *testing.T) {
	h, d := pollingHarness(t, 1)
	d.activated = true
	err := h.run(DuoTest{})
	if err == nil || !strings.Contains(err.Error(), "finish the duo-enroll step first") || d.pushed != 0 {
		t.Errorf("err = %v after %d pushes; want none sent, pointing at duo-enroll", err, d.pushed)
	}
}
