package pgstore

import (
	"context"
	"errors"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// The schema's steps are the files of migrations/, NNNNN_what.sql, applied in
// order, each in a transaction of its own, and recorded in versionTable. goose or
// golang-migrate would do this with a database/sql driver, and pgx's links its whole
// type system (conn.go says what that costs); the steps are forward only and few.

// versionTable records the schema's steps applied, named for this program so that
// it never meets another's in a shared database.
const versionTable = "mfa_onboard_schema"

// migrateLock is the advisory lock Migrate holds, so that two technicians
// migrating at once take turns.
const migrateLock int64 = 0x6d66612d6f6e62 // "mfa-onb"

// createVersionTable makes versionTable where there is none yet.
// untranslated: SQL
const createVersionTable = `CREATE TABLE IF NOT EXISTS ` + versionTable + ` (version bigint PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`

// recordStep is the statement that records step version as applied.
func recordStep(version int64) string {
	// untranslated: SQL
	return `INSERT INTO ` + versionTable + `(version) VALUES (` + strconv.FormatInt(version, 10) + `);`
}

// undefinedTable is PostgreSQL's code for a table that does not exist.
const undefinedTable = "42P01"

// step is one migration: its version and its SQL.
type step struct {
	version int64
	sql     string
}

func steps() []step {
	names, _ := fs.Glob(migrations, "migrations/*.sql")
	var out []step
	for _, name := range names {
		n, _, _ := strings.Cut(path.Base(name), "_")
		v, err := strconv.ParseInt(n, 10, 64)
		if err != nil {
			continue
		}
		data, _ := migrations.ReadFile(name)
		out = append(out, step{v, string(data)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out
}

// Latest is the schema version this mfa-onboard knows: the number of its last
// migration.
func Latest() int64 {
	all := steps()
	if len(all) == 0 {
		return 0
	}
	return all[len(all)-1].version
}

// checkSchema refuses a database this mfa-onboard cannot use: not set up yet, set
// up by an older one (run store migrate), or by a newer one (update mfa-onboard).
func (s *Store) checkSchema(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	conn, err := s.conns.get(ctx)
	if err != nil {
		return catalog.Wrap(err, "pgstore.connect", "Where", s.where)
	}
	have, err := applied(ctx, conn)
	s.conns.put(conn, err == nil)
	var pgErr *pgconn.PgError
	switch {
	case errors.As(err, &pgErr) && pgErr.Code == undefinedTable:
		return catalog.NewError("pgstore.not-set-up", "Where", s.where)
	case err != nil:
		return catalog.Wrap(err, "pgstore.connect", "Where", s.where)
	}
	switch latest := Latest(); {
	case have > latest:
		return catalog.NewError("pgstore.schema-newer", "Where", s.where, "Have", have, "Max", latest)
	case have < latest:
		return catalog.NewError("pgstore.schema-older", "Where", s.where, "Have", have, "Want", latest)
	}
	return nil
}

// applied is the newest schema step the database records.
func applied(ctx context.Context, conn *pgconn.PgConn) (int64, error) {
	out, err := query(ctx, conn, `SELECT coalesce(max(version), 0) FROM `+versionTable)
	if err != nil {
		return 0, err
	}
	return int64Of(out[0][0]), nil
}

// Migrate brings the database dsn names to this mfa-onboard's schema and returns
// the versions it applied (none when it was up to date already). A newer
// mfa-onboard's schema is left as it is, and said.
func Migrate(ctx context.Context, dsn string) ([]int64, error) {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return nil, catalog.NewError("pgstore.dsn")
	}
	where := describe(cfg.Host, cfg.Database)
	conn, err := pgconn.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, catalog.Wrap(err, "pgstore.connect", "Where", where)
	}
	// Closing the connection also lets go of the migration lock.
	defer closeSoon(conn)
	failed := func(err error) error { return catalog.Wrap(err, "pgstore.migrate-failed", "Where", where) }
	if _, err := query(ctx, conn, `SELECT pg_advisory_lock($1)`, migrateLock); err != nil {
		return nil, failed(err)
	}
	if err := conn.Exec(ctx, createVersionTable).Close(); err != nil {
		return nil, failed(err)
	}
	have, err := applied(ctx, conn)
	if err != nil {
		return nil, failed(err)
	}
	if latest := Latest(); have > latest {
		return nil, catalog.NewError("pgstore.schema-newer", "Where", where, "Have", have, "Max", latest)
	}
	var done []int64
	for _, st := range steps() {
		if st.version <= have {
			continue
		}
		// One transaction: a step is applied whole, with its record, or not at all.
		sql := "BEGIN;\n" + st.sql + "\n" + recordStep(st.version) + "\nCOMMIT;"
		if _, err := conn.Exec(ctx, sql).ReadAll(); err != nil {
			return done, failed(err)
		}
		done = append(done, st.version)
	}
	return done, nil
}
