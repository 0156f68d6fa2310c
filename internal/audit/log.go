package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/store"
)

// Config configures a Log.
type Config struct {
	Store *store.Store // required
	// Sinks receive every committed batch after the commit; see Sink.
	Sinks []Sink
	// Now is the clock that dates events written without a Time; default
	// time.Now.
	Now    func() time.Time
	Logger *slog.Logger // sink failures and commit failures; nil discards
	// MaxBatch is the most events committed in one transaction; default 256.
	MaxBatch int
	// MaxDelay is how long the loop lingers for more events once it holds
	// some and sees several writers active; default 1ms, negative: never
	// linger. A lone writer is never delayed, and lingering ends as soon as
	// every Write in progress is in the batch.
	MaxDelay time.Duration
}

// Defaults of Config.
const (
	DefaultMaxBatch = 256
	DefaultMaxDelay = time.Millisecond
)

// sinkQueue is how many committed batches may wait for the sinks before
// further batches are dropped for them.
const sinkQueue = 1024

// Log is the audit trail. Create it with New, run Run in a goroutine, and
// Write events from any goroutine; stop it with Close (or by ending Run's
// context).
type Log struct {
	store    *store.Store
	sinks    []Sink
	now      func() time.Time
	log      *slog.Logger
	maxBatch int
	maxDelay time.Duration

	queue    chan *pending
	sinkq    chan []Event
	quit     chan struct{} // closed by Close: Run must return
	stopped  chan struct{} // closed when the log accepts no more writes
	runDone  chan struct{} // closed when Run has returned
	running  atomic.Bool
	inflight atomic.Int64 // Write calls between queueing and their answer
	once     sync.Once    // closes quit
	stopOne  sync.Once    // closes stopped

	health atomic.Pointer[error] // last commit error; nil after a success
	stats  struct {
		commits, events, commitFailures, sinkFailures, sinkDropped atomic.Int64
	}
}

// pending is a queued Write.
type pending struct {
	ctx  context.Context
	ev   staged
	done chan error // receives the outcome once; buffered
}

// staged is an event ready to append: its row but for the number and the
// hashes, and the canonical encoding that follows the number. Writers
// stage their own events, so that appending (one goroutine for every
// writer, in the commit loop) only numbers, hashes and inserts.
type staged struct {
	row  *store.AuditEvent
	tail []byte // canonicalTail(row)
}

// New returns a Log for cfg. Call Run to start committing. Errors:
// api.ErrInvalid when cfg.Store is nil or MaxBatch is negative.
func New(cfg Config) (*Log, error) {
	if cfg.Store == nil {
		return nil, api.Errorf(api.ErrInvalid, "audit: Config.Store is required")
	}
	if cfg.MaxBatch < 0 {
		return nil, api.Errorf(api.ErrInvalid, "audit: Config.MaxBatch %d is negative", cfg.MaxBatch)
	}
	l := &Log{store: cfg.Store, sinks: cfg.Sinks, now: cfg.Now, log: cfg.Logger,
		maxBatch: cfg.MaxBatch, maxDelay: cfg.MaxDelay,
		sinkq: make(chan []Event, sinkQueue), quit: make(chan struct{}),
		stopped: make(chan struct{}), runDone: make(chan struct{})}
	if l.now == nil {
		l.now = time.Now
	}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	if l.maxBatch == 0 {
		l.maxBatch = DefaultMaxBatch
	}
	if l.maxDelay == 0 {
		l.maxDelay = DefaultMaxDelay
	}
	l.queue = make(chan *pending, 4*l.maxBatch)
	return l, nil
}

// errStopped is the answer to writes the log will never commit.
var errStopped = api.Errorf(api.ErrUnavailable, "audit: the audit log is stopped")

// Write commits e to the audit trail and returns once it is durable, sharing
// the transaction with concurrent writers. The caller must fail its own
// operation when Write fails: errors wrap api.ErrInvalid for an invalid
// event (nothing written; see Event and the package doc on secrets),
// api.ErrUnavailable when the commit failed or the log is stopped, or the
// context's error. When ctx ends after the event was queued, the event may
// still be committed. Write blocks until Run is running.
func (l *Log) Write(ctx context.Context, e Event) error {
	ev, err := l.stage(e)
	if err != nil {
		return err
	}
	p := &pending{ctx: ctx, ev: ev, done: make(chan error, 1)}
	l.inflight.Add(1)
	defer l.inflight.Add(-1)
	select {
	case l.queue <- p:
	case <-l.stopped:
		return errStopped
	case <-ctx.Done():
		return fmt.Errorf("audit: %w", ctx.Err())
	}
	return l.await(ctx, p)
}

// stage makes e's text valid (see Event.clean), checks e and returns it staged: dated (now when it has no time)
// to the microsecond as stored, so the hash survives a round trip, with its
// details encoded. Errors wrap api.ErrInvalid.
func (l *Log) stage(e Event) (staged, error) {
	e.clean()
	if err := e.check(); err != nil {
		return staged{}, err
	}
	if e.Time.IsZero() {
		e.Time = l.now()
	}
	e.Time = time.UnixMicro(e.Time.UnixMicro()).UTC()
	r := toRow(&e, 0)
	r.Details = maps.Clone(e.Details)
	keys := sortedKeys(r.Details)
	r.DetailsJSON = detailsJSON(r.Details, keys)
	return staged{row: r, tail: canonicalTail(r, keys)}, nil
}

