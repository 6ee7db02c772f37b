package state

import (
	"os"
	"testing"
	"time"
)

func TestReminderRecordsAreKeptAndOlderFilesLoadWithout(t *testing.T) {
	s := NewFiles(t.TempDir())
	old := `{"schema":1,"user":"alice@contoso.com","created":"2026-11-20T09:00:00Z","updated":"2026-11-20T09:00:00Z","steps":{}}`
	if err := os.MkdirAll(s.Dir(), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.Path("alice@contoso.com"), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := s.Load("alice@contoso.com")
	if err != nil || st.Remind != nil || st.Manager != "" {
		t.Fatalf("a file from before reminders: %+v, %v", st, err)
	}
	at := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	st.Manager = "carol@contoso.com"
	st.Remind = &RemindRecord{Step: "verify", Since: at.Add(-72 * time.Hour), Sent: 1, LastSent: at, Receipt: "MSG1", PendingID: "mfa-onboard-remind-2", PendingKind: "remind", PendingAt: at.Add(24 * time.Hour)}
	if err := s.Save(st); err != nil {
		t.Fatal(err)
	}
	back, err := s.Load("alice@contoso.com")
	if err != nil || back.Manager != "carol@contoso.com" || back.Remind == nil || *back.Remind != *st.Remind {
		t.Errorf("loaded back %+v (%v); want the manager and the reminder record as saved", back, err)
	}
}
