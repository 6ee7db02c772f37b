// Package pgstore keeps a customer's people's progress in PostgreSQL, so that a
// team of technicians on their own computers share it: who is done, who is being
// worked on and by whom. It is the state.Store the file store is on one computer;
// the contract both pass is internal/state/storetest.
package pgstore

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/faultpoint"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// migrations are the schema's steps, applied in order by Migrate.
//
//go:embed migrations/*.sql
var migrations embed.FS

// callTimeout bounds one call to the database: a run never hangs on a database
// that stopped answering.
const callTimeout = 30 * time.Second

// Store is one customer's (profile's) people in a PostgreSQL database.
type Store struct {
	conns   conns
	profile string
	// where names the database without its password, for messages.
	where string

	mu     sync.Mutex
	runner *state.Runner
	// held are the people whose lock this process holds, by key, each on a
	// connection of its own, which Close ends.
	held  map[string]*heldLock
	saves atomic.Int64
	// reached is true once a call has been answered: from then on a database that
	// cannot be reached is waited for.
	reached atomic.Bool
	// timeout is callTimeout, shorter in tests.
	timeout time.Duration
}

var _ state.Store = (*Store)(nil)

// Open connects to the database dsn names and checks that its schema is the one
// this mfa-onboard knows; profile is the customer whose people it keeps. The DSN
// is never part of an error, since it may hold a password.
func Open(ctx context.Context, dsn, profile string) (*Store, error) {
	cfg, err := pgconn.ParseConfig(dsn)
	if err != nil {
		return nil, catalog.NewError("pgstore.dsn")
	}
	s := &Store{conns: conns{cfg: cfg}, profile: profile, where: describe(cfg.Host, cfg.Database), timeout: callTimeout}
	if err := s.checkSchema(ctx); err != nil {
		s.Close()
		return nil, err
	}
	s.reached.Store(true)
	return s, nil
}

// describe names a database for a sentence in any language: its name and its
// server (an address, or the folder of a local socket), never a password.
func describe(host, database string) string { return database + "@" + host }

// Close lets go of the database's connections, and with them of any lock still
// held.
func (s *Store) Close() {
	s.mu.Lock()
	held := s.held
	s.held = nil
	s.mu.Unlock()
	for _, h := range held {
		h.mu.Lock()
		if h.conn != nil {
			closeSoon(h.conn)
		}
		h.mu.Unlock()
	}
	s.conns.close()
}

// do runs one query on a connection of the store's, within callTimeout, waiting
// for a database that cannot be reached (see call). The query must be one that may
// run twice: a read, or a write whose second run changes nothing.
func (s *Store) do(sql string, args ...any) (rows, error) { return s.query(true, sql, args...) }

// doOnce is do for a query that must not run twice: it is sent again only where
// it cannot have reached the server, and a connection lost while it ran is an
// error wrapping errInDoubt.
func (s *Store) doOnce(sql string, args ...any) (rows, error) {
	return s.query(false, sql, args...)
}

func (s *Store) query(again bool, sql string, args ...any) (rows, error) {
	var out rows
	err := s.call(again, func(ctx context.Context, conn *pgconn.PgConn) error {
		var err error
		out, err = query(ctx, conn, sql, args...)
		return err
	})
	return out, err
}

// on runs q, which may run twice, on a connection of the store's (see call).
func (s *Store) on(q func(ctx context.Context, conn *pgconn.PgConn) error) error {
	return s.call(true, q)
}

// errInDoubt is a write whose connection was lost while it ran: it may or may not
// have been done.
var errInDoubt = errors.New("the connection was lost during the write") // untranslated: inside the store, never alone in a message

// call runs q on a connection of the store's, within callTimeout. A database that
// cannot be reached — restarting, failing over, the network down a moment — is
// waited for and q run again, up to callTimeout: a team's runs carry on through a
// restart. q is run again only where it cannot have been done (the connection was
// dropped before the query was sent) unless again says running it twice is safe.
// Once the time is up, the error wraps state.ErrUnreachable. Until the store has
// reached the database once, nothing is waited for: a mistyped server is said at
// once.
func (s *Store) call(again bool, q func(ctx context.Context, conn *pgconn.PgConn) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	wait := patience{s: s, ctx: ctx}
	for attempt := 0; ; attempt++ {
		conn, err := s.conns.get(ctx)
		if err != nil {
			if !wait.again(err) {
				return s.unreachable("pgstore.connect", err)
			}
			continue
		}
		err = q(ctx, conn)
		// A refusal of the query itself leaves the connection good.
		s.conns.put(conn, err == nil || !lostConnection(err))
		switch {
		case err == nil:
			s.reached.Store(true)
			return nil
		case !lostConnection(err):
			return s.failed(err)
		case !again && !pgconn.SafeToRetry(err):
			return s.unreachable("pgstore.failed", errors.Join(errInDoubt, err))
		}
		// An idle connection the server dropped fails before the query reaches it;
		// the first time is tried again at once.
		if attempt > 0 && !wait.again(err) {
			return s.unreachable("pgstore.failed", err)
		}
	}
}

