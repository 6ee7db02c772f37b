// Package pgtest gives tests a real PostgreSQL server of their own, so that the
// stores built on PostgreSQL are tested against the database they will meet, never a
// mock. Each test binary starts one cluster in TestMain; each test takes a fresh
// database from it.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// debianServerDirs is where Debian's postgresql package puts the server programs, one
// folder per major version, none of them on PATH.
const debianServerDirs = "/usr/lib/postgresql/*/bin"

// port names the socket file (.s.PGSQL.5432); it is set on both sides so that a PGPORT
// in the environment cannot make the client and the server disagree.
const port = "5432"

// Cluster is a throw-away PostgreSQL server for one test binary: its data and its
// Unix socket live in a temporary folder, and it listens on no TCP port.
type Cluster struct {
	dir      string // the temporary folder; also the socket's folder
	data     string
	log      string
	programs programs
	asServer func(*exec.Cmd) // runs a program as the server's user (not root)

	mu        sync.Mutex // guards running between StopServer and StartServer
	running   bool
	databases atomic.Int64
}

// programs are the server programs' paths; initdb and pg_ctl may be in different
// folders when they are found on PATH.
type programs struct {
	initdb, pgCtl string
}

// Start runs initdb and pg_ctl start; meant for TestMain (one cluster per test binary;
// initdb takes seconds).
func Start() (*Cluster, error) {
	// A short folder name: the socket's path must stay under about 100 bytes.
	dir, err := os.MkdirTemp("", "pgt")
	if err != nil {
		return nil, fmt.Errorf("making a folder for the test PostgreSQL server: %w", err)
	}
	c := &Cluster{dir: dir, data: filepath.Join(dir, "data"), log: filepath.Join(dir, "log")}
	// The user first: on Windows that error says more than "not installed" would.
	c.asServer, err = serverUser(dir)
	if err == nil {
		c.programs, err = findPrograms(debianServerDirs)
	}
	if err == nil {
		err = c.run("initdb", c.programs.initdb, "-D", c.data, "-U", "postgres", "-A", "trust",
			"-E", "UTF8", "--locale=C", "--no-sync")
	}
	if err == nil {
		err = c.StartServer()
	}
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return c, nil
}

// Stop stops the server (pg_ctl stop -m immediate) and removes its folder.
func (c *Cluster) Stop() error {
	c.mu.Lock()
	running := c.running
	c.mu.Unlock()
	var err error
	if running {
		err = c.StopServer()
	}
	return errors.Join(err, os.RemoveAll(c.dir))
}

// Restart stops and starts the server again with the same data, as an operator or a
// crash would; for tests of runs that must survive the database going away.
func (c *Cluster) Restart() error {
	if err := c.StopServer(); err != nil {
		return err
	}
	return c.StartServer()
}

// StopServer is the first half of Restart, for a test that keeps the server down for a
// while: it kills the server at once (-m immediate), ending every connection, and
// keeps the data.
func (c *Cluster) StopServer() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.running {
		return errors.New("the test PostgreSQL server is already stopped: call StartServer first")
	}
	if err := c.run("pg_ctl stop", c.programs.pgCtl, "-D", c.data, "-m", "immediate", "-w", "-s", "stop"); err != nil {
		return err
	}
	c.running = false
	return nil
}

// StartServer is the second half of Restart: it starts the server on the data it had
// and returns once it accepts connections.
func (c *Cluster) StartServer() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.running {
		return errors.New("the test PostgreSQL server is already running: call StopServer first")
	}
	// fsync and full-page writes matter only when the machine itself crashes, which a
	// throw-away cluster does not survive anyway; without them tests run faster.
	// synchronous_commit stays on: with fsync off a commit costs only a write to the
	// kernel, and a committed row must survive StopServer's immediate stop.
	// pg_ctl hands these options to /bin/sh, hence the quotes around the folder.
	options := fmt.Sprintf("-k '%s' -c listen_addresses='' -c port=%s -c fsync=off -c full_page_writes=off",
		c.dir, port)
	if err := c.run("pg_ctl start", c.programs.pgCtl, "-D", c.data, "-l", c.log, "-w", "-s", "-o", options, "start"); err != nil {
		return err
	}
	c.running = true
	return nil
}

// Database makes a new, empty database for one test (dropped at tb.Cleanup) and
// returns its connection string (key=value form with host=<socket dir>, user, dbname;
// sslmode=disable).
func (c *Cluster) Database(tb testing.TB) string {
	tb.Helper()
	name := fmt.Sprintf("t_%d_%08x", c.databases.Add(1), rand.Uint32())
	if err := c.admin("CREATE DATABASE " + name); err != nil {
		tb.Fatalf("making a test database: %v", err)
	}
	tb.Cleanup(func() {
		// FORCE ends the connections the test left open, which would block the drop.
		if err := c.admin("DROP DATABASE " + name + " WITH (FORCE)"); err != nil {
			tb.Errorf("dropping test database %s (was the server left stopped?): %v", name, err)
		}
	})
	return c.connString(name)
}

