package pgstore

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// The store speaks to PostgreSQL through pgconn, pgx's wire-protocol layer, in text
// format: pgx's own connection and pool link its whole type system, 3 MB of the
// binary (22.3 MB with them, over the 20 MB each release binary is held to), for
// queries of a few strings and numbers.

// conns keeps a few idle connections for the queries of one process; a batch's
// runs share them. A connection that failed is closed, never reused.
type conns struct {
	cfg  *pgconn.Config
	mu   sync.Mutex
	idle []*pgconn.PgConn
}

// maxIdle is how many connections a process keeps open between queries.
const maxIdle = 4

func (c *conns) get(ctx context.Context) (*pgconn.PgConn, error) {
	c.mu.Lock()
	if n := len(c.idle); n > 0 {
		conn := c.idle[n-1]
		c.idle = c.idle[:n-1]
		c.mu.Unlock()
		return conn, nil
	}
	c.mu.Unlock()
	return pgconn.ConnectConfig(ctx, c.cfg)
}

// put gives back a connection after a query; ok is false when the query failed in a
// way that leaves the connection in doubt.
func (c *conns) put(conn *pgconn.PgConn, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ok && !conn.IsClosed() && len(c.idle) < maxIdle && c.cfg != nil {
		c.idle = append(c.idle, conn)
		return
	}
	closeSoon(conn)
}

func (c *conns) close() {
	c.mu.Lock()
	idle := c.idle
	c.idle, c.cfg = nil, nil
	c.mu.Unlock()
	for _, conn := range idle {
		closeSoon(conn)
	}
}

// closeSoon closes a connection without waiting long for a server that is gone.
func closeSoon(conn *pgconn.PgConn) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	_ = conn.Close(ctx)
}

// rows are a query's result: each row's columns as text, nil for NULL.
type rows [][][]byte

// query runs sql with args, each a string, an int64, []byte (JSON) or nil, on conn.
func query(ctx context.Context, conn *pgconn.PgConn, sql string, args ...any) (rows, error) {
	var out rows
	err := each(ctx, conn, sql, func(row [][]byte) error {
		kept := make([][]byte, len(row))
		for j, col := range row {
			if col != nil {
				kept[j] = append([]byte(nil), col...)
			}
		}
		out = append(out, kept)
		return nil
	}, args...)
	return out, err
}

// each runs sql like query and calls fn with each row as it arrives, so that a long
// result is never held whole; the row's bytes are only valid during the call. A
// failing fn ends the query and is returned.
func each(ctx context.Context, conn *pgconn.PgConn, sql string, fn func(row [][]byte) error, args ...any) error {
	rr := conn.ExecParams(ctx, sql, params(args), nil, nil, nil)
	var ferr error
	for rr.NextRow() {
		if ferr == nil {
			ferr = fn(rr.Values())
		}
	}
	if _, err := rr.Close(); err != nil {
		return err
	}
	return ferr
}

// params are args in text format, as the server reads them.
func params(args []any) [][]byte {
	params := make([][]byte, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case string:
			params[i] = []byte(v)
		case []byte:
			params[i] = v
		case int64:
			params[i] = strconv.AppendInt(nil, v, 10)
		case nil:
		default:
			panic("pgstore: a query argument of an unexpected type") // untranslated: a programming error, for the developer
		}
	}
	return params
}

// int64Of reads a bigint column.
func int64Of(col []byte) int64 {
	n, _ := strconv.ParseInt(string(col), 10, 64)
	return n
}
