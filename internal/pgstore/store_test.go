package pgstore_test

import (
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mfa-onboard/mfa-onboard/internal/pgstore"
	"github.com/mfa-onboard/mfa-onboard/internal/pgtest"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
	"github.com/mfa-onboard/mfa-onboard/internal/state/storetest"
)

var cluster *pgtest.Cluster

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m, &cluster)) }

// migrated is a new database with this mfa-onboard's schema.
func migrated(t *testing.T) string {
	t.Helper()
	dsn := cluster.Database(t)
	if _, err := pgstore.Migrate(context.Background(), dsn); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return dsn
}

func open(t *testing.T, dsn, profile string) *pgstore.Store {
	t.Helper()
	s, err := pgstore.Open(context.Background(), dsn, profile)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestPostgresKeepsTheStoreContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (state.Store, func() state.Store) {
		dsn := migrated(t)
		return open(t, dsn, "acme"), func() state.Store { return open(t, dsn, "acme") }
	})
}

func TestMigrateTwiceAppliesNothingTheSecondTime(t *testing.T) {
	dsn := cluster.Database(t)
	first, err := pgstore.Migrate(context.Background(), dsn)
	if err != nil || len(first) == 0 {
		t.Fatalf("first Migrate = %v, %v; want the schema's steps applied", first, err)
	}
	again, err := pgstore.Migrate(context.Background(), dsn)
	if err != nil || len(again) != 0 {
		t.Errorf("second Migrate = %v, %v; want nothing to do", again, err)
	}
}

func TestOpenSaysWhatTheSchemaNeeds(t *testing.T) {
	ctx := context.Background()
	t.Run("not set up", func(t *testing.T) {
		dsn := cluster.Database(t)
		_, err := pgstore.Open(ctx, dsn, "acme")
		if err == nil || !strings.Contains(err.Error(), "mfa-onboard store migrate") {
			t.Errorf("Open of an empty database = %v; want to be told to run store migrate", err)
		}
	})
	t.Run("set up by a newer mfa-onboard", func(t *testing.T) {
		dsn := migrated(t)
		exec(t, dsn, `INSERT INTO mfa_onboard_schema (version) VALUES (999)`)
		_, err := pgstore.Open(ctx, dsn, "acme")
		if err == nil || !strings.Contains(err.Error(), "update mfa-onboard") {
			t.Errorf("Open of a newer schema = %v; want to be told to update mfa-onboard", err)
		}
		if _, err := pgstore.Migrate(ctx, dsn); err == nil || !strings.Contains(err.Error(), "update mfa-onboard") {
			t.Errorf("Migrate of a newer schema = %v; want to be told to update mfa-onboard", err)
		}
	})
	t.Run("older than this mfa-onboard", func(t *testing.T) {
		dsn := migrated(t)
		exec(t, dsn, `DELETE FROM mfa_onboard_schema WHERE version = `+itoa(pgstore.Latest()))
		_, err := pgstore.Open(ctx, dsn, "acme")
		if err == nil || !strings.Contains(err.Error(), "mfa-onboard store migrate") {
			t.Errorf("Open of an older schema = %v; want to be told to run store migrate", err)
		}
	})
}

func TestAConnectionStringIsNeverInAnError(t *testing.T) {
	for _, dsn := range []string{
		"host=/nonexistent/socket user=tech password=s3cret-Pa55 dbname=mfa connect_timeout=1",
		"postgres://tech:s3cret-Pa55@127.0.0.1:1/mfa?connect_timeout=1",
		"host=%%% password=s3cret-Pa55 ===",
	} {
		_, err := pgstore.Open(context.Background(), dsn, "acme")
		if err == nil {
			t.Fatalf("Open(%q) succeeded", dsn)
		}
		if strings.Contains(err.Error(), "s3cret-Pa55") {
			t.Errorf("the error names the password: %v", err)
		}
		if _, err := pgstore.Migrate(context.Background(), dsn); err == nil || strings.Contains(err.Error(), "s3cret-Pa55") {
			t.Errorf("Migrate error %v: want an error without the password", err)
		}
	}
}

