//go:build linux || darwin

package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mfa-onboard/mfa-onboard/internal/provider/vendortest"
)

// batchPeople is how many people the contract-server batch onboards, and
// batchRate the requests a second each vendor API admits: enough for every worker
// to wait at the limiters, few enough for a test of seconds.
const batchPeople, batchRate = 50, 100

// A technician's batch against Twilio, Graph and Duo that admit batchRate requests
// in any second, answer in 2–10 ms and throw in 429s of their own: killed half way
// (SIGKILL, no chance to tidy up), then run again, it ends where a batch that ran
// through ends, with every person set up once, and the vendors never saw more than
// their rate.
func TestBatchAgainstRateLimitedVendorsSurvivesAKill(t *testing.T) {
	t.Parallel()
	users := make([]string, batchPeople)
	for i := range users {
		users[i] = fmt.Sprintf("user%03d@contoso.com", i)
	}
	type ending struct {
		summary string
		people  map[string]string
	}
	run := func(kill bool) (ending, *vendortest.World) {
		world := vendortest.New(t, vendortest.Options{Rate: batchRate, MinLatency: 2 * time.Millisecond, MaxLatency: 10 * time.Millisecond})
		world.AddPeople(users...)
		// The vendors' own 429s, as a busy tenant gives them: each is waited out,
		// never taken for a failure.
		world.Graph.FailNext("POST /v1.0/users/"+users[3]+"/authentication/phoneMethods", 429, time.Second)
		world.Duo.FailNextN("/admin/v1/users", 2, 429, 42901, "")
		h := newHome(t)
		env := h.env(append(world.Configure(t, h.dir), "CI=true")...)
		csv := filepath.Join(h.dir, "users.csv")
		var rows strings.Builder
		rows.WriteString("user,phone,country,platform\n")
		for i, u := range users {
			fmt.Fprintf(&rows, "%s,+1 201 555 %04d,US,ios\n", u, 100+i)
		}
		if err := os.WriteFile(csv, []byte(rows.String()), 0o600); err != nil {
			t.Fatal(err)
		}
		args := []string{"batch", csv, "--trust-phone", "--reason", "numbers from HR", "--output", "json"}
		if kill {
			killHalfWay(t, h, env, args)
		}
		r := h.run(t, 2*time.Minute, env, args...)
		if r.code != 3 {
			t.Fatalf("batch: exit %d, want 3 (people wait on their part)\n%s", r.code, r.stderr)
		}
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		st := h.run(t, 30*time.Second, env, "status", "--all", "--output", "json")
		if st.code != 0 {
			t.Fatalf("status --all: exit %d\n%s", st.code, st.stderr)
		}
		var all struct {
			Users []result `json:"users"`
		}
		if err := json.Unmarshal([]byte(st.stdout), &all); err != nil {
			t.Fatalf("status --all --output json: %v\n%s", err, st.stdout)
		}
		var last struct{ Summary map[string]any }
		if err := json.Unmarshal([]byte(lines[len(lines)-1]), &last); err != nil {
			t.Fatalf("the batch's last line is not its summary: %v\n%s", err, lines[len(lines)-1])
		}
		delete(last.Summary, "file") // each home has its own
		summary, _ := json.Marshal(last.Summary)
		e := ending{summary: string(summary), people: map[string]string{}}
		for _, u := range all.Users {
			var steps []string
			for _, s := range u.Steps {
				steps = append(steps, s.ID+"="+s.Status)
			}
			e.people[u.User] = u.Status + " at " + u.WaitingOn + ": " + strings.Join(steps, " ")
		}
		return e, world
	}

	clean, _ := run(false)
	resumed, world := run(true)
	if len(clean.people) != batchPeople {
		t.Fatalf("the batch that ran through left %d people, want %d: %s", len(clean.people), batchPeople, clean.summary)
	}
	if resumed.summary != clean.summary {
		t.Errorf("after the kill, the batch ended\n %s\nwhere one that ran through ended\n %s", resumed.summary, clean.summary)
	}
	for _, u := range users {
		if resumed.people[u] != clean.people[u] {
			t.Errorf("%s after the kill: %s\n  where the batch that ran through left: %s", u, resumed.people[u], clean.people[u])
		}
	}

	setUpOnceEach(t, world, batchPeople)
}

// setUpOnceEach checks that the vendors set up each of the n people once — one Duo
// user and one phone a person, one mobile in Microsoft 365, one membership of the
// group — and never saw more than their rate in any second, nor refused a request.
func setUpOnceEach(t *testing.T, world *vendortest.World, n int) {
	t.Helper()
	var duoUsers []string
	for _, u := range world.Duo.Users() {
		duoUsers = append(duoUsers, u.Username)
	}
	slices.Sort(duoUsers)
	if !slices.Equal(slices.Compact(slices.Clone(duoUsers)), duoUsers) || len(duoUsers) != n {
		t.Errorf("Duo has %d users (%v); want each of the %d people once", len(duoUsers), duoUsers, n)
	}
	if got := len(world.Duo.Phones()); got != n {
		t.Errorf("Duo has %d phones; want %d", got, n)
	}
	if created, updated, _ := world.Graph.Writes(); created != n || updated != 0 {
		t.Errorf("Graph saw %d mobiles added and %d changed; want %d added, none changed", created, updated, n)
	}
	if m := world.Graph.Members(vendortest.Group); len(m) != n {
		t.Errorf("the MFA group has %d members; want %d", len(m), n)
	}
	for _, a := range world.APIs {
		if st := a.Limit.Stats(); st.Refused > 0 || st.Busiest > a.Rate {
			t.Errorf("%s saw %d requests in one second (its limit is %d) and refused %d", a.Name, st.Busiest, a.Rate, st.Refused)
		}
	}
}

// killHalfWay starts the batch and kills it with SIGKILL once its journal holds
// half the people's outcomes.
func killHalfWay(t *testing.T, h *home, env, args []string) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = env
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.After(time.Minute)
	for {
		select {
		case err := <-done:
			t.Fatalf("the batch ended (%v) before it could be killed half way", err)
		case <-deadline:
			_ = cmd.Process.Kill()
			t.Fatal("the batch did not get half way in a minute")
		case <-time.After(20 * time.Millisecond):
		}
		if journalLines(t, h) >= batchPeople/2 {
			break
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-done
	if n := journalLines(t, h); n >= batchPeople {
		t.Fatalf("the batch had finished (%d outcomes) when it was killed", n)
	}
}

// journalLines counts the outcomes in the home's batch journal.
func journalLines(t *testing.T, h *home) int {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(h.dir, "batches", "*.jsonl"))
	n := 0
	for _, f := range files {
		file, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(file)
		for sc.Scan() {
			n++
		}
		file.Close()
	}
	return n
}
