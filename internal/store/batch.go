package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cofferhq/coffer/api"
)

// Group commit of SQLite transactions.
//
// SQLite has one writer, and every commit waits for an fsync
// (synchronous=FULL), so one transaction per Update caps writes at one per
// fsync. Instead, Updates that arrive together share one transaction: a
// committer goroutine opens it and hands it to each waiting caller in turn;
// each caller runs its fn on its own goroutine between SAVEPOINT and RELEASE
// (ROLLBACK TO on error or panic, so its writes vanish and the others' stay);
// when no caller is waiting, or the batch is full or old, the committer
// commits once and tells every caller whose part was released the outcome.
// So each Update keeps its all-or-nothing semantics, and returns nil only
// after the commit that made its writes durable. Parts run one after another
// on the single connection, in arrival order: the result is the same as
// running the transactions serially in that order.
//
// The first caller to run in a transaction needs no savepoint: nothing
// before it is there to keep, so when its fn fails the committer rolls back
// the whole transaction and closes the batch (the callers still waiting
// start the next one). A lone Update, the usual case when writes are
// sparse, and each audit commit under load, so pays no savepoint: SQLite
// copies every page a savepoint changes into a statement journal first.
//
// If SQLite ever rolls back the whole transaction under a caller (an
// interrupted write, a full disk), that caller's own savepoint is gone and
// its ROLLBACK TO or RELEASE fails: the batch is broken, the committer rolls
// back, and every caller of the batch gets an error wrapping
// api.ErrUnavailable. No caller is told success for a write that is not
// committed.

// Batch bounds: a batch closes after maxBatchParts parts, or once it has
// been open maxBatchAge (the latency the first caller may pay for the
// others).
const (
	maxBatchParts = 128
	maxBatchAge   = 5 * time.Millisecond
)

// savepoint is the name of each caller's savepoint. Parts never nest, so
// one name serves every part.
const savepoint = "coffer_update"

var (
	errStoreClosed = api.Errorf(api.ErrUnavailable, "store: closed")
	errBatchBroken = fmt.Errorf("store: the shared transaction was rolled back: %w", api.ErrUnavailable)
)

// txRequest is one Update waiting for, then taking, its turn.
type txRequest struct {
	ctx  context.Context
	turn chan grant // the committer hands over the transaction, or an error
	part chan error // the caller's part is over: nil (released), errBatchBroken, or another error (rolled back)
	done chan error // the outcome of the commit, for released parts
}

type grant struct {
	tx    *sql.Tx
	first bool // no other part has run in tx: no savepoint needed
	err   error
}

// batcher is the committer of a SQLite store.
type batcher struct {
	writer  *sql.DB
	queue   chan *txRequest // unbuffered: a send succeeds only while the committer runs
	quit    chan struct{}
	stopped chan struct{}
	once    sync.Once
}

func newBatcher(writer *sql.DB) *batcher {
	b := &batcher{writer: writer, queue: make(chan *txRequest), quit: make(chan struct{}),
		stopped: make(chan struct{})}
	go b.run()
	return b
}

// close stops the committer after the batch in progress.
func (b *batcher) close() {
	b.once.Do(func() { close(b.quit) })
	<-b.stopped
}

func (b *batcher) run() {
	defer close(b.stopped)
	for {
		select {
		case r := <-b.queue:
			b.batch(r)
		case <-b.quit:
			return
		}
	}
}

// batch runs one shared transaction, starting with first.
func (b *batcher) batch(first *txRequest) {
	tx, err := b.writer.BeginTx(context.WithoutCancel(first.ctx), nil)
	if err != nil {
		first.turn <- grant{err: wrap(err, "store: begin transaction")}
		return
	}
	var released []*txRequest
	var broken bool
	start := time.Now()
	for r, n := first, 1; r != nil; n++ {
		if err := r.ctx.Err(); err != nil {
			r.turn <- grant{err: wrap(err, "store: begin transaction")}
		} else {
			first := len(released) == 0
			r.turn <- grant{tx: tx, first: first}
			switch err := <-r.part; {
			case err == nil:
				released = append(released, r)
			case first, errors.Is(err, errBatchBroken):
				broken = true // a failed first part is undone by rolling back everything
			}
		}
		if broken || n >= maxBatchParts || time.Since(start) >= maxBatchAge {
			break
		}
		r = b.next()
	}
	if broken || len(released) == 0 {
		_ = tx.Rollback()
		for _, r := range released {
			r.done <- errBatchBroken
		}
		return
	}
	err = wrap(tx.Commit(), "store: commit")
	for _, r := range released {
		r.done <- err
	}
}