func TestProfilesAreApart(t *testing.T) {
	dsn := migrated(t)
	acme, contoso := open(t, dsn, "acme"), open(t, dsn, "contoso")
	if err := acme.Save(state.New("alice@example.com", time.Now())); err != nil {
		t.Fatal(err)
	}
	if _, err := contoso.Load("alice@example.com"); !errors.Is(err, state.ErrNotFound) {
		t.Errorf("another customer's Load = %v; want ErrNotFound", err)
	}
	unlock, err := acme.Lock("alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	other, err := contoso.Lock("alice@example.com")
	if err != nil {
		t.Fatalf("the same address at another customer is locked too: %v", err)
	}
	other()
}

// TestALockDiesWithItsConnection: a laptop that crashes or drops off the network
// ends its connection, and the person is free again for the rest of the team.
func TestALockDiesWithItsConnection(t *testing.T) {
	dsn := migrated(t)
	s, other := open(t, dsn, "acme"), open(t, dsn, "acme")
	if _, err := s.Lock("alice@example.com"); err != nil {
		t.Fatal(err)
	}
	if _, err := other.Lock("alice@example.com"); !errors.Is(err, state.ErrLocked) {
		t.Fatalf("Lock while held = %v; want ErrLocked", err)
	}
	// The holder's connection ends as a crashed computer's would.
	exec(t, dsn, `SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND pid <> pg_backend_pid()`)
	deadline := time.Now().Add(10 * time.Second)
	for {
		unlock, err := other.Lock("alice@example.com")
		if err == nil {
			unlock()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the lock of a dead connection is still held: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func exec(t *testing.T, dsn, sql string) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// TestTheAuditIsAppendOnly: entries come back in the order kept, each customer's
// apart, and no role, the owner included, changes or removes one.
func TestTheAuditIsAppendOnly(t *testing.T) {
	dsn := migrated(t)
	acme, contoso := open(t, dsn, "acme"), open(t, dsn, "contoso")
	for _, line := range []string{`{"action":"phone","user":"a@example.com"}`, `{"action":"verify","user":"a@example.com"}`} {
		if err := acme.AppendLine([]byte(line)); err != nil {
			t.Fatal(err)
		}
	}
	if err := contoso.AppendLine([]byte(`{"action":"reset","user":"b@example.com"}`)); err != nil {
		t.Fatal(err)
	}
	var got []string
	if err := acme.EachLine(func(line []byte) error { got = append(got, string(line)); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !strings.Contains(got[0], `"phone"`) || !strings.Contains(got[1], `"verify"`) {
		t.Errorf("acme's audit = %q; want its two entries, phone then verify", got)
	}
	for _, sql := range []string{
		`UPDATE audit_entry SET entry = '{"action":"nothing"}'`,
		`DELETE FROM audit_entry`,
		`TRUNCATE audit_entry`,
	} {
		if err := tryExec(dsn, sql); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s by the tables' owner: %v; want it refused as append-only", sql, err)
		}
	}
}

func tryExec(dsn, sql string) error {
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(context.Background(), sql)
	return err
}

// TestARestartedDatabaseIsReconnected: the server restarted between two calls (an
// update, a failover) costs a run nothing: its idle connections are replaced.
func TestARestartedDatabaseIsReconnected(t *testing.T) {
	dsn := migrated(t)
	s := open(t, dsn, "acme")
	if err := s.Save(state.New("alice@example.com", time.Now())); err != nil {
		t.Fatal(err)
	}
	if err := cluster.Restart(); err != nil {
		t.Fatal(err)
	}
	st, err := s.Load("alice@example.com")
	if err != nil {
		t.Fatalf("Load after the server restarted: %v", err)
	}
	st.Mark("phone", state.Done, "", time.Now())
	if err := s.Save(st); err != nil {
		t.Fatalf("Save after the server restarted: %v", err)
	}
}

// TestARunWaitsForADatabaseThatIsRestarting: a database down for a few seconds (a
// restart, a failover) is waited for: a save, a read and a person's lock made while
// it is down are done once it is back.
func TestARunWaitsForADatabaseThatIsRestarting(t *testing.T) {
	dsn := migrated(t)
	s := open(t, dsn, "acme")
	if err := s.Save(state.New("alice@example.com", time.Now())); err != nil {
		t.Fatal(err)
	}
	st, err := s.Load("alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := cluster.StopServer(); err != nil {
		t.Fatal(err)
	}
	back := make(chan error, 1)
	go func() {
		time.Sleep(2 * time.Second)
		back <- cluster.StartServer()
	}()
	audited := make(chan error, 1)
	go func() { audited <- s.AppendLine([]byte(`{"action":"phone","user":"alice@example.com"}`)) }()
	st.Mark("phone", state.Done, "", time.Now())
	if err := s.Save(st); err != nil {
		t.Errorf("Save while the database restarts: %v", err)
	}
	if err := <-audited; err != nil {
		t.Errorf("an audit entry kept while the database restarts: %v", err)
	}
	if err := <-back; err != nil {
		t.Fatal(err)
	}
	var entries int
	if err := s.EachLine(func([]byte) error { entries++; return nil }); err != nil || entries != 1 {
		t.Errorf("the audit after the restart has %d entries (%v); want the one kept once", entries, err)
	}
	if got, err := s.Load("alice@example.com"); err != nil || got.Steps["phone"].Status != state.Done {
		t.Errorf("Load after the restart = %v, %v; want phone done", got, err)
	}
	unlock, err := s.Lock("alice@example.com")
	if err != nil {
		t.Fatalf("Lock after the restart: %v", err)
	}
	_ = unlock()
}

// TestADatabaseGoneForGoodIsSaidAsUnreachable: a database that stays down is waited
// for no longer than a call's time (30 s; 2 here), and the error says the store is unreachable, so
// that a batch leaves the person to the next run instead of failing them.
func TestADatabaseGoneForGoodIsSaidAsUnreachable(t *testing.T) {
	dsn := migrated(t)
	s := open(t, dsn, "acme")
	pgstore.SetCallTimeout(s, 2*time.Second)
	if _, err := s.Busy("alice@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := cluster.StopServer(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cluster.StartServer() })
	_, err := s.Load("alice@example.com")
	if !errors.Is(err, state.ErrUnreachable) {
		t.Errorf("Load from a database that stays down = %v; want it to wrap state.ErrUnreachable", err)
	}
}

// TestAPersonsLockOutlivesADatabaseRestart: a restart ends every connection, and the
// locks they held. The run that held a person's lock takes it again with its next
// save, so another technician is still refused; and where the other took the
// person first, the run's save is refused, with nothing written.
func TestAPersonsLockOutlivesADatabaseRestart(t *testing.T) {
	dsn := migrated(t)
	ana, ben := open(t, dsn, "acme"), open(t, dsn, "acme")
	const alice = "alice@example.com"
	unlock, err := ana.Lock(alice)
	if err != nil {
		t.Fatal(err)
	}
	st := state.New(alice, time.Now())
	if err := ana.Save(st); err != nil {
		t.Fatal(err)
	}
	if err := cluster.Restart(); err != nil {
		t.Fatal(err)
	}
	st.Mark("phone", state.Done, "", time.Now())
	if err := ana.Save(st); err != nil {
		t.Fatalf("Ana's save after the restart: %v", err)
	}
	if _, err := ben.Lock(alice); !errors.Is(err, state.ErrLocked) {
		t.Errorf("Ben's lock of Alice after the restart, while Ana's run goes on = %v; want it refused", err)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}

	if unlock, err = ana.Lock(alice); err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if err := cluster.Restart(); err != nil {
		t.Fatal(err)
	}
	benUnlock, err := ben.Lock(alice)
	if err != nil {
		t.Fatalf("Ben's lock of Alice, first after the restart: %v", err)
	}
	defer benUnlock()
	st.Mark("verify", state.Done, "", time.Now())
	if err := ana.Save(st); !errors.Is(err, state.ErrLocked) {
		t.Errorf("Ana's save after Ben took Alice = %v; want it refused as locked", err)
	}
	if got, err := ben.Load(alice); err != nil || got.Steps["verify"] != nil && got.Steps["verify"].Status == state.Done {
		t.Errorf("Alice after Ana's refused save = %v, %v; want verify not done", got, err)
	}
}
