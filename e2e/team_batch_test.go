//go:build linux || darwin

package e2e

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/pgtest"
	"github.com/mfa-onboard/mfa-onboard/internal/provider/vendortest"
)

// teamPeople is how many people the two technicians' batch onboards; a larger
// number measures the team at a customer's size (BENCHMARKS.md quotes 300).
var teamPeople = flag.Int("team-people", 40, "how many people TestTwoTechniciansBatchesShareTheWork onboards")

// teamKill is false to let both technicians' batches run to the end, for the figure
// of a team onboarding a customer together.
var teamKill = flag.Bool("team-kill", true, "whether TestTwoTechniciansBatchesShareTheWork kills Ana's batch a quarter of the way")

// teamRate is the requests a second each vendor API admits from the whole team.
const teamRate = 40

// batchLine is one line of a batch's JSON Lines output: a row, or the summary.
type batchLine struct {
	Line    int            `json:"line"`
	User    string         `json:"user"`
	Status  string         `json:"status"`
	Reason  string         `json:"reason"`
	By      string         `json:"by"`
	Summary map[string]any `json:"summary"`
}

// TestTwoTechniciansBatchesShareTheWork: Ana and Ben, each on their own computer
// (two home folders) with the customer kept in one PostgreSQL database, run the same
// CSV at the same time against vendors that admit teamRate requests a second. Ana's
// is killed (SIGKILL) a quarter of the way. Ben's takes over the people Ana's had
// claimed, and ends with every row; nobody is set up twice; the vendors never saw
// the team go over their rate; and each technician's status --all shows everyone.
func TestTwoTechniciansBatchesShareTheWork(t *testing.T) {
	t.Parallel()
	n := *teamPeople
	dsn := team.Database(t)
	users := make([]string, n)
	for i := range users {
		users[i] = fmt.Sprintf("staff%03d@contoso.com", i)
	}
	world := vendortest.New(t, vendortest.Options{Rate: teamRate, MinLatency: 2 * time.Millisecond, MaxLatency: 10 * time.Millisecond})
	world.AddPeople(users...)
	ana, ben := newHome(t), newHome(t)
	// Each computer has its own copy of the HR file, in its own folder.
	env := teamBatchHomes(t, world, dsn, users, map[*home]string{ana: "Ana", ben: "Ben"})
	if r := ana.run(t, 20*time.Second, env[ana], "store", "migrate"); r.code != 0 {
		t.Fatalf("store migrate: exit %d\n%s", r.code, r.stderr)
	}
	args := func(h *home) []string {
		return []string{"batch", filepath.Join(h.dir, "staff.csv"), "--trust-phone", "--reason", "numbers from HR", "--output", "json"}
	}

	start := time.Now()
	anaCmd := exec.Command(binary, args(ana)...)
	anaCmd.Env = env[ana]
	anaOut, err := anaCmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := anaCmd.Start(); err != nil {
		t.Fatal(err)
	}
	benDone := make(chan runResult, 1)
	go func() { benDone <- ben.run(t, 5*time.Minute, env[ben], args(ben)...) }()

	// Ana's batch is killed once it has reported a quarter of the rows.
	anaRows, anaRan := 0, 0
	lines := bufio.NewScanner(anaOut)
	for (!*teamKill || anaRows < n/4) && lines.Scan() {
		anaRows++
		var b batchLine
		if json.Unmarshal(lines.Bytes(), &b) == nil && b.Summary == nil && b.By == "" {
			anaRan++ // hers, not one of Ben's reported as his
		}
	}
	if *teamKill {
		if err := anaCmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
	}
	_ = anaCmd.Wait()
	switch {
	case *teamKill && anaRows < n/4:
		t.Fatalf("Ana's batch ended after %d rows, before it could be killed a quarter of the way", anaRows)
	case *teamKill:
		// While his batch runs, Ben sees the people Ana's computer ran.
		if mid := ranBy(t, ben, env[ben]); mid["Ana"] < anaRan {
			t.Errorf("Ben's status --all while his batch runs shows %d people run by Ana; want the %d her batch had reported as hers", mid["Ana"], anaRan)
		}
	case anaCmd.ProcessState.ExitCode() != 3 || anaRows != n+1:
		t.Errorf("Ana's batch: exit %d after %d lines; want 3, after a line for each of the %d people and the summary", anaCmd.ProcessState.ExitCode(), anaRows, n)
	}

	r := <-benDone
	took := time.Since(start)
	if r.code != 3 {
		t.Fatalf("Ben's batch: exit %d, want 3 (people wait on their part)\n%s", r.code, r.stderr)
	}
	seen := map[string]batchLine{}
	byAna := 0
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var b batchLine
		if err := json.Unmarshal([]byte(l), &b); err != nil {
			t.Fatalf("Ben's batch wrote a line that is not JSON: %v\n%s", err, l)
		}
		if b.Summary != nil {
			continue
		}
		if _, twice := seen[b.User]; twice {
			t.Errorf("Ben's batch reported %s twice", b.User)
		}
		seen[b.User] = b
		if strings.HasPrefix(b.By, "Ana@") {
			byAna++
		}
	}
	for _, u := range users {
		if b, ok := seen[u]; !ok || b.Status != "waiting" {
			t.Errorf("Ben's batch reported %s as %+v; want them waiting on their part, as one batch leaves them", u, b)
		}
	}
	if byAna == 0 {
		t.Errorf("Ben's batch reported nobody run by Ana's computer; want the work shared\n%s", r.stdout)
	}

	// Once each, though two computers ran the file, and never over the team's rate.
	setUpOnceEach(t, world, n)

	for _, h := range []*home{ana, ben} {
		if by := ranBy(t, h, env[h]); by["Ana"] == 0 || by["Ben"] == 0 || by["Ana"]+by["Ben"] != n {
			t.Errorf("status --all on %s's computer: people by who ran them last %v; want all %d, run by Ana and by Ben", h.dir, by, n)
		}
	}
	how := "both to the end"
	if *teamKill {
		how = fmt.Sprintf("Ana's killed after %d rows", anaRows)
	}
	busiest := ""
	for _, a := range world.APIs {
		st := a.Limit.Stats()
		busiest += fmt.Sprintf(" %s %d/%d;", a.Name, st.Busiest, a.Rate)
	}
	t.Logf("%d people, two computers (%s): %s; Ben's batch reported %d run by Ana's; busiest second:%s", n, how, took.Round(time.Millisecond), byAna, busiest)
}