// admin runs one statement in the postgres database; CREATE and DROP DATABASE cannot
// run inside the database they act on.
func (c *Cluster) admin(sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, c.connString("postgres"))
	if err != nil {
		return err
	}
	defer conn.Close(context.Background())
	_, err = conn.Exec(ctx, sql)
	return err
}

func (c *Cluster) connString(dbname string) string {
	return fmt.Sprintf("host=%s port=%s user=postgres dbname=%s sslmode=disable",
		quoteConnValue(c.dir), port, dbname)
}

// quoteConnValue quotes a key=value connection string's value, so that a temporary
// folder with a space in its name still works.
func quoteConnValue(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// run runs one server program and, when it fails, says what it and the server printed:
// the reason a cluster will not start is usually only in the server's log.
func (c *Cluster) run(what, program string, args ...string) error {
	cmd := exec.Command(program, args...)
	cmd.Dir = c.dir // the server's user may not be allowed into the caller's folder
	c.asServer(cmd)
	out, err := cmd.CombinedOutput()
	if err == nil {
		return nil
	}
	msg := fmt.Sprintf("%s failed (%v)", what, err)
	if s := strings.TrimSpace(string(out)); s != "" {
		msg += "; it printed:\n" + s
	}
	if tail := lastLines(c.log, 15); tail != "" {
		msg += "\nthe server log ends:\n" + tail
	}
	return errors.New(msg)
}

func lastLines(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// errNotInstalled is what Main prints when there is no server to start; one line, so
// that it stands out in a failing CI log.
var errNotInstalled = errors.New("the PostgreSQL server programs (initdb, pg_ctl) were not found " +
	"through pg_config, on PATH or under /usr/lib/postgresql: install them " +
	"(apt-get install postgresql on Debian) to run the PostgreSQL tests")

// findPrograms looks where each kind of install puts the server programs: pg_config
// knows its own install's folder, a hand-made or Homebrew install puts them on PATH,
// and Debian keeps them in a folder per version (the newest wins).
func findPrograms(versionDirs string) (programs, error) {
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		// A client-only pg_config (libpq-dev) may name a folder with no server in it.
		if p, ok := programsIn(strings.TrimSpace(string(out))); ok {
			return p, nil
		}
	}
	initdb, err1 := exec.LookPath("initdb")
	pgCtl, err2 := exec.LookPath("pg_ctl")
	if err1 == nil && err2 == nil {
		return programs{initdb: initdb, pgCtl: pgCtl}, nil
	}
	dirs, _ := filepath.Glob(versionDirs) // the pattern is ours, so it is well formed
	if p, ok := programsIn(newestVersionDir(dirs)); ok {
		return p, nil
	}
	return programs{}, errNotInstalled
}

func programsIn(dir string) (programs, bool) {
	if dir == "" {
		return programs{}, false
	}
	p := programs{initdb: filepath.Join(dir, "initdb"), pgCtl: filepath.Join(dir, "pg_ctl")}
	for _, path := range []string{p.initdb, p.pgCtl} {
		if info, err := os.Stat(path); err != nil || info.IsDir() {
			return programs{}, false
		}
	}
	return p, true
}

// newestVersionDir picks, from folders like /usr/lib/postgresql/<version>/bin, the
// highest version; compared as numbers, since 9.6 is older than 10.
func newestVersionDir(dirs []string) string {
	best, bestVersion := "", -1.0
	for _, dir := range dirs {
		version, err := strconv.ParseFloat(filepath.Base(filepath.Dir(dir)), 64)
		if err == nil && version > bestVersion {
			best, bestVersion = dir, version
		}
	}
	return best
}

// Main is a helper for TestMain: func TestMain(m *testing.M) {
// os.Exit(pgtest.Main(m, &cluster)) } — starts the cluster, runs m, stops it; if the
// server programs cannot be found it prints one clear line and fails (exit 1), naming
// what to install.
func Main(m *testing.M, cluster **Cluster) int {
	c, err := Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		return 1
	}
	*cluster = c
	code := m.Run()
	if err := c.Stop(); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest: stopping the test PostgreSQL server:", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// Lazy is a cluster started by the first test that asks for a database (initdb
// takes seconds, which tests that need none should not wait for) and stopped by
// Stop, from TestMain once the tests have run.
type Lazy struct {
	once    sync.Once
	cluster *Cluster
	err     error
}

// Database is a new database on the cluster, started now if it is not yet.
func (l *Lazy) Database(tb testing.TB) string {
	tb.Helper()
	l.once.Do(func() { l.cluster, l.err = Start() })
	if l.err != nil {
		tb.Fatalf("start PostgreSQL for the tests: %v", l.err)
	}
	return l.cluster.Database(tb)
}

// Stop stops the cluster if a test started it.
func (l *Lazy) Stop() error {
	if l.cluster == nil {
		return nil
	}
	return l.cluster.Stop()
}
