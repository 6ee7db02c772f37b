package fake

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/config"
	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

const (
	aliceSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEH"
	bobSecret   = "KRUGS4ZANFZSAYJAONSWG4TFOQ"
)

var olderStart = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

// olderHome is a home of a version before this one, in the middle of things: alice has
// been texted a code (123456), has a Duo user and a phone whose activation waits for
// its code, and has had three test pushes in the last minutes; bob's push waits for
// his answer; the notice about carol went out to the desk.
func olderHome(t *testing.T) (dir string) {
	t.Helper()
	dir = t.TempDir()
	salt := []byte("0123456789abcdef")
	at := olderStart.Add(-2 * time.Minute)
	old := legacyRecords{
		Seq:     7,
		Codes:   map[string]*textCode{"+12015550100": {Hash: hashCode(salt, "123456"), Salt: hex.EncodeToString(salt), SentAt: at, ExpiresAt: at.Add(10 * time.Minute)}},
		Mobiles: map[string]string{"carol@example.com": "+12015550102"},
		Notices: map[string]string{"n-carol": "MSG00000007"},
		DuoUsers: map[string]*duoUser{
			"alice@example.com": {ID: "DU00000001", Username: "Alice@example.com", Phones: []string{"DP00000002"}},
			"bob@example.com":   {ID: "DU00000003", Username: "bob@example.com", Phones: []string{"DP00000004"}},
		},
		DuoPhones: map[string]*duoPhone{
			"DP00000002": {ID: "DP00000002", Number: "+12015550100", Platform: "ios", Secret: aliceSecret, ActExpires: at.Add(10 * time.Minute)},
			"DP00000004": {ID: "DP00000004", Number: "+12015550101", Platform: "android", Secret: bobSecret, ActExpires: at, Activated: true, LastCounter: at.Unix() / 30},
		},
		Pushes:    map[string]*pushRecord{"TX00000005": {ID: "TX00000005", Username: "bob@example.com", PhoneID: "DP00000004", Created: olderStart.Add(-10 * time.Second), Result: "waiting"}},
		PushTimes: map[string][]time.Time{"alice@example.com": {at, at, at}},
	}
	data, err := json.MarshalIndent(old, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "demo-services.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	box := outbox.New(filepath.Join(dir, "outbox.jsonl"), nil)
	if err := box.Deliver(outbox.Message{Time: at, Channel: outbox.Email, To: "support@example.com",
		Text: "Subject: MFA set up for carol@example.com\n\n" + referenceLine + "n-carol\n" + messageIDLine + "MSG00000007"}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func olderServices(dir string) *Services {
	return NewServices(filepath.Join(dir, "demo-services.json"), OptionsFrom(config.Default()),
		outbox.New(filepath.Join(dir, "outbox.jsonl"), nil), clock.NewFake(olderStart))
}

func totpAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestAnOlderHomeCarriesOn: everything an older version's records file held works the
// same after the take-over, under the ids that version gave, and the file itself is
// kept, unchanged, inside the records folder.
func TestAnOlderHomeCarriesOn(t *testing.T) {
	dir := olderHome(t)
	before := readFile(t, filepath.Join(dir, "demo-services.json"))
	s := olderServices(dir)
	ctx := t.Context()
	duo := s.Duo()

	if c, err := s.Codes().CheckCode(ctx, "+12015550100", "123456"); err != nil || c.Status != provider.CodeApproved {
		t.Errorf("the code texted before = %+v, %v; want approved", c, err)
	}
	if id, err := duo.FindUser(ctx, "ALICE@example.com"); err != nil || id != "DU00000001" {
		t.Errorf("FindUser = %q, %v; want the older id DU00000001", id, err)
	}
	if id, err := duo.FindPhone(ctx, "+12015550100"); err != nil || id != "DP00000002" {
		t.Errorf("FindPhone = %q, %v; want the older id DP00000002", id, err)
	}
	act, ok, err := duo.CurrentActivation(ctx, "DP00000002")
	if err != nil || !ok || !strings.Contains(act.Link, "secret="+aliceSecret) {
		t.Fatalf("CurrentActivation = %+v, %v, %v; want the entry shown before", act, ok, err)
	}
	if err := duo.Associate(ctx, "DU00000001", "DP00000002"); err != nil {
		t.Errorf("Associate with the older ids: %v", err)
	}
	if err := duo.ConfirmActivation(ctx, "DP00000002", totpAt(t, aliceSecret, olderStart)); err != nil {
		t.Errorf("ConfirmActivation: %v", err)
	}
	if ok, reason, err := duo.Ready(ctx, "alice@example.com", "DP00000002"); !ok || err != nil {
		t.Errorf("Ready = %v (%s), %v", ok, reason, err)
	}
	if _, err := duo.Push(ctx, "alice@example.com", "DP00000002"); !errors.Is(err, provider.ErrRateLimited) {
		t.Errorf("a fourth push within 5 minutes = %v; want ErrRateLimited: the pushes before count", err)
	}
	if st, err := duo.Status(ctx, "TX00000005"); err != nil || st.Result != provider.PushWaiting {
		t.Errorf("Status of bob's push = %+v, %v; want waiting", st, err)
	}
	if err := duo.ApproveWithCode(ctx, "TX00000005", totpAt(t, bobSecret, olderStart)); err != nil {
		t.Errorf("approving bob's push: %v", err)
	}
	if receipt, found, err := s.Notifier("support@example.com").Sent(ctx, "n-carol"); err != nil || !found || receipt != "MSG00000007" {
		t.Errorf("Sent(n-carol) = %q, %v, %v; want the notice found, MSG00000007", receipt, found, err)
	}
	if got, err := s.Registrar().MobileMethod(ctx, "carol@example.com"); err != nil || got != "+12015550102" {
		t.Errorf("MobileMethod(carol) = %q, %v", got, err)
	}

	if _, err := os.Stat(filepath.Join(dir, "demo-services.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("demo-services.json is still in its place (%v); want it moved into the records folder", err)
	}
	if kept := readFile(t, filepath.Join(dir, "demo-services", "demo-services.json.imported")); kept != before {
		t.Errorf("the older file inside the records folder changed:\n%s\nwas\n%s", kept, before)
	}
}

var errKilled = errors.New("killed here")

// TestATakeOverStoppedAnywhereIsFinishedByTheNextRun stops the take-over before each
// of its steps, as a kill would (nothing after it runs: no clean-up), and checks that
// nothing half-done shows, and that the next run ends with the same records as a run
// that was never stopped.
func TestATakeOverStoppedAnywhereIsFinishedByTheNextRun(t *testing.T) {
	clean := olderHome(t)
	s := olderServices(clean)
	var steps []string
	s.step = func(step string) error { steps = append(steps, step); return nil }
	if _, err := s.Duo().FindUser(t.Context(), "alice@example.com"); err != nil {
		t.Fatal(err)
	}
	want := folderFiles(t, s.dir).String()
	if !slices.Contains(steps, stepCommit) || !slices.Contains(steps, stepImport) || len(steps) < 8 {
		t.Fatalf("the take-over's steps were %q; want its writes, the import and the commit", steps)
	}

	for _, stop := range steps {
		t.Run(stop, func(t *testing.T) {
			dir := olderHome(t)
			s := olderServices(dir)
			s.step = func(step string) error {
				if step == stop {
					return errKilled
				}
				return nil
			}
			if _, err := s.Duo().FindUser(t.Context(), "alice@example.com"); !errors.Is(err, errKilled) {
				t.Fatalf("the stopped run ended with %v", err)
			}
			if _, err := os.Stat(s.dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a take-over stopped before %q left the records folder in place (%v)", stop, err)
			}
			_, errAtPath := os.Stat(s.path)
			_, errInside := os.Stat(filepath.Join(s.dir+".new", "demo-services.json.imported"))
			if (errAtPath == nil) == (errInside == nil) {
				t.Errorf("the older file: at its place %v, inside the new folder %v; want exactly one", errAtPath, errInside)
			}

			again := olderServices(dir)
			if id, err := again.Duo().FindUser(t.Context(), "alice@example.com"); err != nil || id != "DU00000001" {
				t.Fatalf("the next run: FindUser = %q, %v", id, err)
			}
			if got := folderFiles(t, again.dir).String(); got != want {
				t.Errorf("after a stop before %q and a new run the records are\n%s\nwant\n%s", stop, got, want)
			}
			if _, err := os.Stat(again.dir + ".new"); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the folder of the stopped take-over is still there (%v)", err)
			}
		})
	}
}

// TestANewHomeStartsEmpty: with no older file, the first question makes the folder
// and finds nothing.
func TestANewHomeStartsEmpty(t *testing.T) {
	dir := t.TempDir()
	s := olderServices(dir)
	if _, err := s.Duo().FindUser(t.Context(), "alice@example.com"); !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("FindUser in a new home = %v; want ErrNotFound", err)
	}
	if fi, err := os.Stat(s.dir); err != nil || !fi.IsDir() {
		t.Errorf("records folder: %v", err)
	}
}
