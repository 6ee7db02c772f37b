package pgstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mfa-onboard/mfa-onboard/internal/batch"
	"github.com/mfa-onboard/mfa-onboard/internal/pgstore"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// computer is one technician's computer taking part in a shared batch, and the
// shares of the vendors' limits it was told to keep to.
type computer struct {
	store *pgstore.Store
	run   batch.TeamRun

	mu     sync.Mutex
	shares []int
}

func (c *computer) share(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.shares = append(c.shares, n)
}

// keepsTo is the share the computer was told last.
func (c *computer) keepsTo() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.shares) == 0 {
		return 0
	}
	return c.shares[len(c.shares)-1]
}

func join(t *testing.T, dsn, technician, name string) *computer {
	t.Helper()
	c := &computer{store: open(t, dsn, "acme")}
	c.store.SetRunner(state.Runner{Technician: technician, Machine: technician + "-laptop"})
	run, err := c.store.JoinBatch(context.Background(), name, technician+"-laptop:/home/"+technician, c.share)
	if err != nil {
		t.Fatalf("%s joins the batch: %v", technician, err)
	}
	c.run = run
	t.Cleanup(func() { _ = run.Close() })
	return c
}

func claim(t *testing.T, c *computer, user string) batch.Claim {
	t.Helper()
	got, err := c.run.Claim(context.Background(), user)
	if err != nil {
		t.Fatalf("Claim(%s): %v", user, err)
	}
	return got
}