// detailsJSON encodes d as the JSON object stored for it, its keys in the
// order of keys (all of d's).
func detailsJSON(d map[string]string, keys []string) []byte {
	if len(keys) == 0 {
		return []byte("{}")
	}
	n := 2
	for _, k := range keys {
		n += len(k) + len(d[k]) + 6
	}
	b := make([]byte, 0, n)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendJSONString(b, k)
		b = append(b, ':')
		b = appendJSONString(b, d[k])
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string: as is when it is printable
// ASCII without quotes or backslashes (the usual case), otherwise as
// encoding/json writes it.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendStaged numbers and hashes events after the head of the trail and
// inserts them in tx, moving the head; it returns the rows as stored.
func appendStaged(ctx context.Context, tx *store.Tx, events []staged) ([]*store.AuditEvent, error) {
	seq, hash, err := tx.LockAuditHead(ctx)
	if err != nil {
		return nil, err
	}
	prev := headHash(seq, hash)
	rows := make([]*store.AuditEvent, len(events))
	for i, ev := range events {
		r := *ev.row // a copy: a retried commit numbers afresh
		r.Seq = seq + int64(i) + 1
		r.PrevHash, r.Hash = prev, chainHashTail(prev, r.Seq, ev.tail)
		rows[i], prev = &r, r.Hash
	}
	if err := tx.AppendAuditEvents(ctx, rows); err != nil {
		return nil, err
	}
	if err := tx.SetAuditHead(ctx, rows[len(rows)-1].Seq, prev); err != nil {
		return nil, err
	}
	return rows, nil
}

// AppendTx appends e to the audit trail inside tx, the transaction of the
// operation it records, so that the event and the operation commit
// together or not at all: one commit instead of two, and no operation
// without its event. It returns the event as appended (numbered and
// hashed); once tx has committed, hand it to Published. Errors: those of
// Write for an invalid event, or the store's.
func (l *Log) AppendTx(ctx context.Context, tx *store.Tx, e Event) (Event, error) {
	ev, err := l.stage(e)
	if err != nil {
		return Event{}, err
	}
	rows, err := appendStaged(ctx, tx, []staged{ev})
	if err != nil {
		return Event{}, err
	}
	return fromRow(rows[0]), nil
}

// Published counts events appended with AppendTx whose transaction has
// committed and hands them to the sinks.
func (l *Log) Published(events ...Event) {
	if len(events) == 0 {
		return
	}
	l.stats.events.Add(int64(len(events)))
	l.toSinks(events)
}

// await waits for the answer to the queued write p.
func (l *Log) await(ctx context.Context, p *pending) error {
	select {
	case err := <-p.done:
		return err
	case <-l.stopped:
		select {
		case err := <-p.done:
			return err
		default:
			return errStopped
		}
	case <-ctx.Done():
		return fmt.Errorf("audit: waiting for the commit: %w", ctx.Err())
	}
}

// Healthy returns nil when the last commit succeeded (or none was tried) and
// the log is not stopped. Otherwise it returns the last commit's error until
// a later commit succeeds, or an error wrapping api.ErrUnavailable once the
// log is stopped.
func (l *Log) Healthy() error {
	select {
	case <-l.stopped:
		return errStopped
	default:
	}
	if p := l.health.Load(); p != nil {
		return *p
	}
	return nil
}

// Stats are the log's counters since New.
type Stats struct {
	Commits        int64 // transactions committed
	Events         int64 // events committed
	CommitFailures int64 // transactions that failed (their writers got the error)
	SinkFailures   int64 // batches a sink failed to write
	SinkDropped    int64 // batches dropped for the sinks because they fell behind
}

// Stats returns the log's counters.
func (l *Log) Stats() Stats {
	s := &l.stats
	return Stats{Commits: s.commits.Load(), Events: s.events.Load(), CommitFailures: s.commitFailures.Load(),
		SinkFailures: s.sinkFailures.Load(), SinkDropped: s.sinkDropped.Load()}
}

// Close stops the log: Run finishes the commit in progress, refuses queued
// and later writes (api.ErrUnavailable) and returns; Close waits for it and
// for the sinks to drain, then closes the sinks that are io.Closers and
// returns their errors. Later calls return nil.
func (l *Log) Close() error {
	var errs []error
	l.once.Do(func() {
		close(l.quit)
		if l.running.Load() {
			<-l.runDone
		} else {
			l.stop()
		}
		for _, s := range l.sinks {
			if c, ok := s.(io.Closer); ok {
				errs = append(errs, c.Close())
			}
		}
	})
	return errors.Join(errs...)
}

// stop marks the log stopped, once.
func (l *Log) stop() { l.stopOne.Do(func() { close(l.stopped) }) }
