package steps

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
	"github.com/mfa-onboard/mfa-onboard/internal/prompt"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/fake"
	"github.com/mfa-onboard/mfa-onboard/internal/screen"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// pushRuns is one person's runs of duo-test after duo-enroll, each run a new process
// as `mfa-onboard start` is: a new Env, new demo services on the same records file,
// and the state as the last run saved it to disk.
type pushRuns struct {
	h     *harness
	app   *authenticator
	store state.Store
	// wrap, when set, stands between each run and its demo services.
	wrap func(provider.Set) provider.Set
	// last is the last run's state, as that run left it in memory.
	last *state.State
}

func newPushRuns(t *testing.T) *pushRuns {
	t.Helper()
	h := duoHarness(t)
	app := &authenticator{h: h}
	h.mustRun(DuoEnroll{}, answerWith(KeyDuoEnrollCode, app.code(0)))
	r := &pushRuns{h: h, app: app, store: state.NewFiles(t.TempDir())}
	if err := r.store.Save(h.env.State); err != nil {
		t.Fatal(err)
	}
	return r
}

func (r *pushRuns) env(p prompt.Prompter, interactive bool) *Env {
	r.h.t.Helper()
	st, err := r.store.Load(r.h.env.State.User)
	if err != nil {
		r.h.t.Fatal(err)
	}
	cfg := r.h.env.Config
	services := fake.NewServices(filepath.Join(filepath.Dir(r.h.outbox), "demo-services.json"), fake.OptionsFrom(cfg), outbox.New(r.h.outbox, nil), r.h.clock)
	set := services.Set(cfg.Support.Email)
	if r.wrap != nil {
		set = r.wrap(set)
	}
	r.last = st
	return &Env{
		State:       st,
		Save:        func() error { return r.store.Save(st) },
		Prompt:      p,
		Screen:      screen.New(r.h.out, screen.Options{}),
		Providers:   set,
		Config:      cfg,
		Clock:       r.h.clock,
		Interactive: interactive,
		Computer:    "test-pc",
	}
}

// run runs the step, then saves, as the wizard does whatever the step did.
func (r *pushRuns) run(p prompt.Prompter, interactive bool) error {
	r.h.t.Helper()
	env := r.env(p, interactive)
	err := DuoTest{}.Run(context.Background(), env)
	if serr := env.Save(); serr != nil {
		r.h.t.Fatal(serr)
	}
	return err
}

// with is a run with a person answering script.
func (r *pushRuns) with(script ...prompt.Step) error {
	r.h.t.Helper()
	p := prompt.NewScripted(script...)
	err := r.run(p, true)
	if left := p.Remaining(); err == nil && len(left) > 0 {
		r.h.t.Errorf("duo-test finished but these scripted questions were never asked: %v", left)
	}
	return err
}

// without is a run with no person, given answers (an answers file).
func (r *pushRuns) without(answers map[string]string) error {
	r.h.t.Helper()
	return r.run(prompt.NewAnswers(answers), false)
}

func (r *pushRuns) pushes() int { return len(r.h.messages("push")) }

// waits checks err ends the run as waiting on the person (exit code 3), not as a
// failure or an interruption, with a reason saying each of says.
func waits(t *testing.T, run int, err error, says ...string) {
	t.Helper()
	var w interface{ Waiting() string }
	if !errors.As(err, &w) || errors.Is(err, prompt.ErrInterrupted) {
		t.Fatalf("run %d: err = %v; want the run to wait on the person (exit 3)", run, err)
	}
	for _, s := range says {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("run %d: %q does not say %q", run, err, s)
		}
	}
}

var retryYes = map[string]string{KeyDuoTestRetry: "yes"}

