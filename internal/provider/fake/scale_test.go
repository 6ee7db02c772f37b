package fake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/config"
	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

// scaleStart is the time of every scale test and benchmark.
var scaleStart = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

// phoneScreen keeps the last text and link the demo "sent", as the person's phone
// shows them, so a journey can type them without reading the outbox file.
type phoneScreen struct {
	mu   sync.Mutex
	text string
	link string
}

func (p *phoneScreen) show(m outbox.Message) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.text, p.link = m.Text, m.Link
}

func (p *phoneScreen) last() (text, link string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.text, p.link
}

// crowd is a home whose demo services already know others people, each as far as
// the end of the procedure, in the one file versions before this one kept
// (demo-services.json), with their messages in the outbox.
type crowd struct {
	dir, records, outbox string
	others               int
}

func newCrowd(tb testing.TB, others int) crowd {
	tb.Helper()
	dir := tb.TempDir()
	c := crowd{dir: dir, records: filepath.Join(dir, "demo-services.json"), outbox: filepath.Join(dir, "outbox.jsonl"), others: others}
	type obj = map[string]any
	codes, mobiles, notices, users, phones, pushes, times := obj{}, obj{}, obj{}, obj{}, obj{}, obj{}, obj{}
	var box strings.Builder
	enc := json.NewEncoder(&box)
	for i := range others {
		user, number := fmt.Sprintf("person%05d@example.com", i), fmt.Sprintf("+1201%07d", i)
		at := scaleStart.Add(-time.Hour)
		uid, pid, tx := fmt.Sprintf("DU%08d", 3*i+1), fmt.Sprintf("DP%08d", 3*i+2), fmt.Sprintf("TX%08d", 3*i+3)
		codes[number] = obj{"hash": strings.Repeat("ab", 32), "salt": strings.Repeat("cd", 16), "sent_at": at, "expires_at": at.Add(10 * time.Minute), "wrong": 0, "dead": false, "approved": true}
		mobiles[user] = number
		notice := fmt.Sprintf("mfa-onboard-%016x", i)
		notices[notice] = fmt.Sprintf("MSG%08d", i)
		users[user] = obj{"id": uid, "username": user, "phones": []string{pid}}
		phones[pid] = obj{"id": pid, "number": number, "platform": "ios", "secret": "JBSWY3DPEHPK3PXPJBSWY3DPEH", "activation_expires": at.Add(10 * time.Minute), "activated": true, "last_counter": at.Unix() / 30}
		pushes[tx] = obj{"id": tx, "username": user, "phone_id": pid, "created": at, "result": "allow"}
		times[user] = []time.Time{at}
		for _, m := range []outbox.Message{
			{Time: at, Channel: outbox.SMS, To: number, Text: "Example MSP: your verification code is 123456."},
			{Time: at, Channel: outbox.Email, To: "support@example.com", Text: "Subject: MFA set up for " + user + "\n\n" + referenceLine + notice + "\n" + messageIDLine + fmt.Sprintf("MSG%08d", i)},
			{Time: at, Channel: outbox.SMS, To: number, Text: "Example MSP: to add your account to Duo Mobile, open this link", Link: "otpauth://totp/Example%20MSP?secret=JBSWY3DPEHPK3PXPJBSWY3DPEH"},
			{Time: at, Channel: outbox.Push, To: number, Text: "Duo Push (demo): login request for " + user},
		} {
			if err := enc.Encode(m); err != nil {
				tb.Fatal(err)
			}
		}
	}
	data, err := json.Marshal(obj{"seq": 3 * others, "codes": codes, "mobiles": mobiles, "notices": notices,
		"duo_users": users, "duo_phones": phones, "pushes": pushes, "push_times": times})
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(c.records, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(c.outbox, []byte(box.String()), 0o600); err != nil {
		tb.Fatal(err)
	}
	return c
}

// services are the demo services of the crowd's home, as a run of the program opens
// them; the first question is asked with setup's file system, so that whatever the
// services do once (taking over the older file) is done before anything is counted.
func (c crowd) services(tb testing.TB, setup files, screen *phoneScreen) *Services {
	tb.Helper()
	s := NewServices(c.records, OptionsFrom(config.Default()), outbox.New(c.outbox, screen.show), clock.NewFake(scaleStart))
	s.files = setup
	if _, err := s.Duo().FindUser(context.Background(), "person00000@example.com"); err != nil && !errors.Is(err, provider.ErrNotFound) {
		tb.Fatal(err)
	}
	s.files = osFiles{}
	return s
}

// journey is one new person's whole demo procedure, as the steps call the services:
// the texted code sent and checked, the mobile registered in Microsoft 365, the support
// desk told, the Duo user, phone and activation, and a test push approved.
func journey(ctx context.Context, s *Services, screen *phoneScreen, n int) error {
	user, number := fmt.Sprintf("newcomer%05d@example.com", n), fmt.Sprintf("+1303%07d", n)
	codes := s.Codes()
	if _, err := codes.SendCode(ctx, number); err != nil {
		return fmt.Errorf("send code: %w", err)
	}
	text, _ := screen.last()
	if c, err := codes.CheckCode(ctx, number, code.FindString(text)); err != nil || c.Status != provider.CodeApproved {
		return fmt.Errorf("check code: %+v, %v", c, err)
	}
	reg := s.Registrar()
	if current, err := reg.MobileMethod(ctx, user); err != nil || current != "" {
		return fmt.Errorf("mobile method: %q, %v", current, err)
	}
	if _, err := reg.RegisterMobile(ctx, user, number); err != nil {
		return fmt.Errorf("register mobile: %w", err)
	}
	notice := provider.Notice{ID: fmt.Sprintf("mfa-onboard-new-%08d", n), User: user, MaskedPhone: "+1 ***-***-0000",
		Completed: []string{"mobile number verified"}, When: scaleStart, Computer: "bench-pc"}
	if _, err := s.Notifier("support@example.com").Notify(ctx, notice); err != nil {
		return fmt.Errorf("notify: %w", err)
	}

	duo := s.Duo()
	uid, err := duo.FindUser(ctx, user)
	if errors.Is(err, provider.ErrNotFound) {
		uid, err = duo.CreateUser(ctx, user)
	}
	if err != nil {
		return fmt.Errorf("duo user: %w", err)
	}
	pid, err := duo.FindPhone(ctx, number)
	if errors.Is(err, provider.ErrNotFound) {
		pid, err = duo.CreatePhone(ctx, number, "ios")
	}
	if err != nil {
		return fmt.Errorf("duo phone: %w", err)
	}
	if err := duo.Associate(ctx, uid, pid); err != nil {
		return fmt.Errorf("associate: %w", err)
	}
	act, err := duo.SendActivation(ctx, pid)
	if err != nil {
		return fmt.Errorf("send activation: %w", err)
	}
	key, err := otp.NewKeyFromURL(act.Link)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	at := func(steps int) string {
		c, _ := totp.GenerateCode(key.Secret(), now.Add(time.Duration(steps)*30*time.Second))
		return c
	}
	if err := duo.ConfirmActivation(ctx, pid, at(0)); err != nil {
		return fmt.Errorf("confirm activation: %w", err)
	}
	if ok, err := duo.Activated(ctx, pid); err != nil || !ok {
		return fmt.Errorf("activated: %v, %v", ok, err)
	}
	if ok, reason, err := duo.Ready(ctx, user, pid); err != nil || !ok {
		return fmt.Errorf("ready: %v %s, %v", ok, reason, err)
	}
	push, err := duo.Push(ctx, user, pid)
	if err != nil {
		return fmt.Errorf("push: %w", err)
	}
	if err := duo.ApproveWithCode(ctx, push.ID, at(1)); err != nil {
		return fmt.Errorf("approve: %w", err)
	}
	if st, err := duo.Status(ctx, push.ID); err != nil || st.Result != provider.PushAllowed {
		return fmt.Errorf("status: %+v, %v", st, err)
	}
	return nil
}

// fastFiles writes without waiting for the disk, to fill a home with thousands of
// people quickly; nothing measured goes through it.
type fastFiles struct{ osFiles }

func (fastFiles) WriteFile(path string, data []byte) error {
	return os.WriteFile(path, data, 0o600)
}

// countingFiles counts what goes through it.
type countingFiles struct {
	files
	mu sync.Mutex
	ioCounts
}

// ioCounts are the file operations of one journey.
type ioCounts struct {
	Reads, BytesRead     int
	Writes, BytesWritten int
	Listings, Listed     int
	Opens, BytesReadAt   int
}

func (c *countingFiles) count(f func(*ioCounts)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f(&c.ioCounts)
}

func (c *countingFiles) ReadFile(path string) ([]byte, error) {
	data, err := c.files.ReadFile(path)
	c.count(func(n *ioCounts) { n.Reads++; n.BytesRead += len(data) })
	return data, err
}

func (c *countingFiles) WriteFile(path string, data []byte) error {
	c.count(func(n *ioCounts) { n.Writes++; n.BytesWritten += len(data) })
	return c.files.WriteFile(path, data)
}

func (c *countingFiles) ReadDir(path string) ([]os.DirEntry, error) {
	entries, err := c.files.ReadDir(path)
	c.count(func(n *ioCounts) { n.Listings++; n.Listed += len(entries) })
	return entries, err
}

func (c *countingFiles) Open(path string) (readerAtCloser, error) {
	f, err := c.files.Open(path)
	c.count(func(n *ioCounts) { n.Opens++ })
	if err != nil {
		return nil, err
	}
	return countingReaderAt{f, c}, nil
}

type countingReaderAt struct {
	readerAtCloser
	c *countingFiles
}

func (r countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := r.readerAtCloser.ReadAt(p, off)
	r.c.count(func(c *ioCounts) { c.BytesReadAt += n })
	return n, err
}

// journeyIO is what one new person's journey reads and writes in a home where others
// people went before.
func journeyIO(t *testing.T, others int) ioCounts {
	t.Helper()
	c := newCrowd(t, others)
	screen := &phoneScreen{}
	s := c.services(t, fastFiles{}, screen)
	counter := &countingFiles{files: osFiles{}}
	s.files = counter
	if err := journey(t.Context(), s, screen, 1); err != nil {
		t.Fatal(err)
	}
	return counter.ioCounts
}

// TestAJourneyCostsTheSameWhateverTheCrowd: one person's whole demo journey reads and
// writes the same files, and the same number of bytes give or take a few digits,
// whether 10 or 1,000 people used the demo before — no call reads or rewrites
// everyone's records, or the whole outbox.
func TestAJourneyCostsTheSameWhateverTheCrowd(t *testing.T) {
	few, many := journeyIO(t, 10), journeyIO(t, 1000)
	if few.Reads != many.Reads || few.Writes != many.Writes || few.Listings != many.Listings || few.Opens != many.Opens {
		t.Errorf("file operations of one journey: %+v after 10 people, %+v after 1,000; want the same", few, many)
	}
	const slack = 64 // an outbox offset or a time with more digits
	for _, c := range []struct {
		what      string
		few, many int
	}{
		{"bytes read", few.BytesRead, many.BytesRead},
		{"bytes written", few.BytesWritten, many.BytesWritten},
		{"folder entries listed", few.Listed, many.Listed},
		{"outbox bytes read", few.BytesReadAt, many.BytesReadAt},
	} {
		if c.many > c.few+slack {
			t.Errorf("%s in one journey: %d after 10 people, %d after 1,000; want the same", c.what, c.few, c.many)
		}
	}
}
