package fake

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mfa-onboard/mfa-onboard/internal/outbox"
)

// TestAKilledWritersLeftoversGoAtTheNextChange: the temporary file of a run killed
// while it replaced a record is removed by the next change to that record; another
// record's is left to that record's next change.
func TestAKilledWritersLeftoversGoAtTheNextChange(t *testing.T) {
	d := newDemo(t)
	reg := d.services.Registrar()
	if _, err := reg.RegisterMobile(t.Context(), "alice@example.com", "+12015550100"); err != nil {
		t.Fatal(err)
	}
	folder := d.services.folder(userRef(mobileRecord, "alice@example.com"))
	mine, other := filepath.Join(folder, ".m365.json123456"), filepath.Join(folder, ".duo-user.json987654")
	for _, f := range []string{mine, other} {
		if err := os.WriteFile(f, []byte("half a rec"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := reg.RegisterMobile(t.Context(), "alice@example.com", "+12015550101"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(mine); !os.IsNotExist(err) {
		t.Errorf("the killed run's temporary file of m365.json is still there (%v)", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Errorf("the temporary file of another record was removed: %v", err)
	}
}

// TestADamagedRecordIsNamed: a record that does not parse stops the calls that need
// it, with a sentence naming the file, and no other person's.
func TestADamagedRecordIsNamed(t *testing.T) {
	d := newDemo(t)
	reg := d.services.Registrar()
	for _, user := range []string{"alice@example.com", "bob@example.com"} {
		if _, err := reg.RegisterMobile(t.Context(), user, "+12015550100"); err != nil {
			t.Fatal(err)
		}
	}
	path := d.services.file(userRef(mobileRecord, "alice@example.com"))
	if err := os.WriteFile(path, []byte(`{"user": "alice@exa`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := reg.MobileMethod(t.Context(), "alice@example.com"); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("MobileMethod with a damaged record = %v; want it named as damaged", err)
	}
	if got, err := reg.MobileMethod(t.Context(), "bob@example.com"); err != nil || got != "+12015550100" {
		t.Errorf("bob's MobileMethod = %q, %v; his record is fine", got, err)
	}
}

// TestAStoppedNoticeIsLookedForOnlyWhereItCanBe: after a run stopped between writing
// a notice to the outbox and recording it, the next run finds the notice by reading
// the outbox from where it ended before the notice went in, not from the start.
func TestAStoppedNoticeIsLookedForOnlyWhereItCanBe(t *testing.T) {
	d := newDesk(t)
	box := outbox.New(d.outbox, nil)
	for range 200 {
		if err := box.Deliver(outbox.Message{Channel: outbox.SMS, To: "+12015550100", Text: strings.Repeat("earlier text ", 10)}); err != nil {
			t.Fatal(err)
		}
	}
	receipt, err := d.notifier.Notify(t.Context(), deskNotice)
	if err != nil {
		t.Fatal(err)
	}
	at := noticeRef("support@example.com", deskNotice.ID)
	rec, err := view[noticeRecord](d.services, at)
	if err != nil || rec == nil || rec.Offset == 0 {
		t.Fatalf("notice record %+v, %v; want where the outbox ended", rec, err)
	}
	// What a run killed after the message went out and before it was recorded leaves.
	if err := update(d.services, at, func(r *noticeRecord, _ bool) error { r.Delivered = false; return nil }); err != nil {
		t.Fatal(err)
	}
	counter := &countingFiles{files: osFiles{}}
	d.services.files = counter
	got, found, err := d.notifier.Sent(t.Context(), deskNotice.ID)
	if err != nil || !found || got != receipt {
		t.Fatalf("Sent = %q, %v, %v; want the notice found, %q", got, found, err, receipt)
	}
	fi, err := os.Stat(d.outbox)
	if err != nil {
		t.Fatal(err)
	}
	if tail := int(fi.Size() - rec.Offset); counter.BytesReadAt > tail+1 {
		t.Errorf("Sent read %d bytes of the outbox; the notice is in its last %d", counter.BytesReadAt, tail)
	}
}
