package pgstore

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"sync"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
)

// heldLock is a person's lock this process holds: a PostgreSQL advisory lock on a
// connection of its own. A database restart ends the connection and the lock with
// it; the person's next save takes it again (onHeld), or is refused if another run
// has taken it meanwhile.
type heldLock struct {
	user string
	key  int64

	mu sync.Mutex
	// conn holds the lock; nil once it was lost and not taken again.
	conn *pgconn.PgConn
}

// lockKey is the advisory lock of user for this customer: 64 bits of a hash of both,
// the same on every computer.
func (s *Store) lockKey(user string) int64 {
	sum := sha256.Sum256([]byte("mfa-onboard\x00" + s.profile + "\x00" + key(user)))
	return int64(binary.BigEndian.Uint64(sum[:8]))
}

// Lock takes user's lock for this customer, for every computer sharing the
// database: a PostgreSQL advisory lock held on a connection of its own until
// unlock. A computer that crashes or loses its network lets go when its connection
// ends. Another run's lock is a *state.LockedError at once, naming who holds it.
func (s *Store) Lock(user string) (func() error, error) {
	if user == "" {
		return nil, catalog.NewError("state.lock.no-user")
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	h := &heldLock{user: user, key: s.lockKey(user)}
	if err := s.take(ctx, h); err != nil {
		return nil, err
	}
	s.hold(h)
	var once sync.Once
	return func() error {
		var uerr error
		once.Do(func() {
			if !s.release(h) {
				return // Close ended the connection, and with it the lock.
			}
			h.mu.Lock()
			defer h.mu.Unlock()
			if h.conn == nil {
				return // lost with its connection, and not taken again
			}
			ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
			defer cancel()
			// Gone before the lock is let go, so it never names a run that has ended.
			_, _ = query(ctx, h.conn, `DELETE FROM person_lock WHERE profile = $1 AND user_key = $2`, s.profile, key(user))
			// Let go here and now: the server ends a closed connection's session, and
			// its locks, a moment after, and the next run must find the person free.
			// A connection lost meanwhile (the database restarted) took the lock with it.
			if _, err := query(ctx, h.conn, `SELECT pg_advisory_unlock($1)`, h.key); err != nil && !lostConnection(err) {
				uerr = s.failed(err)
			}
			// Closing the connection lets go of the lock in any case.
			_ = h.conn.Close(ctx)
			h.conn = nil
		})
		return uerr
	}, nil
}

// take takes h's lock on a new connection, waiting for a database that cannot be
// reached as call does, and says who holds it; another run's lock is a
// *state.LockedError.
func (s *Store) take(ctx context.Context, h *heldLock) error {
	wait := patience{s: s, ctx: ctx}
	for {
		conn, got, err := s.tryLock(ctx, h.key)
		switch {
		case err == nil && !got:
			return s.locked(h.user)
		case err == nil:
			h.conn = conn
			// Saying who holds it is for the next technician; the lock is held
			// whether or not this is written.
			if holder, err := json.Marshal(s.currentRunner()); err == nil {
				_, _ = query(ctx, conn, `INSERT INTO person_lock (profile, user_key, holder, since) VALUES ($1, $2, $3, now())
					ON CONFLICT (profile, user_key) DO UPDATE SET holder = excluded.holder, since = excluded.since`, s.profile, key(h.user), holder)
			}
			return nil
		// A lock taken on a connection then lost went with it: try again.
		case !wait.again(err):
			return s.unreachable("pgstore.failed", err)
		}
	}
}

// tryLock tries the advisory lock k on a connection of its own, which it returns
// when the lock was got (and closes when not).
func (s *Store) tryLock(ctx context.Context, k int64) (*pgconn.PgConn, bool, error) {
	conn, err := pgconn.ConnectConfig(ctx, s.conns.cfg)
	if err != nil {
		return nil, false, err
	}
	// Over TCP, the server notices a vanished computer within about a minute (the
	// operating system's default is hours), and frees its locks.
	if _, err := query(ctx, conn, `SELECT set_config('tcp_keepalives_idle', '30', false), set_config('tcp_keepalives_interval', '10', false), set_config('tcp_keepalives_count', '3', false)`); err != nil {
		closeSoon(conn)
		return nil, false, err
	}
	out, err := query(ctx, conn, `SELECT pg_try_advisory_lock($1)`, k)
	if err != nil || string(out[0][0]) != "t" {
		closeSoon(conn)
		return nil, false, err
	}
	return conn, true, nil
}

// onHeld runs a write of h's person on the connection that holds their lock, so
// that the write proves the lock is still held. A connection lost (the database
// restarted) took the lock with it: the lock is taken again on a new connection and
// the write, if it cannot have been done, made there; another run that took the
// person meanwhile has them, and the write is refused with its *state.LockedError.
// A write lost while it ran is an error wrapping errInDoubt, as doOnce's.
func (s *Store) onHeld(h *heldLock, sql string, args ...any) (rows, error) {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout)
	defer cancel()
	h.mu.Lock()
	defer h.mu.Unlock()
	for {
		if h.conn == nil {
			if err := s.take(ctx, h); err != nil {
				return nil, err
			}
		}
		out, err := query(ctx, h.conn, sql, args...)
		switch {
		case err == nil:
			return out, nil
		case !lostConnection(err):
			return nil, s.failed(err)
		}
		closeSoon(h.conn)
		h.conn = nil
		if !pgconn.SafeToRetry(err) {
			return nil, s.unreachable("pgstore.failed", errors.Join(errInDoubt, err))
		}
	}
}

// hold records a lock this process holds.
func (s *Store) hold(h *heldLock) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held == nil {
		s.held = map[string]*heldLock{}
	}
	s.held[key(h.user)] = h
}

// holding is user's lock, if this process holds it.
func (s *Store) holding(user string) *heldLock {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held[key(user)]
}

// release forgets a lock; false when Close has ended it.
func (s *Store) release(h *heldLock) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.held[key(h.user)] != h {
		return false
	}
	delete(s.held, key(h.user))
	return true
}
