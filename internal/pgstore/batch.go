package pgstore

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/mfa-onboard/mfa-onboard/internal/batch"
	"github.com/mfa-onboard/mfa-onboard/internal/catalog"
	"github.com/mfa-onboard/mfa-onboard/internal/clock"
	"github.com/mfa-onboard/mfa-onboard/internal/state"
)

// A batch shared by the team is one run of it in the database (batch_run), which
// every computer running the same batch file takes part in (batch_participant), and
// a row a person in it (batch_person): claimed by one part before they are run, and
// their outcome once they have. Each part renews its lease every batchBeat; one not
// renewed for batchLease is gone — the computer crashed, or lost the database — and
// the people it claimed and did not finish are taken over by the others.
//
// The lease is the database's clock (now()), never a computer's, so computers whose
// clocks disagree agree on it. It is a row, not an advisory lock, because a
// database restart frees every advisory lock at once: with leases, the parts carry
// on where they were once the database is back.

const (
	// batchBeat is how often a part renews its lease and looks at how many parts
	// share the vendors' rate limits.
	batchBeat = time.Second
	// batchLease is how long a part lives without being renewed: many beats, so
	// that a busy computer or a database restart is not taken for a crash.
	batchLease = 10 * time.Second
	// batchGrace is how long a computer joining a batch waits, once the others have
	// slowed down to their new share, before its own first request: a request the
	// others had already paced at their old rate has gone out by then.
	batchGrace = time.Second
)

var _ batch.Teams = (*Store)(nil)

// batchKey is the advisory lock that puts in turns the changes to the customer's
// shared batches: who takes part, and the shares they keep to.
func (s *Store) batchKey() int64 {
	sum := sha256.Sum256([]byte("mfa-onboard batch\x00" + s.profile)) // untranslated: a lock's name
	return int64(binary.BigEndian.Uint64(sum[:8]))
}

// lease is batchLease as PostgreSQL reads an interval.
var lease = strconv.FormatInt(batchLease.Milliseconds(), 10) + " milliseconds" // untranslated: SQL

// alive is true of a part p that has not left and whose lease has not run out. A
// database that restarted stopped every part renewing while it was down: until it
// has been up for a lease, a lease that ran out meanwhile says nothing, and the
// part is taken for alive (it renews within a beat of the database's return), so
// that nobody takes over the people it is still running.
var alive = `p.left_at IS NULL AND (p.alive_until > now() OR now() < pg_postmaster_start_time() + '` + lease + `'::interval)` // untranslated: SQL

// liveRun is the newest run of the batch $2 of the customer $1 with a part alive.
var liveRun = `SELECT r.id FROM batch_run r WHERE r.profile = $1 AND r.batch = $2 AND EXISTS (SELECT 1 FROM batch_participant p WHERE p.run_id = r.id AND ` + alive + `) ORDER BY r.id DESC LIMIT 1` // untranslated: SQL

// claimPerson claims the person $2 in the run $1 for the part $3: a person nobody
// has claimed, or whose claimer is gone and did not end them, or this part's own.
var claimPerson = `INSERT INTO batch_person (run_id, user_key, participant) VALUES ($1, $2, $3) ON CONFLICT (run_id, user_key) DO UPDATE SET participant = excluded.participant, claimed_at = now() WHERE batch_person.entry IS NULL AND (batch_person.participant = excluded.participant OR NOT EXISTS (SELECT 1 FROM batch_participant p WHERE p.id = batch_person.participant AND ` + alive + `)) RETURNING participant` // untranslated: SQL

// live selects the parts of the customer $1's batches that are alive. The vendors'
// limits are the customer's (one Duo account, one tenant), so every batch run for
// the customer at the same time shares them, of one file or of several.
var live = `FROM batch_participant p JOIN batch_run r ON r.id = p.run_id WHERE r.profile = $1 AND ` + alive // untranslated: SQL

// tx runs fn in a transaction on one connection, rolled back if fn fails.
func (s *Store) tx(fn func(ctx context.Context, conn *pgconn.PgConn) error) error {
	return s.on(func(ctx context.Context, conn *pgconn.PgConn) error {
		if _, err := query(ctx, conn, `BEGIN`); err != nil {
			return err
		}
		if err := fn(ctx, conn); err != nil {
			_, _ = query(ctx, conn, `ROLLBACK`)
			return err
		}
		_, err := query(ctx, conn, `COMMIT`)
		return err
	})
}

// teamBatch is this computer's part in a shared run of a batch.
type teamBatch struct {
	record
	me       int64
	instance string
	share    func(int)

	// parts is the share this part keeps to now; only the heartbeat changes it.
	parts int
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
}

