//go:build linux || darwin

package e2e

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/pgtest"
)

// team is the PostgreSQL server of the tests of a team's shared store, started by
// the first of them and stopped by TestMain.
var team pgtest.Lazy

// teamConfig keeps a customer's progress in the database $MFA_ONBOARD_DSN names.
const teamConfig = "store:\n  kind: postgres\n  dsn_env: MFA_ONBOARD_DSN\n"

// TestTwoTechniciansShareAPersonThroughPostgreSQL: two technicians' computers (two
// home folders) keep one customer's progress in one database. The first sets it up
// and starts Alice; the second is told who is working on her while the first's run
// waits at a question, then sees her progress and carries on from it.
func TestTwoTechniciansShareAPersonThroughPostgreSQL(t *testing.T) {
	t.Parallel()
	dsn := team.Database(t)
	ana, ben := newHome(t), newHome(t)
	for _, h := range []*home{ana, ben} {
		h.writeConfig(t, teamConfig)
	}
	env := func(h *home, technician string) []string {
		return h.env("MFA_ONBOARD_DSN="+dsn, "MFA_ONBOARD_TECHNICIAN="+technician)
	}

	before := ana.run(t, 20*time.Second, env(ana, "Ana"), "status", "--all")
	if before.code == 0 || !strings.Contains(before.stderr, "mfa-onboard store migrate") {
		t.Fatalf("status on a database not set up: exit %d\n%s\nwant a refusal saying to run store migrate", before.code, before.stderr)
	}
	migrate := ana.run(t, 20*time.Second, env(ana, "Ana"), "store", "migrate")
	if migrate.code != 0 || !strings.Contains(migrate.stderr, "Applied 3 steps") {
		t.Fatalf("store migrate: exit %d\n%s", migrate.code, migrate.stderr)
	}
	if again := ben.run(t, 20*time.Second, env(ben, "Ben"), "store", "migrate"); again.code != 0 || !strings.Contains(again.stderr, "up to date") {
		t.Fatalf("store migrate again, from the other computer: exit %d\n%s", again.code, again.stderr)
	}

	s, _ := ana.startIn(t, termCols, termRows, env(ana, "Ana"), "start", "--user", email)
	s.answer(qMobile, mobile)
	s.confirm(qSendCodes)
	s.ask(qTextCode) // Ana's run holds Alice's lock while it waits here.

	second := ben.run(t, 20*time.Second, env(ben, "Ben"), "start", "--user", email, "--non-interactive")
	if second.code == 0 || !strings.Contains(second.stderr, "already working for "+email) || !strings.Contains(second.stderr, "Ana") {
		t.Fatalf("Ben's start while Ana works on Alice: exit %d\n%s\nwant a refusal naming Ana", second.code, second.stderr)
	}

	s.press(keyCtrlC)
	s.wantExit(130)

	all := ben.run(t, 20*time.Second, env(ben, "Ben"), "status", "--all")
	if all.code != 0 || !strings.Contains(all.stdout, email) {
		t.Fatalf("Ben's status --all: exit %d\n%s%s\nwant Alice listed", all.code, all.stdout, all.stderr)
	}
	one := ben.run(t, 20*time.Second, env(ben, "Ben"), "status", "--user", email, "--output", "json")
	r := decodeOne(t, one.stdout)
	if r.User != email || r.WaitingOn != "verify" {
		t.Fatalf("Ben's status of Alice: %+v\n%s; want her waiting on verify, as Ana's run left her", r, one.stderr)
	}
	wantSteps(t, r, map[string]string{"verify": "pending", "notify-support": "pending", "office-apps": "pending", "mobile-mail": "pending", "duo-install": "pending", "duo-enroll": "pending", "duo-test": "pending"})

	// The audit is the team's too: Ben reads what Ana's run did.
	audit := ben.run(t, 20*time.Second, env(ben, "Ben"), "audit", "--user", email, "--output", "json")
	if audit.code != 0 || !strings.Contains(audit.stdout, `"action": "phone"`) || !strings.Contains(audit.stdout, `"name": "Ana"`) {
		t.Errorf("Ben's audit of Alice: exit %d\n%s%s\nwant Ana's phone step", audit.code, audit.stdout, audit.stderr)
	}
	if _, err := os.Stat(filepath.Join(ana.dir, "audit.jsonl")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Ana's computer has an audit file of its own (%v); want the audit in the database only", err)
	}

	carry := ben.run(t, 20*time.Second, env(ben, "Ben"), "start", "--user", email, "--non-interactive")
	if carry.code != 3 || strings.Contains(carry.stderr, "phone.number") {
		t.Errorf("Ben carrying on with Alice: exit %d\n%s\nwant a wait for the texted code, without asking for her number again", carry.code, carry.stderr)
	}
}

// TestStoreImportCopiesAComputersPeople: a technician who kept a customer in files
// moves to the team's database: everyone is copied once, the files stay, and a
// second import copies nobody.
func TestStoreImportCopiesAComputersPeople(t *testing.T) {
	t.Parallel()
	dsn := team.Database(t)
	h := newHome(t)
	env := h.env("MFA_ONBOARD_DSN=" + dsn)
	for user, number := range map[string]string{"alice@example.com": "201 555 0100", "bob@example.com": "201 555 0101"} {
		if r := h.run(t, 20*time.Second, env, "start", "--user", user, "--phone", number, "--non-interactive"); r.code != 3 {
			t.Fatalf("start %s in files: exit %d\n%s", user, r.code, r.stderr)
		}
	}
	h.writeConfig(t, teamConfig)
	if r := h.run(t, 20*time.Second, env, "store", "migrate"); r.code != 0 {
		t.Fatalf("store migrate: exit %d\n%s", r.code, r.stderr)
	}
	first := h.run(t, 20*time.Second, env, "store", "import")
	if first.code != 0 || !strings.Contains(first.stderr, "Copied 2 people into the database; 0 already there") {
		t.Fatalf("store import: exit %d\n%s", first.code, first.stderr)
	}
	again := h.run(t, 20*time.Second, env, "store", "import")
	if again.code != 0 || !strings.Contains(again.stderr, "Copied 0 people into the database; 2 already there") {
		t.Fatalf("store import again: exit %d\n%s", again.code, again.stderr)
	}
	// Another computer sees both, as the files had them.
	other := newHome(t)
	other.writeConfig(t, teamConfig)
	all := other.run(t, 20*time.Second, other.env("MFA_ONBOARD_DSN="+dsn), "status", "--all")
	if all.code != 0 || !strings.Contains(all.stdout, "alice@example.com") || !strings.Contains(all.stdout, "bob@example.com") || !strings.Contains(all.stdout, "waiting") {
		t.Fatalf("status --all on another computer: exit %d\n%s%s", all.code, all.stdout, all.stderr)
	}
}