// TestDuoTestCapHoldsAcrossRuns: six pipeline runs a minute apart, each allowed to send
// another push (duo-test.retry: yes) after the last one went unanswered. At most 3
// pushes go out in any 5 minutes; the runs in between wait, saying when the next may
// be sent, and once the first push is 5 minutes old another may go.
func TestDuoTestCapHoldsAcrossRuns(t *testing.T) {
	r := newPushRuns(t)
	var perRun []int
	for run := 1; run <= 6; run++ {
		before := r.pushes()
		err := r.without(retryYes)
		perRun = append(perRun, r.pushes()-before)
		switch run {
		case 4, 5:
			waits(t, run, err, "too many test pushes for now", "3 were sent in the last 5 minutes", "or later")
			if !errors.Is(err, provider.ErrRateLimited) {
				t.Errorf("run %d: %v is not ErrRateLimited", run, err)
			}
		default:
			// Each push waits for its demo code, which nobody gives.
			waits(t, run, err, KeyDuoTestCode)
		}
		r.h.clock.Advance(61 * time.Second)
	}
	if want := []int{1, 1, 1, 0, 0, 1}; !slices.Equal(perRun, want) {
		t.Errorf("pushes per run = %v; want %v (3 in 5 minutes, then one once the first is 5 minutes old)", perRun, want)
	}
	if n := len(r.last.DuoTest.PushTimes); n > 3 {
		t.Errorf("the state keeps %d push times; only those of the last 5 minutes count", n)
	}
}

// forgetfulDuo is real Duo as each new process sees it: a new client with no memory
// of the pushes earlier runs sent, and pushes nobody answers.
type forgetfulDuo struct {
	provider.Set
	sent *int
}

func (d forgetfulDuo) Pusher() (provider.Pusher, error) { return d, nil }
func (d forgetfulDuo) Ready(context.Context, string, string) (bool, error, error) {
	return true, nil, nil
}
func (d forgetfulDuo) Push(context.Context, string, string) (provider.Push, error) {
	*d.sent++
	return provider.Push{ID: fmt.Sprintf("TX%d", *d.sent)}, nil
}
func (d forgetfulDuo) Status(context.Context, string) (provider.PushStatus, error) {
	return provider.PushStatus{Result: provider.PushTimeout}, nil
}
func (d forgetfulDuo) ApproveWithCode(context.Context, string, string) error {
	return errors.New("not used by real Duo")
}

// TestDuoTestCapHoldsForAPusherThatForgets: the cap is the step's, from the state,
// so it holds even when every run's Pusher starts with no memory, as a new process's
// real Duo client does.
func TestDuoTestCapHoldsForAPusherThatForgets(t *testing.T) {
	r := newPushRuns(t)
	sent := 0
	r.wrap = func(s provider.Set) provider.Set { return forgetfulDuo{Set: s, sent: &sent} }
	for run := 1; run <= 6; run++ {
		err := r.without(retryYes)
		waits(t, run, err)
		r.h.clock.Advance(10 * time.Second)
	}
	if sent != 3 {
		t.Errorf("six runs sent %d pushes; want 3, the most in 5 minutes", sent)
	}
}

// handset answers the pushes of the demo Duo on the phone, as a person does with real
// Duo: the step then asks the service for the answer instead of asking for a code.
type handset struct {
	// answers is the answer to each push, in the order sent; past its end, approval.
	answers []provider.PushStatus
	ids     map[string]int
	// onPush runs as each push goes out.
	onPush func()
}

func (p *handset) wrap(s provider.Set) provider.Set {
	if p.ids == nil {
		p.ids = map[string]int{}
	}
	return phoneSet{Set: s, p: p}
}

type phoneSet struct {
	provider.Set
	p *handset
}

func (s phoneSet) Pusher() (provider.Pusher, error) {
	inner, err := s.Set.Pusher()
	return phonePusher{Pusher: inner, p: s.p}, err
}

type phonePusher struct {
	provider.Pusher
	p *handset
}

func (pp phonePusher) Push(ctx context.Context, username, deviceID string) (provider.Push, error) {
	push, err := pp.Pusher.Push(ctx, username, deviceID)
	if err != nil {
		return push, err
	}
	if pp.p.onPush != nil {
		pp.p.onPush()
	}
	pp.p.ids[push.ID] = len(pp.p.ids)
	push.NeedsCode = false
	return push, nil
}

func (pp phonePusher) Status(ctx context.Context, id string) (provider.PushStatus, error) {
	i, ok := pp.p.ids[id]
	if !ok {
		return pp.Pusher.Status(ctx, id)
	}
	if i < len(pp.p.answers) {
		return pp.p.answers[i], nil
	}
	return provider.PushStatus{Result: provider.PushAllowed}, nil
}

var denied = provider.PushStatus{Result: provider.PushDenied, Message: "Login request denied."}