// eventually waits up to 10 s (the lease) for ok.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); !ok(); {
		if time.Now().After(end) {
			t.Fatalf("after 10 s: %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Two computers running one batch: each person is claimed by one of them; the other
// is told who is on them, then how they ended; a computer that leaves lets the
// other take over the people it had not finished; and their shares of each vendor's
// limit always add up to no more than the whole.
func TestTwoComputersShareOneRunOfABatch(t *testing.T) {
	dsn := migrated(t)
	ana := join(t, dsn, "ana", "staff.csv")
	if got := ana.keepsTo(); got != 1 {
		t.Fatalf("alone in the batch, Ana keeps to 1 share in %v; want the whole rate", ana.shares)
	}
	ben := join(t, dsn, "ben", "staff.csv")
	// Ben's join returns once Ana has slowed down: never both at the whole rate.
	if a, b := ana.keepsTo(), ben.keepsTo(); a != 2 || b != 2 {
		t.Fatalf("when Ben's join returned, Ana kept to 1/%d and Ben to 1/%d of the rate; want halves", a, b)
	}

	if got := claim(t, ana, "Alice@contoso.com"); got.State != batch.Mine {
		t.Fatalf("Ana's claim of Alice = %+v; want hers", got)
	}
	got := claim(t, ben, "alice@contoso.com")
	if got.State != batch.Taken || got.By == nil || got.By.Technician != "ana" {
		t.Fatalf("Ben's claim of Alice while Ana runs her = %+v; want taken by ana", got)
	}
	done := batch.Entry{User: "Alice@contoso.com", Status: batch.Waiting, Step: "phone", Line: 2}
	if err := ana.run.End(context.Background(), done); err != nil {
		t.Fatal(err)
	}
	got = claim(t, ben, "alice@contoso.com")
	if got.State != batch.Ended || got.Entry.Status != batch.Waiting || got.Entry.Step != "phone" || got.By == nil || got.By.Technician != "ana" {
		t.Fatalf("Ben's claim of Alice once Ana ended her = %+v; want her outcome, by ana", got)
	}
	if last, ok, err := ben.run.Last(context.Background(), "ALICE@contoso.com"); err != nil || !ok || last.Status != batch.Waiting {
		t.Errorf("Ben's Last(Alice) = %+v, %v, %v; want Ana's waiting", last, ok, err)
	}

	if got := claim(t, ana, "bob@contoso.com"); got.State != batch.Mine {
		t.Fatalf("Ana's claim of Bob = %+v", got)
	}
	if err := ana.run.Close(); err != nil {
		t.Fatal(err)
	}
	if got := claim(t, ben, "bob@contoso.com"); got.State != batch.Mine {
		t.Errorf("Ben's claim of Bob once Ana left without finishing him = %+v; want his to run", got)
	}
	eventually(t, "Ben still keeps to half the rate with Ana gone", func() bool { return ben.keepsTo() == 1 })
}

// A computer that crashed stops renewing its lease: once the lease has run out,
// the people it claimed are the others' to run. But a lease that ran out while the
// database itself was down says nothing of the computer: until the database has
// been up for a lease, its people stay its own.
func TestAClaimWhoseLeaseRanOutIsTakenOver(t *testing.T) {
	dsn := migrated(t)
	if err := cluster.Restart(); err != nil {
		t.Fatal(err)
	}
	ben := join(t, dsn, "ben", "staff.csv")
	// The other computer's part, as a database restart finds it (or a crash leaves
	// it): claimed, never ended, its lease renewed for the last time a minute ago.
	exec(t, dsn, `INSERT INTO batch_participant (run_id, runner, instance, alive_until, share_of)
		SELECT max(id), '{"technician":"ana"}', 'ana-laptop:/home/ana', now() - interval '1 minute', 2 FROM batch_run`)
	exec(t, dsn, `INSERT INTO batch_person (run_id, user_key, participant)
		SELECT max(run_id), 'carol@contoso.com', max(id) FROM batch_participant`)
	if got := claim(t, ben, "carol@contoso.com"); got.State != batch.Taken {
		t.Errorf("Ben's claim of Carol just after the database restarted = %+v; want her left to Ana's computer, which may not have renewed yet", got)
	}
	// Once the database has been up for a lease, Ana's computer would have renewed.
	time.Sleep(time.Duration(untilLeaseSinceStart(t, dsn) * float64(time.Second)))
	if got := claim(t, ben, "carol@contoso.com"); got.State != batch.Mine {
		t.Errorf("Ben's claim of Carol, whose claimer's lease ran out = %+v; want his to run", got)
	}
}

// untilLeaseSinceStart is how many seconds are left until the server has been up
// for a lease (10 s).
func untilLeaseSinceStart(t *testing.T, dsn string) float64 {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var secs float64
	if err := conn.QueryRow(context.Background(), `SELECT greatest(0, extract(epoch FROM pg_postmaster_start_time() + interval '10 seconds' - now()))::float8`).Scan(&secs); err != nil {
		t.Fatal(err)
	}
	return secs + 0.2
}

// Once every computer has left, the same batch again is a new run: a person who
// waited is run again (as on one computer), and their last outcome is still known.
func TestTheNextRunOfABatchRunsTheWaitingAgain(t *testing.T) {
	dsn := migrated(t)
	ana := join(t, dsn, "ana", "staff.csv")
	claim(t, ana, "alice@contoso.com")
	if err := ana.run.End(context.Background(), batch.Entry{User: "alice@contoso.com", Status: batch.Waiting}); err != nil {
		t.Fatal(err)
	}
	if err := ana.run.Close(); err != nil {
		t.Fatal(err)
	}
	ben := join(t, dsn, "ben", "staff.csv")
	if got := claim(t, ben, "alice@contoso.com"); got.State != batch.Mine {
		t.Errorf("in the next run, Ben's claim of Alice = %+v; want his", got)
	}
	if last, ok, _ := ben.run.Last(context.Background(), "alice@contoso.com"); !ok || last.Status != batch.Waiting {
		t.Errorf("in the next run, Alice's last outcome = %+v, %v; want the earlier run's waiting", last, ok)
	}
	// Another batch file's run is another batch, but the same customer's vendors:
	// their limits are shared.
	other := join(t, dsn, "ana", "managers.csv")
	if got := claim(t, other, "alice@contoso.com"); got.State != batch.Mine {
		t.Errorf("a claim of Alice in another batch = %+v; want it free", got)
	}
	if a, b := other.keepsTo(), ben.keepsTo(); a != 2 || b != 2 {
		t.Errorf("Ana's managers.csv beside Ben's staff.csv keep to 1/%d and 1/%d of the customer's rate; want halves", a, b)
	}
	if _, ok, _ := other.run.Last(context.Background(), "alice@contoso.com"); ok {
		t.Error("another batch knows Alice's outcome in staff.csv")
	}
}

// A part killed without a word is still listed until its lease runs out; the same
// batch run again from the same computer and folder ends it at once, takes over the
// people it had claimed, and reports its outcomes as this computer's own.
func TestTheSameComputerRunningABatchAgainTakesOverItsKilledPart(t *testing.T) {
	dsn := migrated(t)
	killed := join(t, dsn, "ben", "staff.csv")
	claim(t, killed, "alice@contoso.com")
	claim(t, killed, "bob@contoso.com")
	if err := killed.run.End(context.Background(), batch.Entry{User: "bob@contoso.com", Status: batch.Completed}); err != nil {
		t.Fatal(err)
	}
	teammate := join(t, dsn, "ana", "staff.csv") // keeps the run alive
	again := join(t, dsn, "ben", "staff.csv")
	if got := claim(t, again, "alice@contoso.com"); got.State != batch.Mine {
		t.Errorf("Ben's batch run again, claiming Alice its killed part had claimed = %+v; want his at once", got)
	}
	if got := claim(t, again, "bob@contoso.com"); got.State != batch.Ended || got.By != nil {
		t.Errorf("Ben's batch run again, claiming Bob its killed part ended = %+v; want his own earlier outcome, by nobody else", got)
	}
	if got := claim(t, teammate, "bob@contoso.com"); got.State != batch.Ended || got.By == nil || got.By.Technician != "ben" {
		t.Errorf("Ana's claim of Bob = %+v; want Ben's outcome, by ben", got)
	}
}
