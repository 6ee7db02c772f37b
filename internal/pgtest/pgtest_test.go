package pgtest_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/mfa-onboard/mfa-onboard/internal/pgtest"
)

// cluster is the one server this test binary shares; TestMain must set it before any
// test runs, so it cannot be passed in.
var cluster *pgtest.Cluster

func TestMain(m *testing.M) {
	os.Exit(pgtest.Main(m, &cluster))
}

func connect(t *testing.T, connString string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, connString)
	if err != nil {
		t.Fatalf("connecting to the test database: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

func mustExec(t *testing.T, conn *pgx.Conn, sql string) {
	t.Helper()
	if _, err := conn.Exec(context.Background(), sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func TestDatabaseIsUsable(t *testing.T) {
	t.Parallel()
	conn := connect(t, cluster.Database(t))
	mustExec(t, conn, "CREATE TABLE person (name text PRIMARY KEY)")
	mustExec(t, conn, "INSERT INTO person VALUES ('alice@example.com')")
	var name string
	if err := conn.QueryRow(context.Background(), "SELECT name FROM person").Scan(&name); err != nil {
		t.Fatal(err)
	}
	if name != "alice@example.com" {
		t.Errorf("read back %q, want alice@example.com", name)
	}
}

func TestDatabasesAreSeparate(t *testing.T) {
	t.Parallel()
	first, second := cluster.Database(t), cluster.Database(t)
	if first == second {
		t.Fatalf("two calls gave the same database: %s", first)
	}
	mustExec(t, connect(t, first), "CREATE TABLE only_in_first (n int)")
	var found bool
	err := connect(t, second).QueryRow(context.Background(),
		"SELECT to_regclass('only_in_first') IS NOT NULL").Scan(&found)
	if err != nil {
		t.Fatal(err)
	}
	if found {
		t.Error("a table made in the first database is visible in the second")
	}
}

// Not parallel: the restart ends every test's connections.
func TestRestartEndsConnectionsAndKeepsData(t *testing.T) {
	connString := cluster.Database(t)
	before := connect(t, connString)
	mustExec(t, before, "CREATE TABLE saved (n int)")
	mustExec(t, before, "INSERT INTO saved VALUES (42)")

	if err := cluster.Restart(); err != nil {
		t.Fatal(err)
	}

	if _, err := before.Exec(context.Background(), "SELECT 1"); err == nil {
		t.Error("a connection made before the restart still works after it")
	}
	var n int
	if err := connect(t, connString).QueryRow(context.Background(), "SELECT n FROM saved").Scan(&n); err != nil {
		t.Fatalf("after the restart: %v", err)
	}
	if n != 42 {
		t.Errorf("after the restart read %d, want 42", n)
	}
}

func TestStopServerKeepsItDown(t *testing.T) {
	connString := cluster.Database(t)
	if err := cluster.StopServer(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, connString)
	if err == nil {
		conn.Close(ctx)
		t.Error("connected while the server was stopped")
	}
	if err := cluster.StartServer(); err != nil {
		t.Fatal(err)
	}
	mustExec(t, connect(t, connString), "SELECT 1")
}

func TestListensOnNoTCPPort(t *testing.T) {
	t.Parallel()
	connString := cluster.Database(t)
	conn := connect(t, connString)
	var addresses string
	if err := conn.QueryRow(context.Background(), "SHOW listen_addresses").Scan(&addresses); err != nil {
		t.Fatal(err)
	}
	if addresses != "" {
		t.Errorf("listen_addresses is %q, want none", addresses)
	}

	// The same user and database over TCP: another server on this machine may answer
	// on localhost, but none other has this test's database.
	config, err := pgx.ParseConfig(connString)
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"127.0.0.1", "::1"} {
		tcp := "host=" + host + " port=5432 user=postgres sslmode=disable connect_timeout=2 dbname=" + config.Database
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		conn, err := pgx.Connect(ctx, tcp)
		cancel()
		if err == nil {
			conn.Close(context.Background())
			t.Errorf("reached the test database over TCP at %s", host)
		}
	}
}
