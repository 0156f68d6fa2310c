package store

import (
	"context"
	"database/sql"
	"sync"
	"sync/atomic"
)

// maxCachedStmts bounds a pool's statement cache. The store's query texts
// are constants plus a few built from filters (lists with IN (...) of
// several lengths); beyond the bound, new texts simply run unprepared.
const maxCachedStmts = 512

// stmtCache prepares each query text once per pool, so that the hot reads
// and writes skip SQLite's parse and plan: database/sql prepares a cached
// *sql.Stmt lazily on each connection of the pool that runs it, and
// modernc.org/sqlite resets (rather than finalizes) the statement after each
// use. Statements are never evicted (a cached *sql.Stmt may be in use by
// another goroutine at any moment); they are closed with the pool.
//
// It is used on SQLite only: pgx already keeps a prepared-statement cache on
// every PostgreSQL connection.
type stmtCache struct {
	db *sql.DB
	m  sync.Map // query text -> *sql.Stmt
	n  atomic.Int32
	mu sync.Mutex // serializes prepare, so that a text is prepared once
}

func newStmtCache(db *sql.DB) *stmtCache { return &stmtCache{db: db} }

// lookup returns the cached statement of query, or nil.
func (c *stmtCache) lookup(query string) *sql.Stmt {
	if v, ok := c.m.Load(query); ok {
		return v.(*sql.Stmt)
	}
	return nil
}

// get returns the statement of query, preparing it on the pool when it is
// not cached yet. It returns nil when the cache is full or preparing fails
// (the caller then runs the query unprepared, and gets the error there). It
// takes a connection of the pool to prepare: never call it while holding
// the pool's only connection (inside a transaction of the writer).
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	if st := c.lookup(query); st != nil {
		return st
	}
	if c.n.Load() >= maxCachedStmts {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.lookup(query); st != nil {
		return st
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.m.Store(query, st)
	c.n.Add(1)
	return st
}

// dbQuerier runs queries on a pool through its statement cache.
type dbQuerier struct {
	db    *sql.DB
	stmts *stmtCache
}

func (d dbQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := d.stmts.get(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return d.db.ExecContext(ctx, query, args...)
}

func (d dbQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := d.stmts.get(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return d.db.QueryContext(ctx, query, args...)
}

func (d dbQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := d.stmts.get(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return d.db.QueryRowContext(ctx, query, args...)
}

// txQuerier runs queries in a transaction of the writer through the
// writer's statement cache (Tx.StmtContext reuses the statement already
// prepared on the transaction's connection). A text not cached yet runs
// unprepared and is noted in missed: the transaction holds the writer's only
// connection, so it is prepared after the transaction ends (see warm).
type txQuerier struct {
	tx     *sql.Tx
	stmts  *stmtCache
	missed *[]string
}

func (t txQuerier) stmt(ctx context.Context, query string) *sql.Stmt {
	st := t.stmts.lookup(query)
	if st == nil {
		if t.stmts.n.Load() < maxCachedStmts && len(*t.missed) < 64 {
			*t.missed = append(*t.missed, query)
		}
		return nil
	}
	return t.tx.StmtContext(ctx, st)
}

func (t txQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

// QueryContext runs unprepared: inside a transaction the connection is not
// exclusive to open rows, and running the same cached statement again while
// its rows are open would reset it under them.
func (t txQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return t.tx.QueryContext(ctx, query, args...)
}

func (t txQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := t.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}

// warm prepares the texts a transaction missed, once the writer's
// connection is free again.
func (c *stmtCache) warm(ctx context.Context, missed []string) {
	for _, q := range missed {
		if c.get(context.WithoutCancel(ctx), q) == nil {
			return
		}
	}
}
