package state

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestASecondLockNamesWhoHoldsIt(t *testing.T) {
	dir := t.TempDir()
	first := NewFiles(dir)
	first.SetRunner(Runner{OSUser: "jo", Machine: "PC-7", Technician: "Jo Tech"})
	unlock, err := first.Lock("alice@contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	_, err = NewFiles(dir).Lock("alice@contoso.com")
	var held *LockedError
	if !errors.As(err, &held) || !errors.Is(err, ErrLocked) || !held.Known {
		t.Fatalf("second lock: %v; want a LockedError that knows its holder", err)
	}
	if !strings.Contains(err.Error(), "Jo Tech (jo) on PC-7, since ") {
		t.Errorf("message %q; want the technician, the account, the machine and since when", err)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(first.holderPath("alice@contoso.com")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the holder file outlives the lock (%v)", err)
	}
	again, err := NewFiles(dir).Lock("alice@contoso.com")
	if err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	again()
}
