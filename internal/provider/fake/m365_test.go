package fake

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/config"
	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
	"github.com/mfa-onboard/mfa-onboard/internal/provider"
)

// desk is the demo support desk of one test: its services and its outbox file.
type desk struct {
	services *Services
	notifier *Notifier
	outbox   string
}

func newDesk(t *testing.T) desk {
	t.Helper()
	dir := t.TempDir()
	box := filepath.Join(dir, "outbox.jsonl")
	c := clock.NewFake(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	s := NewServices(filepath.Join(dir, "services.json"), OptionsFrom(config.Default()), outbox.New(box, nil), c)
	return desk{services: s, notifier: s.Notifier("support@example.com"), outbox: box}
}

func (d desk) mails(t *testing.T) []outbox.Message {
	t.Helper()
	msgs, err := outbox.Read(d.outbox)
	if err != nil {
		t.Fatal(err)
	}
	var out []outbox.Message
	for _, m := range msgs {
		if m.Channel == outbox.Email {
			out = append(out, m)
		}
	}
	return out
}

var deskNotice = provider.Notice{ID: "mfa-onboard-0123456789abcdef", User: "alice@example.com", MaskedPhone: "+1 ***-***-0100",
	Completed: []string{"mobile number verified"}, When: time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC), Computer: "test-pc"}

func TestARecordOfANoticeThatNeverArrivedIsNotTakenAsSent(t *testing.T) {
	d := newDesk(t)
	// What a run killed between recording the notice and writing it left behind
	// (versions that recorded first, in the one records file they kept).
	if err := os.WriteFile(d.services.path, []byte(`{"seq":1,"notices":{"`+deskNotice.ID+`":"MSG00000001"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if receipt, found, err := d.notifier.Sent(t.Context(), deskNotice.ID); err != nil || found {
		t.Fatalf("Sent = %q, %v, %v; the notice never arrived, so the re-run must send it", receipt, found, err)
	}
	receipt, err := d.notifier.Notify(t.Context(), deskNotice)
	if err != nil {
		t.Fatal(err)
	}
	mails := d.mails(t)
	if len(mails) != 1 || !strings.Contains(mails[0].Text, deskNotice.ID) || !strings.Contains(mails[0].Text, receipt) {
		t.Fatalf("outbox mails = %+v; want the one notice, with its reference and receipt", mails)
	}
}

func TestANoticeThatCouldNotBeWrittenIsNotRecorded(t *testing.T) {
	d := newDesk(t)
	// An outbox the fake refuses to write to (a symbolic link): the delivery fails.
	target := filepath.Join(filepath.Dir(d.outbox), "elsewhere")
	if err := os.WriteFile(target, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, d.outbox); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	if _, err := d.notifier.Notify(t.Context(), deskNotice); err == nil {
		t.Fatal("Notify reported success although the outbox could not be written")
	}
	rec, err := view[noticeRecord](d.services, noticeRef("support@example.com", deskNotice.ID))
	if err != nil {
		t.Fatal(err)
	}
	if rec != nil && rec.Delivered {
		t.Error("a notice that was not delivered is recorded as sent")
	}
	if err := os.Remove(d.outbox); err != nil {
		t.Fatal(err)
	}
	if _, found, err := d.notifier.Sent(t.Context(), deskNotice.ID); err != nil || found {
		t.Fatalf("Sent = %v, %v; want not sent", found, err)
	}
	if _, err := d.notifier.Notify(t.Context(), deskNotice); err != nil {
		t.Fatal(err)
	}
	if n := len(d.mails(t)); n != 1 {
		t.Errorf("%d notices in the outbox; want 1", n)
	}
}

func TestANoticeDeliveredButNotRecordedIsNotSentTwice(t *testing.T) {
	d := newDesk(t)
	receipt, err := d.notifier.Notify(t.Context(), deskNotice)
	if err != nil {
		t.Fatal(err)
	}
	// A run killed after the message went out and before it was recorded.
	if err := update(d.services, noticeRef("support@example.com", deskNotice.ID), func(r *noticeRecord, _ bool) error {
		r.Delivered = false
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got, found, err := d.notifier.Sent(t.Context(), deskNotice.ID)
	if err != nil || !found || got != receipt {
		t.Fatalf("Sent = %q, %v, %v; want the notice found in the outbox with receipt %q", got, found, err, receipt)
	}
	if again, err := d.notifier.Notify(t.Context(), deskNotice); err != nil || again != receipt {
		t.Errorf("Notify again = %q, %v; want the first receipt %q", again, err, receipt)
	}
	if n := len(d.mails(t)); n != 1 {
		t.Errorf("%d notices in the outbox; want 1", n)
	}
}

func TestANoticeToAnotherDeskIsNotThisOnes(t *testing.T) {
	d := newDesk(t)
	if _, err := d.services.Notifier("old-desk@example.com").Notify(t.Context(), deskNotice); err != nil {
		t.Fatal(err)
	}
	if _, found, err := d.notifier.Sent(t.Context(), deskNotice.ID); err != nil || found {
		t.Errorf("Sent = %v, %v; a notice to another address did not tell this desk", found, err)
	}
}