// TestDuoTestDeniedIsNotPushedAgainUnasked: a denied push ends the run waiting with
// a plain reason; later runs send nothing until the person asks, in a terminal or
// with duo-test.retry: yes.
func TestDuoTestDeniedIsNotPushedAgainUnasked(t *testing.T) {
	r := newPushRuns(t)
	ph := &handset{answers: []provider.PushStatus{denied}}
	r.wrap = ph.wrap

	err := r.without(nil)
	waits(t, 1, err, "the test push was denied", `give "duo-test.retry: yes" in the answers file`)
	if got := r.last.DuoTest; got.Outcome != outcomeDenied || got.OutcomeAt.IsZero() || got.PushID != "" {
		t.Errorf("record = %+v; want the denial and its time kept, and no push waiting", got)
	}
	if !strings.Contains(r.h.out.String(), "The push was denied.") || !strings.Contains(r.h.out.String(), "Duo says: Login request denied.") {
		t.Errorf("the denial is not said:\n%s", r.h.out)
	}

	r.h.clock.Advance(time.Minute)
	waits(t, 2, r.without(nil), "the test push was denied", KeyDuoTestRetry)
	r.h.out.Reset()
	waits(t, 3, r.with(answer(KeyDuoTestRetry, "no")), "no other was sent")
	if !strings.Contains(r.h.out.String(), "was denied, so no other is sent unless you ask for one") {
		t.Errorf("the resumed run does not say why it sends nothing:\n%s", r.h.out)
	}
	if n := r.pushes(); n != 1 {
		t.Fatalf("%d pushes after runs that did not ask for another; want the first only", n)
	}

	if err := r.without(retryYes); err != nil {
		t.Fatalf("run 4, asking for another push: %v", err)
	}
	if n := r.pushes(); n != 2 || r.last.DuoTest.ApprovedAt.IsZero() {
		t.Errorf("%d pushes, approved %v; want the one asked for sent and approved", n, r.last.DuoTest.ApprovedAt)
	}
}

// TestDuoTestDeniedInATerminalAsksFirst: in a terminal the person is asked at once;
// the question takes no for an answer by default, and a no waits, never fails.
func TestDuoTestDeniedInATerminalAsksFirst(t *testing.T) {
	r := newPushRuns(t)
	r.wrap = (&handset{answers: []provider.PushStatus{denied, {Result: provider.PushDenied, Message: "The person reported this push as fraud in Duo Mobile; Duo may notify its administrators."}}}).wrap
	waits(t, 1, r.with(answer(KeyDuoTestRetry, "yes"), answer(KeyDuoTestRetry, "no")), "the test push was denied and no other was sent")
	if n := r.pushes(); n != 2 {
		t.Errorf("%d pushes; want the first and the one asked for", n)
	}
	if !strings.Contains(r.h.out.String(), "Duo says: The person reported this push as fraud") {
		t.Errorf("the fraud report is not said:\n%s", r.h.out)
	}
	p := prompt.NewScripted(prompt.Step{Key: KeyDuoTestRetry, Func: func() string { return "no" }})
	var asked prompt.Question
	err := DuoTest{}.Run(context.Background(), r.env(questionSpy{Prompter: p, q: &asked}, true))
	waits(t, 2, err)
	if asked.Message != "Send another test push?" || asked.Default != "no" {
		t.Errorf("after a denial the question is %+v; want %q with no as its default", asked, "Send another test push?")
	}
}

// questionSpy keeps the last yes/no question asked.
type questionSpy struct {
	prompt.Prompter
	q *prompt.Question
}

func (s questionSpy) Confirm(ctx context.Context, q prompt.Question) (bool, error) {
	*s.q = q
	return s.Prompter.Confirm(ctx, q)
}

// TestDuoTestTimedOutIsAskedAboutToo: a push nobody answered in an earlier run is not
// followed by another unasked either.
func TestDuoTestTimedOutIsAskedAboutToo(t *testing.T) {
	r := newPushRuns(t)
	waits(t, 1, r.without(nil), KeyDuoTestCode)
	r.h.clock.Advance(2 * time.Minute)
	waits(t, 2, r.without(map[string]string{KeyDuoTestCode: "123456"}), "nobody answered the test push in time", KeyDuoTestRetry)
	if n := r.pushes(); n != 1 {
		t.Fatalf("%d pushes; want none after the unanswered one without asking", n)
	}
	if got := r.last.DuoTest; got.Outcome != outcomeTimeout || got.OutcomeAt.IsZero() {
		t.Errorf("record = %+v; want the timeout and its time kept", got)
	}
	if err := r.with(answer(KeyDuoTestRetry, "yes"), answerWith(KeyDuoTestCode, r.app.code(1))); err != nil {
		t.Fatalf("run 3: %v\n%s", err, r.h.out)
	}
	if n := r.pushes(); n != 2 {
		t.Errorf("%d pushes; want 2", n)
	}
}

