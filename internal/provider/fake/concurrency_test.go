package fake

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/config"
	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

// stallingFiles holds the first write made once it is armed until released, as a run
// held up in the middle of a change (a slow disk, a process stopped by a debugger).
type stallingFiles struct {
	files
	armed   atomic.Bool
	stalled chan struct{}
	release chan struct{}
}

func (f *stallingFiles) WriteFile(path string, data []byte) error {
	if f.armed.CompareAndSwap(true, false) {
		close(f.stalled)
		<-f.release
	}
	return f.files.WriteFile(path, data)
}

// patience is how long a test waits for what should happen at once before it calls
// it stuck; it measures nothing.
const patience = 30 * time.Second

// TestPeopleDoNotWaitForEachOther: while a run is held up in the middle of changing
// alice's records, bob's whole journey goes through; alice's change then completes.
func TestPeopleDoNotWaitForEachOther(t *testing.T) {
	dir := t.TempDir()
	screen := &phoneScreen{}
	s := NewServices(filepath.Join(dir, "demo-services.json"), OptionsFrom(config.Default()),
		outbox.New(filepath.Join(dir, "outbox.jsonl"), screen.show), clock.NewFake(scaleStart))
	if _, err := s.Registrar().MobileMethod(t.Context(), "alice@example.com"); err != nil {
		t.Fatal(err)
	}
	stall := &stallingFiles{files: osFiles{}, stalled: make(chan struct{}), release: make(chan struct{})}
	s.files = stall
	stall.armed.Store(true)

	alice := make(chan error, 1)
	go func() {
		_, err := s.Registrar().RegisterMobile(context.Background(), "alice@example.com", "+12015550100")
		alice <- err
	}()
	<-stall.stalled
	bob := make(chan error, 1)
	go func() { bob <- journey(context.Background(), s, screen, 7) }()
	select {
	case err := <-bob:
		if err != nil {
			t.Errorf("bob's journey while alice's change was held up: %v", err)
		}
	case <-time.After(patience):
		t.Errorf("bob's journey waited for alice's change to her own records")
	}
	close(stall.release)
	if err := <-alice; err != nil {
		t.Fatal(err)
	}
	if got, err := s.Registrar().MobileMethod(t.Context(), "alice@example.com"); err != nil || got != "+12015550100" {
		t.Errorf("alice's mobile after her change completed = %q, %v", got, err)
	}
}

// oneNumber is alice's demo: her user and an activated phone, in a folder runs share.
func oneNumber(t *testing.T, dir string) (s *Services, phoneID string) {
	t.Helper()
	s = sharedServices(dir)
	duo := s.Duo()
	uid, err := duo.CreateUser(t.Context(), "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	pid, err := duo.CreatePhone(t.Context(), "+12015550100", "ios")
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
	if err := duo.ConfirmActivation(t.Context(), pid, totpAt(t, strings.TrimPrefix(act.Link, "otpauth://totp/Example%20MSP?secret="), scaleStart)); err != nil {
		t.Fatal(err)
	}
	return s, pid
}

// sharedServices are the demo services of the folder in dir as one run opens them.
func sharedServices(dir string) *Services {
	return NewServices(filepath.Join(dir, "demo-services.json"), OptionsFrom(config.Default()),
		outbox.New(filepath.Join(dir, "outbox.jsonl"), nil), clock.NewFake(scaleStart))
}

// TestOnePersonsRecordsChangeOneRunAtATime: many runs at once on one person's records
// (each its own Services, as separate runs in one batch) lose no change: the push cap
// lets exactly three through, every wrong code counts, every new phone gets its own id.
func TestOnePersonsRecordsChangeOneRunAtATime(t *testing.T) {
	dir := t.TempDir()
	_, pid := oneNumber(t, dir)
	const runs = 12
	var wg sync.WaitGroup
	pushes := make([]error, runs)
	checks := make([]provider.CodeCheck, runs)
	phones := make([]string, runs)
	if _, err := sharedServices(dir).Codes().SendCode(t.Context(), "+12015550199"); err != nil {
		t.Fatal(err)
	}
	for i := range runs {
		wg.Go(func() {
			s := sharedServices(dir)
			ctx := context.Background()
			_, pushes[i] = s.Duo().Push(ctx, "alice@example.com", pid)
			var err error
			if checks[i], err = s.Codes().CheckCode(ctx, "+12015550199", "wrong!"); err != nil {
				t.Error(err)
			}
			if phones[i], err = s.Duo().CreatePhone(ctx, "+12015550177", "ios"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()

	sent := 0
	for _, err := range pushes {
		switch {
		case err == nil:
			sent++
		case !errors.Is(err, provider.ErrRateLimited):
			t.Errorf("push: %v", err)
		}
	}
	if sent != pushesPerWindow {
		t.Errorf("%d pushes of %d at once went out; want exactly %d", sent, runs, pushesPerWindow)
	}
	var left []int
	locked := 0
	for _, c := range checks {
		switch c.Status {
		case provider.CodeWrong:
			left = append(left, c.AttemptsLeft)
		case provider.CodeLocked:
			locked++
		}
	}
	slices.Sort(left)
	if !slices.Equal(left, []int{1, 2, 3, 4}) || locked != runs-4 {
		t.Errorf("wrong codes at once: tries left %v and %d locked; want 1, 2, 3, 4 once each and %d locked", left, locked, runs-4)
	}
	slices.Sort(phones)
	if len(slices.Compact(phones)) != runs {
		t.Errorf("phones made at once for one number: %v; want %d different ids", phones, runs)
	}
}

// TestTwoProcessesShareOnePersonsRecords is the same cap with the runs in two
// processes: this one and a helper, both pushing to alice at once.
func TestTwoProcessesShareOnePersonsRecords(t *testing.T) {
	dir := t.TempDir()
	_, pid := oneNumber(t, dir)
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperPushes$", "-test.count=1")
	cmd.Env = append(os.Environ(), "FAKE_HELPER_DIR="+dir, "FAKE_HELPER_PHONE="+pid)
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	mine := pushAll(sharedServices(dir), pid)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper: %v\n%s", err, out.String())
	}
	_, theirs, found := strings.Cut(out.String(), "pushes sent: ")
	n, err := strconv.Atoi(strings.Fields(theirs + " x")[0])
	if !found || err != nil {
		t.Fatalf("helper said:\n%s", out.String())
	}
	if mine+n != pushesPerWindow {
		t.Errorf("pushes sent: %d here and %d by the other process; want %d in all", mine, n, pushesPerWindow)
	}
}

// TestHelperPushes is the other process of TestTwoProcessesShareOnePersonsRecords.
func TestHelperPushes(t *testing.T) {
	dir := os.Getenv("FAKE_HELPER_DIR")
	if dir == "" {
		t.Skip("helper for TestTwoProcessesShareOnePersonsRecords")
	}
	fmt.Printf("pushes sent: %d\n", pushAll(sharedServices(dir), os.Getenv("FAKE_HELPER_PHONE")))
}

// pushAll pushes to alice's phone from several goroutines at once, and counts the
// pushes that went out.
func pushAll(s *Services, pid string) int {
	var sent atomic.Int32
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			if _, err := s.Duo().Push(context.Background(), "alice@example.com", pid); err == nil {
				sent.Add(1)
			}
		})
	}
	wg.Wait()
	return int(sent.Load())
}