// patience paces the tries of one call at a database that cannot be reached.
type patience struct {
	s     *Store
	ctx   context.Context
	pause time.Duration
}

// again waits before the next try after err, longer each time (0.1 s to 2 s), and
// says whether there is one: for a connection lost or not made, once the store has
// reached the database, while the call has time.
func (p *patience) again(err error) bool {
	if !p.s.reached.Load() || !lostConnection(err) {
		return false
	}
	p.pause = min(max(2*p.pause, 100*time.Millisecond), 2*time.Second)
	return sleep(p.ctx, p.pause) == nil
}

// lostConnection is true for an error of the connection, not of the query: the
// server could not be reached, dropped the connection, or is shutting down or
// starting up (SQLSTATE classes 08 and 57). A server that refused the login (a
// wrong password, no such database) is not one: waiting would not change it.
func lostConnection(err error) bool {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return strings.HasPrefix(pgErr.Code, "08") || strings.HasPrefix(pgErr.Code, "57")
	}
	return true
}

// unreachable is a database that could not be reached or was lost, as a person
// reads it; it wraps state.ErrUnreachable.
func (s *Store) unreachable(id string, err error) error {
	return state.NewError(catalog.Wrap(err, id, "Where", s.where), state.ErrUnreachable, err)
}

// key is the person's row: the address lower-cased, as the file store names files.
func key(user string) string { return strings.ToLower(user) }

// Load returns user's progress and its version, or an error wrapping
// state.ErrNotFound.
func (s *Store) Load(user string) (*state.State, error) {
	out, err := s.do(`SELECT state, version FROM person_state WHERE profile = $1 AND user_key = $2`, s.profile, key(user))
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, state.NewError(catalog.NewError("pgstore.not-found", "User", user, "Where", s.where), state.ErrNotFound)
	}
	return s.decode(out[0][0], int64Of(out[0][1]), user)
}

func (s *Store) decode(data []byte, version int64, user string) (*state.State, error) {
	st, err := state.Decode(data, s.Where(user))
	if err != nil {
		return nil, err
	}
	st.Revision = uint64(version)
	return st, nil
}

// failed is a database error as a person reads it.
func (s *Store) failed(err error) error {
	return catalog.Wrap(err, "pgstore.failed", "Where", s.where)
}

// Save writes st over the version it was loaded at; a person saved since by another
// run, on this computer or another, is a *state.StaleError and nothing changes.
func (s *Store) Save(st *state.State) error { return s.save(st, s.currentRunner()) }

// SaveAsLastRun is Save that keeps st.LastRun as who ran the person's run last.
func (s *Store) SaveAsLastRun(st *state.State) error {
	if st != nil && st.LastRun != nil {
		return s.save(st, st.LastRun)
	}
	return s.Save(st)
}

func (s *Store) save(st *state.State, runner *state.Runner) error {
	if st == nil || st.User == "" {
		return catalog.NewError("state.save.no-user")
	}
	st.LastRun = runner
	data, err := state.Encode(st)
	if err != nil {
		return err
	}
	by, err := json.Marshal(runner)
	if err != nil {
		return catalog.Wrap(err, "state.save.encode", "User", st.User)
	}
	write := s.doOnce
	if h := s.holding(st.User); h != nil {
		// On the connection that holds the person's lock: the save proves the lock
		// is still held, at no cost (see onHeld).
		write = func(sql string, args ...any) (rows, error) { return s.onHeld(h, sql, args...) }
	}
	for tries := 0; ; tries++ {
		var out rows
		if st.Revision == 0 {
			out, err = write(`INSERT INTO person_state (profile, user_key, user_name, state, version, saved_at, saved_by)
				VALUES ($1, $2, $3, $4, 1, now(), $5) ON CONFLICT DO NOTHING RETURNING version`,
				s.profile, key(st.User), st.User, data, by)
		} else {
			out, err = write(`UPDATE person_state SET user_name = $3, state = $4, version = version + 1, saved_at = now(), saved_by = $5
				WHERE profile = $1 AND user_key = $2 AND version = $6 RETURNING version`,
				s.profile, key(st.User), st.User, data, by, int64(st.Revision))
		}
		if errors.Is(err, errInDoubt) && tries < 3 {
			// The connection was lost while the save ran: the row says whether it was
			// done (the next version, holding this state) or not (still the version
			// loaded: save again).
			done, again, verr := s.wasSaved(st, data)
			switch {
			case verr != nil:
				return err
			case again:
				continue
			case done:
				out, err = rows{{[]byte(strconv.FormatUint(st.Revision+1, 10))}}, nil
			default:
				return s.stale(st.User)
			}
		}
		if err != nil {
			return err
		}
		if len(out) == 0 {
			return s.stale(st.User)
		}
		s.saves.Add(1)
		st.Revision = uint64(int64Of(out[0][0]))
		faultpoint.HitWith(faultpoint.DBSave, key(st.User)+".json", data) // make test-faults kills here; nothing in other builds
		return nil
	}
}