// record reads and writes a batch's outcomes; alone, it only reads (a dry run).
type record struct {
	s    *Store
	name string
	run  int64
}

// BatchRecord reads the outcomes of the batch called name without taking part.
func (s *Store) BatchRecord(name string) batch.Team { return &record{s: s, name: name} }

// JoinBatch takes part in the live run of the batch called name, or starts one, and
// returns once this computer's share of the vendors' rate limits leaves room for
// it: the others running the customer's batches have slowed down to theirs.
//
// A part of the same instance still taking part was killed (or cut off from the
// database) and did not say it left: it is ended now, so that the people it had
// claimed are this one's at once, not after its lease. A commit whose answer was lost
// is made again: the first part then looks alive until its lease runs out, which
// only slows the others down.
func (s *Store) JoinBatch(ctx context.Context, name, instance string, share func(int)) (batch.TeamRun, error) {
	runner, err := json.Marshal(s.currentRunner())
	if err != nil {
		return nil, catalog.Wrap(err, "pgstore.failed", "Where", s.where)
	}
	b := &teamBatch{record: record{s: s, name: name}, instance: instance, share: share, stop: make(chan struct{}), done: make(chan struct{})}
	err = s.tx(func(ctx context.Context, conn *pgconn.PgConn) error {
		if _, err := query(ctx, conn, `SELECT pg_advisory_xact_lock($1)`, s.batchKey()); err != nil {
			return err
		}
		if _, err := query(ctx, conn, `UPDATE batch_participant SET left_at = now() WHERE instance = $3 AND left_at IS NULL
			AND run_id IN (SELECT id FROM batch_run WHERE profile = $1 AND batch = $2)`, s.profile, name, instance); err != nil {
			return err
		}
		out, err := query(ctx, conn, liveRun, s.profile, name)
		if err != nil {
			return err
		}
		if len(out) == 0 {
			if out, err = query(ctx, conn, `INSERT INTO batch_run (profile, batch) VALUES ($1, $2) RETURNING id`, s.profile, name); err != nil {
				return err
			}
		}
		b.run = int64Of(out[0][0])
		out, err = query(ctx, conn, `INSERT INTO batch_participant (run_id, runner, instance, alive_until, share_of)
			SELECT $2, $3, $5, now() + $4::interval, count(*) + 1 `+live+` RETURNING id, share_of`, s.profile, b.run, runner, lease, instance) // untranslated: SQL
		if err != nil {
			return err
		}
		b.me, b.parts = int64Of(out[0][0]), int(int64Of(out[0][1]))
		return nil
	})
	if err != nil {
		return nil, err
	}
	share(b.parts)
	go b.beat()
	if err := b.awaitRoom(ctx); err != nil {
		_ = b.Close()
		return nil, err
	}
	return b, nil
}

// awaitRoom waits until the shares of the live parts add up to no more than each
// vendor's whole limit, then batchGrace if others take part.
func (b *teamBatch) awaitRoom(ctx context.Context) error {
	for {
		out, err := b.s.do(`SELECT coalesce(sum(1.0 / share_of), 0) <= 1.000001, count(*) `+live, b.s.profile)
		if err != nil {
			return err
		}
		if string(out[0][0]) == "t" {
			if int64Of(out[0][1]) <= 1 {
				return nil
			}
			return sleep(ctx, batchGrace)
		}
		if err := sleep(ctx, batchBeat); err != nil {
			return err
		}
	}
}

// sleep waits d, on the wall clock (leases are the database's time), unless ctx
// ends first.
func sleep(ctx context.Context, d time.Duration) error { return clock.Real{}.Sleep(ctx, d) }

// beat renews the part's lease every batchBeat until Close, and keeps its share to
// the number of live parts. A beat that fails (the database is restarting) is
// tried again at the next: the lease outlasts many.
func (b *teamBatch) beat() {
	defer close(b.done)
	t := time.NewTicker(batchBeat)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
			_ = b.renew()
		}
	}
}