// next returns a waiting caller, or nil when none is waiting.
func (b *batcher) next() *txRequest {
	select {
	case r := <-b.queue:
		return r
	default:
		return nil
	}
}

// update is Update on a batched store: it waits for its turn in a shared
// transaction, runs fn inside a savepoint and waits for the commit.
func (s *Store) updateBatched(ctx context.Context, fn func(tx *Tx) error, t *touches) error {
	r := &txRequest{ctx: ctx, turn: make(chan grant, 1), part: make(chan error, 1), done: make(chan error, 1)}
	select {
	case s.batch.queue <- r:
	case <-s.batch.quit:
		return errStoreClosed
	}
	g := <-r.turn
	if g.err != nil {
		return g.err
	}
	var missed []string
	if err := s.runPart(ctx, g, r, fn, t, &missed); err != nil {
		return err
	}
	err := <-r.done
	s.wrStmts.warm(ctx, missed)
	return err
}

// runPart runs fn between SAVEPOINT and RELEASE on tx and reports the end
// of the part on r.part exactly once, also when fn panics or calls
// runtime.Goexit (the panic continues after the rollback to the savepoint).
func (s *Store) runPart(ctx context.Context, g grant, r *txRequest, fn func(tx *Tx) error, t *touches, missed *[]string) error {
	q := txQuerier{g.tx, s.wrStmts, missed}
	if g.first {
		return s.runFirstPart(q, r, fn, t)
	}
	ctl := context.WithoutCancel(ctx) // savepoint statements must not be interrupted
	if _, err := q.ExecContext(ctl, "SAVEPOINT "+savepoint); err != nil {
		r.part <- errBatchBroken
		return fmt.Errorf("store: begin transaction: %v: %w", err, errBatchBroken)
	}
	returned := false
	defer func() {
		if !returned {
			r.part <- rollbackTo(ctl, q, errors.New("store: fn panicked"))
		}
	}()
	err := fn(&Tx{queries{rd: q, wr: q, sc: s.sc, tx: t}})
	returned = true
	if err != nil {
		if perr := rollbackTo(ctl, q, err); errors.Is(perr, errBatchBroken) {
			r.part <- perr
			return fmt.Errorf("%w (and %v)", err, perr)
		}
		r.part <- err
		return err
	}
	if _, err := q.ExecContext(ctl, "RELEASE "+savepoint); err != nil {
		r.part <- errBatchBroken
		return fmt.Errorf("store: commit: %v: %w", err, errBatchBroken)
	}
	r.part <- nil
	return nil
}

// runFirstPart runs fn as the first part of a transaction, without a
// savepoint: on error or panic the committer rolls back the transaction.
func (s *Store) runFirstPart(q txQuerier, r *txRequest, fn func(tx *Tx) error, t *touches) error {
	returned := false
	defer func() {
		if !returned {
			r.part <- errors.New("store: fn panicked")
		}
	}()
	err := fn(&Tx{queries{rd: q, wr: q, sc: s.sc, tx: t}})
	returned = true
	r.part <- err
	return err
}

// rollbackTo undoes a part: cause when that works, errBatchBroken when the
// savepoint is gone (SQLite rolled back the whole transaction).
func rollbackTo(ctx context.Context, tx txQuerier, cause error) error {
	if _, err := tx.ExecContext(ctx, "ROLLBACK TO "+savepoint); err != nil {
		return errBatchBroken
	}
	if _, err := tx.ExecContext(ctx, "RELEASE "+savepoint); err != nil {
		return errBatchBroken
	}
	return cause
}