// TestDuoTestApprovedIsNeverPushedAgain: with the approval saved and the step not
// marked done, the next run is done at once and asks Duo nothing.
func TestDuoTestApprovedIsNeverPushedAgain(t *testing.T) {
	r := newPushRuns(t)
	if err := r.with(answerWith(KeyDuoTestCode, r.app.code(1))); err != nil {
		t.Fatal(err)
	}
	r.wrap = func(s provider.Set) provider.Set { return noPusher{Set: s, t: t} }
	r.h.clock.Advance(time.Minute)
	if err := r.with(); err != nil {
		t.Fatalf("resumed after approval: %v", err)
	}
	if n := r.pushes(); n != 1 {
		t.Errorf("%d pushes; want the approved one only", n)
	}
	if !strings.Contains(r.h.out.String(), "The test push was approved at ") {
		t.Errorf("the resumed run does not say the push was approved:\n%s", r.h.out)
	}
}

// noPusher fails the test if the step asks for the Pusher at all.
type noPusher struct {
	provider.Set
	t *testing.T
}

func (s noPusher) Pusher() (provider.Pusher, error) {
	s.t.Error("the step asked for the Duo Pusher after the push was approved")
	return s.Set.Pusher()
}

// TestDuoTestApprovedMeanwhileIsRecorded: the push was approved on the phone, but the
// run stopped before it learned so; the next run asks Duo, records the approval and
// sends nothing.
func TestDuoTestApprovedMeanwhileIsRecorded(t *testing.T) {
	r := newPushRuns(t)
	if err := r.with(ctrlC(KeyDuoTestCode)); !errors.Is(err, prompt.ErrInterrupted) {
		t.Fatalf("Ctrl-C at the code: %v", err)
	}
	pusher, _ := r.h.env.Providers.Pusher()
	if err := pusher.ApproveWithCode(t.Context(), r.last.DuoTest.PushID, r.app.code(1)()); err != nil {
		t.Fatal(err)
	}
	r.h.clock.Advance(time.Minute)
	if err := r.with(); err != nil {
		t.Fatalf("resumed after approval on the phone: %v\n%s", err, r.h.out)
	}
	if r.last.DuoTest.ApprovedAt.IsZero() {
		t.Error("the approval was not recorded")
	}
	if n := r.pushes(); n != 1 {
		t.Errorf("%d pushes; want the approved one only", n)
	}
}

// TestDuoTestWaitingPushIsWaitedFor: a push still waiting is the one a resumed run
// waits for.
func TestDuoTestWaitingPushIsWaitedFor(t *testing.T) {
	r := newPushRuns(t)
	if err := r.with(ctrlC(KeyDuoTestCode)); !errors.Is(err, prompt.ErrInterrupted) {
		t.Fatalf("Ctrl-C at the code: %v", err)
	}
	r.h.clock.Advance(20 * time.Second)
	if err := r.with(answerWith(KeyDuoTestCode, r.app.code(1))); err != nil {
		t.Fatal(err)
	}
	if n := r.pushes(); n != 1 || !strings.Contains(r.h.out.String(), "is still waiting for an answer") {
		t.Errorf("%d pushes; want the first one waited for:\n%s", n, r.h.out)
	}
}

// TestDuoTestStoppedWhileSendingAsksBeforeAnother: a run killed while the push went
// out, before its id was saved, leaves a push whose answer nobody knows; its time was
// saved before it was sent, and the next run asks before sending another.
func TestDuoTestStoppedWhileSendingAsksBeforeAnother(t *testing.T) {
	r := newPushRuns(t)
	var onDisk *state.State
	ph := &handset{onPush: func() {
		st, err := r.store.Load(r.h.env.State.User)
		if err != nil {
			t.Fatal(err)
		}
		onDisk = st
	}}
	r.wrap = ph.wrap
	if err := r.without(nil); err != nil {
		t.Fatal(err)
	}
	rec := onDisk.DuoTest
	if rec == nil || len(rec.PushTimes) != 1 || !rec.PushTimes[0].Equal(r.h.clock.Now()) {
		t.Fatalf("saved before the push went out: %+v; want its time", rec)
	}
	// Killed there: the next run finds what was on disk then.
	now, err := r.store.Load(onDisk.User)
	if err != nil {
		t.Fatal(err)
	}
	onDisk.Revision = now.Revision
	if err := r.store.Save(onDisk); err != nil {
		t.Fatal(err)
	}
	r.h.clock.Advance(time.Minute)
	waits(t, 2, r.without(nil), "the answer to the test push is not known", KeyDuoTestRetry)
	if n := r.pushes(); n != 1 {
		t.Errorf("%d pushes; want none after the one whose answer is lost", n)
	}
}

