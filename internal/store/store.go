package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"

	"github.com/cofferhq/coffer/api"
)

// Config configures Open.
type Config struct {
	// URL is "sqlite:/path/file.db" (also "sqlite:file.db", relative ok) or a "postgres://" /
	// "postgresql://" URL. Required.
	URL string
	// Logger receives migration progress. nil discards it.
	Logger *slog.Logger
}

// Store is a Coffer database. Its query methods run in autocommit mode, each
// statement on its own; use Update to group writes. A Store is safe for
// concurrent use.
type Store struct {
	queries
	writer  *sql.DB // Update and autocommit writes; one connection on SQLite
	reader  *sql.DB // reads outside transactions; == writer on PostgreSQL
	dialect string
	log     *slog.Logger

	// SQLite only (nil on PostgreSQL): the statement caches of the two
	// pools, and the committer that groups concurrent Updates into one
	// transaction (see batch.go).
	rdStmts, wrStmts *stmtCache
	batch            *batcher
}

// Tx is a read-write transaction given to the function passed to Update. It
// has the same query methods as Store. It must not be used after that
// function returns.
type Tx struct {
	queries
}

// Dialect returns "sqlite" or "postgres".
func (s *Store) Dialect() string { return s.dialect }

// Close closes the database. Calls in progress may fail.
func (s *Store) Close() error {
	if s.batch != nil {
		s.batch.close()
	}
	err := s.writer.Close()
	if s.reader != s.writer {
		err = errors.Join(err, s.reader.Close())
	}
	return err
}

// Ping checks that the database is reachable. A failure wraps
// api.ErrUnavailable.
func (s *Store) Ping(ctx context.Context) error {
	err := s.writer.PingContext(ctx)
	if err == nil && s.reader != s.writer {
		err = s.reader.PingContext(ctx)
	}
	if err != nil {
		return fmt.Errorf("store: ping %s: %v: %w", s.dialect, err, api.ErrUnavailable)
	}
	return nil
}

// Update runs fn in one read-write transaction. It commits when fn returns
// nil and rolls back completely when fn returns an error (returned as is) or
// panics (the panic continues after the rollback); it returns nil only once
// fn's writes are durable. Inside fn use only tx: on SQLite the store has a
// single writer connection, which tx holds, so a write through the Store
// itself would wait forever. Errors from beginning or committing the
// transaction are classified like any store error.
//
// On SQLite, concurrent Updates share one transaction and one fsync (group
// commit, see batch.go): fn then runs inside a savepoint of it, sees the
// writes of the Updates committed with it that ran before, and its own
// writes are undone alone when it fails.
func (s *Store) Update(ctx context.Context, fn func(tx *Tx) error) error {
	t := new(touches)
	defer s.sc.settle(t)
	if s.batch != nil {
		return s.updateBatched(ctx, fn, t)
	}
	stx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return wrap(err, "store: begin transaction")
	}
	done := false
	defer func() {
		if !done { // fn failed or panicked
			_ = stx.Rollback()
		}
	}()
	if err := fn(&Tx{queries{rd: stx, wr: stx, pg: s.queries.pg, sc: s.sc, tx: t}}); err != nil {
		return err
	}
	done = true
	return wrap(stx.Commit(), "store: commit")
}
