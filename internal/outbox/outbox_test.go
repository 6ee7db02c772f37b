package outbox

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"
)

func TestDeliverAppendsOwnerOnlyJSONLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "home", "outbox.jsonl")
	var shown []Message
	o := New(path, func(m Message) { shown = append(shown, m) })
	for _, m := range []Message{
		{Time: time.Unix(1, 0).UTC(), Channel: SMS, To: "+12015550100", Text: "code 123456"},
		{Time: time.Unix(2, 0).UTC(), Channel: Push, To: "+12015550100", Text: "approve?"},
	} {
		if err := o.Deliver(m); err != nil {
			t.Fatal(err)
		}
	}
	got, err := Read(path)
	if err != nil || len(got) != 2 || got[0].Text != "code 123456" || got[1].Channel != Push {
		t.Fatalf("Read = %+v, %v", got, err)
	}
	if len(shown) != 2 {
		t.Errorf("shown %d messages on screen; want 2", len(shown))
	}
	if runtime.GOOS != "windows" {
		fi, _ := os.Stat(path)
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("outbox mode %v; want 0600", fi.Mode().Perm())
		}
	}
}

func TestReadMissingIsEmptyAndDamageIsNamed(t *testing.T) {
	dir := t.TempDir()
	if got, err := Read(filepath.Join(dir, "none")); err != nil || len(got) != 0 {
		t.Errorf("Read(missing) = %v, %v", got, err)
	}
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte("{\"channel\":\"sms\"}\nnot json\n"), 0o600)
	if _, err := Read(bad); err == nil {
		t.Error("a damaged outbox line was accepted")
	}
}