// TestDuoTestServiceRateLimitWaits: the service's own cap (the demo's records outlive
// a reset of the person's state) ends the run as waiting, not failed.
func TestDuoTestServiceRateLimitWaits(t *testing.T) {
	r := newPushRuns(t)
	pusher, _ := r.h.env.Providers.Pusher()
	for range 3 {
		if _, err := pusher.Push(t.Context(), r.h.env.State.User, r.h.env.State.Duo.PhoneID); err != nil {
			t.Fatal(err)
		}
	}
	err := r.without(nil)
	waits(t, 1, err, "no test push was sent", "wait a few minutes")
	if !errors.Is(err, provider.ErrRateLimited) {
		t.Errorf("%v is not ErrRateLimited", err)
	}
	if len(r.last.DuoTest.PushTimes) != 1 {
		t.Errorf("push times %v; the refused attempt still counts", r.last.DuoTest.PushTimes)
	}
}

func TestRetryAnswerIsChecked(t *testing.T) {
	for v, ok := range map[string]bool{"yes": true, "no": true, "YES": true, "maybe": false, "": false} {
		if err := CheckAnswer(KeyDuoTestRetry, v, "US"); (err == nil) != ok {
			t.Errorf("CheckAnswer(%q, %q) = %v; want ok %v", KeyDuoTestRetry, v, err, ok)
		}
	}
}

// verifyingDuo is real Duo with Verified Duo Push: each push waits a few polls with
// the number Duo Mobile asks for, then is answered.
type verifyingDuo struct {
	*pollingDuo
	// numbers is each push's number, in the order sent.
	numbers []string
	answers []provider.PushResult
	waits   int
	polls   map[string]int
}

func (d *verifyingDuo) Pusher() (provider.Pusher, error) { return d, nil }

func (d *verifyingDuo) Status(_ context.Context, id string) (provider.PushStatus, error) {
	var n int
	if _, err := fmt.Sscanf(id, "TX%d", &n); err != nil || n < 1 || n > len(d.numbers) {
		return provider.PushStatus{}, fmt.Errorf("no push %s", id)
	}
	d.polls[id]++
	if d.polls[id] <= d.waits {
		return provider.PushStatus{Result: provider.PushWaiting, Message: "Please enter verification code " + d.numbers[n-1] + " into Duo Mobile...", VerifyNumber: d.numbers[n-1]}, nil
	}
	return provider.PushStatus{Result: d.answers[n-1]}, nil
}

// TestDuoTestShowsTheNumberDuoMobileAsksFor: under Verified Duo Push the person must
// type the number shown at sign-in into Duo Mobile; the waiting screen says it, once
// for each push however often Duo is asked, and a new push's new number again.
func TestDuoTestShowsTheNumberDuoMobileAsksFor(t *testing.T) {
	h, d := pollingHarness(t, 1)
	d.activated = true
	h.env.State.Duo = enrolledRecord(h)
	v := &verifyingDuo{pollingDuo: d, numbers: []string{"376", "915"}, answers: []provider.PushResult{provider.PushTimeout, provider.PushAllowed}, waits: 4, polls: map[string]int{}}
	h.env.Providers = v
	h.mustRun(DuoTest{}, answer(KeyDuoTestRetry, "yes"))
	out := h.out.String()
	for _, n := range v.numbers {
		if want := "Duo Mobile will ask for a number: type " + n; strings.Count(out, want) != 1 {
			t.Errorf("the screen says %q %d times; want once:\n%s", want, strings.Count(out, want), out)
		}
	}
	if first, second := strings.Index(out, "type 376"), strings.Index(out, "type 915"); first < 0 || second < first {
		t.Errorf("the numbers are not shown in the order of the pushes:\n%s", out)
	}
}