// renew renews the lease and follows the number of live parts. Slowing down
// happens before the database hears of it, speeding up only after: at every moment
// the shares the database records are shares the parts keep to, and a part joins
// only when those leave it room.
func (b *teamBatch) renew() error {
	faster := 0
	err := b.s.tx(func(ctx context.Context, conn *pgconn.PgConn) error {
		if _, err := query(ctx, conn, `SELECT pg_advisory_xact_lock($1)`, b.s.batchKey()); err != nil {
			return err
		}
		if _, err := query(ctx, conn, `UPDATE batch_participant SET alive_until = now() + $2::interval WHERE id = $1`, b.me, lease); err != nil {
			return err
		}
		out, err := query(ctx, conn, `SELECT count(*), coalesce(sum(1.0 / share_of) FILTER (WHERE p.id <> $2), 0) `+live, b.s.profile, b.me)
		if err != nil {
			return err
		}
		n := max(1, int(int64Of(out[0][0])))
		others, _ := strconv.ParseFloat(string(out[0][1]), 64)
		switch {
		case n > b.parts:
			b.share(n)
			b.parts = n
		case n < b.parts && others+1/float64(n) <= 1.000001:
			faster = n
		default:
			return nil
		}
		_, err = query(ctx, conn, `UPDATE batch_participant SET share_of = $2 WHERE id = $1`, b.me, int64(n))
		return err
	})
	if err == nil && faster > 0 {
		b.parts = faster
		b.share(faster)
	}
	return err
}

// Close ends this computer's part: the people it claimed and did not finish are
// the others' to take over at once.
func (b *teamBatch) Close() error {
	var err error
	b.once.Do(func() {
		close(b.stop)
		<-b.done
		_, err = b.s.do(`UPDATE batch_participant SET left_at = now() WHERE id = $1`, b.me)
	})
	return err
}

// Claim takes user for this part, unless another live part has claimed them in
// this run or has ended them.
func (b *teamBatch) Claim(_ context.Context, user string) (batch.Claim, error) {
	out, err := b.s.do(claimPerson, b.run, key(user), b.me)
	if err != nil {
		return batch.Claim{}, err
	}
	if len(out) == 1 {
		return batch.Claim{State: batch.Mine}, nil
	}
	out, err = b.s.do(`SELECT b.entry, p.runner, p.instance = $3 FROM batch_person b JOIN batch_participant p ON p.id = b.participant
		WHERE b.run_id = $1 AND b.user_key = $2`, b.run, key(user), b.instance)
	if err != nil {
		return batch.Claim{}, err
	}
	if len(out) == 0 { // let go of between the two statements: try again
		return batch.Claim{State: batch.Taken}, nil
	}
	var c batch.Claim
	if string(out[0][2]) != "t" { // another computer's; this one's own earlier part is no teammate
		c.By = &state.Runner{}
		_ = json.Unmarshal(out[0][1], c.By) // who it was is for a sentence; unknown is "someone"
	}
	if out[0][0] == nil {
		c.State = batch.Taken
		return c, nil
	}
	if err := json.Unmarshal(out[0][0], &c.Entry); err != nil {
		return batch.Claim{}, catalog.Wrap(err, "pgstore.batch-entry", "User", user, "Where", b.s.where)
	}
	c.State = batch.Ended
	return c, nil
}

// End records e as the person's outcome in this run: theirs whether claimed first
// or not (an outcome found without running them), unless another part holds them.
func (b *teamBatch) End(_ context.Context, e batch.Entry) error {
	data, err := json.Marshal(e)
	if err != nil {
		return catalog.Wrap(err, "batch.journal.encode")
	}
	_, err = b.s.do(`INSERT INTO batch_person (run_id, user_key, participant, ended_at, entry) VALUES ($1, $2, $3, now(), $4)
		ON CONFLICT (run_id, user_key) DO UPDATE SET ended_at = now(), entry = excluded.entry
		WHERE batch_person.participant = excluded.participant`, b.run, key(e.User), b.me, data)
	return err
}

// Last is the person's latest outcome in any run of the batch.
func (r *record) Last(_ context.Context, user string) (batch.Entry, bool, error) {
	out, err := r.s.do(`SELECT b.entry FROM batch_person b JOIN batch_run r ON r.id = b.run_id
		WHERE r.profile = $1 AND r.batch = $2 AND b.user_key = $3 AND b.entry IS NOT NULL
		ORDER BY b.ended_at DESC LIMIT 1`, r.s.profile, r.name, key(user))
	if err != nil || len(out) == 0 {
		return batch.Entry{}, false, err
	}
	var e batch.Entry
	if err := json.Unmarshal(out[0][0], &e); err != nil {
		return batch.Entry{}, false, catalog.Wrap(err, "pgstore.batch-entry", "User", user, "Where", r.s.where)
	}
	return e, true, nil
}

// Claim refuses: a record only reads.
func (r *record) Claim(context.Context, string) (batch.Claim, error) {
	return batch.Claim{}, catalog.NewError("batch.journal.read-only")
}

// End refuses: a record only reads.
func (r *record) End(context.Context, batch.Entry) error {
	return catalog.NewError("batch.journal.read-only")
}
