package fake

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

// activePhone is a Duo user's phone, activated with the demo entry; code gives the
// entry's code `steps` 30-second steps from now.
func (d demo) activePhone(t *testing.T) (pid string, code func(steps int) string) {
	t.Helper()
	pid, act := d.enrolledPhone(t, "alice@example.com", "+12015550100")
	if err := d.services.Duo().ConfirmActivation(t.Context(), pid, d.codeFor(t, act.Link, 0)); err != nil {
		t.Fatal(err)
	}
	return pid, func(steps int) string { return d.codeFor(t, act.Link, steps) }
}

// later is the demo services as a later run of the program sees them.
func (d demo) later() *Services {
	return NewServices(d.services.path, d.services.opts, outbox.New(d.outbox, nil), d.clock)
}

// TestPushCapHoldsAcrossRuns: the demo service keeps its push times in its records,
// as a vendor would on its side, so a later run cannot get past the cap.
func TestPushCapHoldsAcrossRuns(t *testing.T) {
	d := newDemo(t)
	pid, _ := d.activePhone(t)
	for i := range 3 {
		if _, err := d.later().Duo().Push(t.Context(), "alice@example.com", pid); err != nil {
			t.Fatalf("push %d: %v", i+1, err)
		}
	}
	_, err := d.later().Duo().Push(t.Context(), "ALICE@example.com", pid)
	if !errors.Is(err, provider.ErrRateLimited) || !strings.Contains(err.Error(), "3 test pushes in the last 5 minutes") {
		t.Fatalf("fourth push in a later run = %v; want ErrRateLimited saying the window in words", err)
	}
	d.clock.Advance(5 * time.Minute)
	if _, err := d.later().Duo().Push(t.Context(), "alice@example.com", pid); err != nil {
		t.Errorf("push once the first is 5 minutes old: %v", err)
	}
}

// TestPushStatusIsAQuestion: Status is asked by polling loops and by every resumed
// run; it never rewrites the records, and a push that timed out says so in any run.
func TestPushStatusIsAQuestion(t *testing.T) {
	d := newDemo(t)
	pid, _ := d.activePhone(t)
	push, err := d.services.Duo().Push(t.Context(), "alice@example.com", pid)
	if err != nil {
		t.Fatal(err)
	}
	// Compared by content: a file replaced by rename can get the old one's inode back.
	before := d.records(t).String()
	if st, err := d.services.Duo().Status(t.Context(), push.ID); err != nil || st.Result != provider.PushWaiting {
		t.Errorf("Status = %+v, %v; want waiting", st, err)
	}
	d.clock.Advance(d.services.opts.PushValid + time.Second)
	if st, err := d.services.Duo().Status(t.Context(), push.ID); err != nil || st.Result != provider.PushTimeout {
		t.Errorf("Status after %s = %+v, %v; want timeout", d.services.opts.PushValid, st, err)
	}
	if after := d.records(t).String(); after != before {
		t.Errorf("Status rewrote the demo services records:\n%s\nwas\n%s", after, before)
	}
	if st, err := d.later().Duo().Status(t.Context(), push.ID); err != nil || st.Result != provider.PushTimeout {
		t.Errorf("Status in a later run = %+v, %v; want timeout", st, err)
	}
	if _, err := d.services.Duo().Status(t.Context(), "TX99999999"); !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("Status of an unknown push = %v; want ErrNotFound", err)
	}
}

// TestApprovedPushStaysApproved: a run that stopped after the code was accepted
// learns in a later run that the push was approved, and the code cannot approve it
// twice.
func TestApprovedPushStaysApproved(t *testing.T) {
	d := newDemo(t)
	pid, code := d.activePhone(t)
	push, err := d.services.Duo().Push(t.Context(), "alice@example.com", pid)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.services.Duo().ApproveWithCode(t.Context(), push.ID, code(1)); err != nil {
		t.Fatal(err)
	}
	d.clock.Advance(d.services.opts.PushValid + time.Second)
	if st, err := d.later().Duo().Status(t.Context(), push.ID); err != nil || st.Result != provider.PushAllowed {
		t.Errorf("Status in a later run = %+v, %v; want allowed, even after the push's time", st, err)
	}
	if err := d.later().Duo().ApproveWithCode(t.Context(), push.ID, code(1)); err == nil {
		t.Error("an approved push was approved again")
	}
}
