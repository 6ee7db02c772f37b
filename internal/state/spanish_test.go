package state

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

func TestASecondLockIsRefusedInSpanish(t *testing.T) {
	dir := t.TempDir()
	first := NewFiles(dir)
	first.SetRunner(Runner{OSUser: "jo", Machine: "PC-7", Technician: "Jo Tech"})
	unlock, err := first.Lock("alice@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	_, err = NewFiles(dir).Lock("alice@contoso.com")
	var held *LockedError
	if !errors.As(err, &held) || !errors.Is(err, ErrLocked) {
		t.Fatalf("second lock: %v; want a LockedError", err)
	}
	got := catalog.New(language.Spanish).Error(err)
	want := "otro mfa-onboard ya está trabajando con alice@contoso.com (Jo Tech (jo) en PC-7, desde el "
	if !strings.HasPrefix(got, want) || !strings.HasSuffix(got, "deje que termine, o deténgalo, y vuelva a intentarlo") {
		t.Errorf("in Spanish: %q; want it to begin %q", got, want)
	}
	if !strings.HasPrefix(err.Error(), "another mfa-onboard is already working on alice@contoso.com (Jo Tech (jo) on PC-7, since ") {
		t.Errorf("in English: %q", err)
	}
}

func TestHolderSaysWhoInSpanish(t *testing.T) {
	es := catalog.New(language.Spanish)
	since := time.Date(2026, 3, 5, 14, 20, 0, 0, time.Local)
	for _, tt := range []struct {
		h    Holder
		want string
	}{
		{Holder{}, "alguien"},
		{Holder{Runner: Runner{OSUser: "jo"}}, "jo"},
		{Holder{Runner: Runner{Technician: "Jo Tech", Machine: "PC-7"}}, "Jo Tech en PC-7"},
		{Holder{Runner: Runner{Technician: "Jo"}, Since: since}, "Jo, desde el 05/03 14:20 " + since.Format("MST")},
	} {
		if got := tt.h.Say(es); got != tt.want {
			t.Errorf("Say(es) of %+v = %q; want %q", tt.h, got, tt.want)
		}
	}
}

func TestADamagedFileIsSaidInSpanish(t *testing.T) {
	s := NewFiles(t.TempDir())
	if err := os.MkdirAll(s.Dir(), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.Path("alice@contoso.com"), []byte(`{"schema":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := s.Load("alice@contoso.com")
	if !errors.Is(err, ErrDamaged) {
		t.Fatalf("Load = %v; want ErrDamaged", err)
	}
	want := "el archivo de estado " + s.Path("alice@contoso.com") + " está dañado (no indica ningún usuario); se ha dejado tal como está"
	if got := catalog.New(language.Spanish).Error(err); !strings.HasPrefix(got, want) {
		t.Errorf("in Spanish: %q; want it to begin %q", got, want)
	}
}