// ranBy is h's status --all: how many people each technician ran last.
func ranBy(t *testing.T, h *home, env []string) map[string]int {
	t.Helper()
	st := h.run(t, 30*time.Second, env, "status", "--all", "--output", "json")
	var all struct {
		Users []struct {
			RanBy struct{ Technician string } `json:"ran_by"`
		} `json:"users"`
	}
	if err := json.Unmarshal([]byte(st.stdout), &all); st.code != 0 || err != nil {
		t.Fatalf("status --all on %s's computer: exit %d (%v)\n%s", h.dir, st.code, err, st.stderr)
	}
	by := map[string]int{}
	for _, u := range all.Users {
		by[u.RanBy.Technician]++
	}
	return by
}

// teamBatchHomes sets up technicians' computers for a team's batch against world:
// config with the store in the database dsn names, and each its own copy of
// staff.csv of users. It returns each computer's environment.
func teamBatchHomes(t *testing.T, world *vendortest.World, dsn string, users []string, technicians map[*home]string) map[*home][]string {
	t.Helper()
	env := map[*home][]string{}
	for h, who := range technicians {
		secrets := world.Configure(t, h.dir)
		cfg, err := os.ReadFile(filepath.Join(h.dir, "config.yaml"))
		if err != nil {
			t.Fatal(err)
		}
		h.writeConfig(t, string(cfg)+teamConfig)
		env[h] = h.env(append(secrets, "CI=true", "MFA_ONBOARD_DSN="+dsn, "MFA_ONBOARD_TECHNICIAN="+who)...)
		var rows strings.Builder
		rows.WriteString("user,phone,country,platform\n")
		for i, u := range users {
			fmt.Fprintf(&rows, "%s,+1 201 555 %04d,US,ios\n", u, 100+i)
		}
		if err := os.WriteFile(filepath.Join(h.dir, "staff.csv"), []byte(rows.String()), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return env
}

// TestABatchThroughADatabaseRestart: the team's database is stopped for three
// seconds while a batch runs (its connections dropped, its locks gone), then
// started again. The batch waits for it and carries on: everyone ends as without the
// restart, nobody failed, nobody was set up twice. (A database down for longer than
// a call's 30 s leaves the people under way interrupted, for the same command to
// carry on with: internal/batch and internal/pgstore test that part.)
func TestABatchThroughADatabaseRestart(t *testing.T) {
	t.Parallel()
	cluster, err := pgtest.Start()
	if err != nil {
		t.Fatalf("start a PostgreSQL of the test's own (it is restarted): %v", err)
	}
	t.Cleanup(func() { _ = cluster.Stop() })
	dsn := cluster.Database(t)
	const n = 30
	users := make([]string, n)
	for i := range users {
		users[i] = fmt.Sprintf("staff%03d@contoso.com", i)
	}
	world := vendortest.New(t, vendortest.Options{Rate: teamRate, MinLatency: 2 * time.Millisecond, MaxLatency: 10 * time.Millisecond})
	world.AddPeople(users...)
	ben := newHome(t)
	env := teamBatchHomes(t, world, dsn, users, map[*home]string{ben: "Ben"})[ben]
	if r := ben.run(t, 20*time.Second, env, "store", "migrate"); r.code != 0 {
		t.Fatalf("store migrate: exit %d\n%s", r.code, r.stderr)
	}
	args := []string{"batch", filepath.Join(ben.dir, "staff.csv"), "--trust-phone", "--reason", "numbers from HR", "--output", "json"}
	cmd := exec.Command(binary, args...)
	cmd.Env = env
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(out)
	var first []string
	for len(first) < n/3 && lines.Scan() {
		first = append(first, lines.Text())
	}
	if err := cluster.StopServer(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	if err := cluster.StartServer(); err != nil {
		t.Fatal(err)
	}
	for lines.Scan() {
		first = append(first, lines.Text())
	}
	_ = cmd.Wait()
	if code := cmd.ProcessState.ExitCode(); code != 3 {
		t.Fatalf("the batch through a database restart: exit %d; want 3 (it waited for the database and carried on; people wait on their part)\n%s\n%s", code, strings.Join(first, "\n"), stderr.String())
	}
	seen := map[string]batchLine{}
	for _, l := range first {
		var b batchLine
		if err := json.Unmarshal([]byte(l), &b); err != nil {
			t.Fatalf("a line that is not JSON: %v\n%s", err, l)
		}
		if b.Summary == nil {
			seen[b.User] = b
		}
	}
	for _, u := range users {
		if b := seen[u]; b.Status != "waiting" {
			t.Errorf("%s ended %q through the restart (%s); want waiting on their part, as without one", u, b.Status, b.Reason)
		}
	}
	setUpOnceEach(t, world, n)
}