// wasSaved says whether a save of st, as data, whose connection was lost was done
// (the row is at the next version and holds data), or is to be done again (the row
// is still at the version st was loaded at, or there is none for a new person).
func (s *Store) wasSaved(st *state.State, data []byte) (done, again bool, err error) {
	out, err := s.do(`SELECT version, state = $3::jsonb FROM person_state WHERE profile = $1 AND user_key = $2`, s.profile, key(st.User), data)
	switch {
	case err != nil:
		return false, false, err
	case len(out) == 0:
		return false, st.Revision == 0, nil
	}
	version := uint64(int64Of(out[0][0]))
	return version == st.Revision+1 && string(out[0][1]) == "t", version == st.Revision && st.Revision != 0, nil
}

// stale is the refusal of a save over a newer one, naming who saved it when the
// row says.
func (s *Store) stale(user string) error {
	e := &state.StaleError{User: user}
	out, err := s.do(`SELECT saved_by FROM person_state WHERE profile = $1 AND user_key = $2`, s.profile, key(user))
	if err == nil && len(out) == 1 && out[0][0] != nil && json.Unmarshal(out[0][0], &e.By) == nil {
		e.Known = true
	}
	return e
}

// Delete forgets user's progress.
func (s *Store) Delete(user string) error {
	_, err := s.do(`DELETE FROM person_state WHERE profile = $1 AND user_key = $2`, s.profile, key(user))
	return err
}

// List returns everyone's progress, sorted by address, and one error naming each
// row it could not read.
func (s *Store) List() ([]*state.State, error) {
	var all []*state.State
	err := s.Visit(func(st *state.State) { all = append(all, st) })
	return all, err
}

// Visit calls keep for each person's progress, one at a time, in address order,
// as the rows arrive: a customer of ten thousand is never held whole.
func (s *Store) Visit(keep func(*state.State)) error {
	var errs []error
	// Once: rows kept before a lost connection would be kept again.
	err := s.call(false, func(ctx context.Context, conn *pgconn.PgConn) error {
		errs = nil
		return each(ctx, conn, `SELECT user_name, state, version FROM person_state WHERE profile = $1 ORDER BY user_key, user_name COLLATE "C"`,
			func(r [][]byte) error {
				st, err := s.decode(r[1], int64Of(r[2]), string(r[0]))
				if err != nil {
					errs = append(errs, err)
					return nil
				}
				keep(st)
				return nil
			}, s.profile)
	})
	return errors.Join(append([]error{err}, errs...)...)
}

// Sole finds the one person who has started for this customer.
func (s *Store) Sole() (state.Sole, error) {
	out, err := s.do(`SELECT user_name, state, version, count(*) OVER () FROM person_state WHERE profile = $1 ORDER BY user_key, user_name COLLATE "C" LIMIT 2`, s.profile)
	if err != nil {
		return state.Sole{}, err
	}
	var found state.Sole
	var people []*state.State
	var errs []error
	for _, r := range out {
		found.Files = int(int64Of(r[3]))
		st, err := s.decode(r[1], int64Of(r[2]), string(r[0]))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		people = append(people, st)
	}
	switch {
	case len(people) == 2:
		found.Several = []string{people[0].User, people[1].User}
	case len(people) == 1 && found.Files == 1:
		found.State = people[0]
	case len(people) == 1:
		found.Several = []string{people[0].User}
	}
	return found, errors.Join(errs...)
}

// Where names user's place in the database.
func (s *Store) Where(user string) string {
	return s.where + "/" + s.profile + "/" + user
}

// SetRunner says who runs this process, as Save records it.
func (s *Store) SetRunner(r state.Runner) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.runner = &r
}

func (s *Store) currentRunner() *state.Runner {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.runner == nil {
		r := state.CurrentRunner()
		s.runner = &r
	}
	r := *s.runner
	return &r
}

// Saves is how many times this store has written a person's state.
func (s *Store) Saves() int64 { return s.saves.Load() }

// locked is the refusal of a lock another run holds, with who and since when.
func (s *Store) locked(user string) error {
	e := &state.LockedError{User: user, Database: s.where}
	out, err := s.do(`SELECT holder, (extract(epoch FROM since) * 1000000)::bigint FROM person_lock WHERE profile = $1 AND user_key = $2`, s.profile, key(user))
	if err == nil && len(out) == 1 && json.Unmarshal(out[0][0], &e.Holder.Runner) == nil {
		e.Holder.Since, e.Known = time.UnixMicro(int64Of(out[0][1])), true
	}
	return e
}

// Busy says whether a run holds user's lock now: a try of the lock inside a
// transaction, which lets it go at once.
func (s *Store) Busy(user string) (bool, error) {
	if user == "" {
		return false, catalog.NewError("state.busy.no-user")
	}
	out, err := s.do(`SELECT pg_try_advisory_xact_lock($1)`, s.lockKey(user))
	if err != nil {
		return false, err
	}
	return string(out[0][0]) != "t", nil
}
