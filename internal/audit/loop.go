package audit

import (
	"context"
	"fmt"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/store"
)

// Run is the group-commit loop: it commits queued events until ctx ends or
// Close is called, then refuses the writes still queued (api.ErrUnavailable),
// lets the sinks drain and returns nil. Calling it twice is an error
// (api.ErrFailedPrecondition).
//
// Each round takes the first queued event, every other one already queued
// (up to MaxBatch), and, when more than one writer was seen in this round or
// the last, lingers up to MaxDelay for more; then it commits them in one
// transaction and wakes their writers. Lingering ends early when every
// Write in progress is already in the batch.
func (l *Log) Run(ctx context.Context) error {
	if !l.running.CompareAndSwap(false, true) {
		return api.Errorf(api.ErrFailedPrecondition, "audit: Run called twice")
	}
	defer close(l.runDone)
	sinksDone := make(chan struct{})
	go l.runSinks(sinksDone)
	last := 0
	for {
		batch := l.collect(ctx, last)
		if batch == nil {
			break
		}
		l.commit(ctx, batch)
		last = len(batch)
	}
	l.stop()
	l.refuseQueued()
	close(l.sinkq)
	<-sinksDone
	return nil
}

// collect waits for the next batch; nil means Run must return. last is the
// size of the previous batch.
func (l *Log) collect(ctx context.Context, last int) []*pending {
	var batch []*pending
	select {
	case p := <-l.queue:
		batch = append(batch, p)
	case <-ctx.Done():
		return nil
	case <-l.quit:
		return nil
	}
drain:
	for len(batch) < l.maxBatch {
		select {
		case p := <-l.queue:
			batch = append(batch, p)
		default:
			break drain
		}
	}
	if len(batch) >= l.maxBatch || l.maxDelay < 0 || (len(batch) == 1 && last <= 1) {
		return batch
	}
	return l.linger(ctx, batch)
}

// linger adds events that arrive within maxDelay to batch. It stops early
// once every Write in progress has its event in batch: waiting longer could
// only delay them.
func (l *Log) linger(ctx context.Context, batch []*pending) []*pending {
	timer := time.NewTimer(l.maxDelay)
	defer timer.Stop()
	for len(batch) < l.maxBatch && l.inflight.Load() > int64(len(batch)) {
		select {
		case p := <-l.queue:
			batch = append(batch, p)
		case <-timer.C:
			return batch
		case <-ctx.Done():
			return batch
		case <-l.quit:
			return batch
		}
	}
	return batch
}

// commit numbers, hashes and stores batch in one transaction, then tells
// every writer the outcome and hands the events to the sinks.
func (l *Log) commit(ctx context.Context, batch []*pending) {
	batch = dropCanceled(batch)
	if len(batch) == 0 {
		return
	}
	events := make([]staged, len(batch))
	for i, p := range batch {
		events[i] = p.ev
	}
	var rows []*store.AuditEvent
	err := l.store.Update(ctx, func(tx *store.Tx) error {
		var err error
		rows, err = appendStaged(ctx, tx, events)
		return err
	})
	if err != nil {
		l.failed(batch, err)
		return
	}
	if l.health.Swap(nil) != nil {
		l.log.Info("audit: commits succeed again")
	}
	l.stats.commits.Add(1)
	l.stats.events.Add(int64(len(rows)))
	committed := make([]Event, len(rows))
	for i, p := range batch {
		p.done <- nil
		committed[i] = fromRow(rows[i])
	}
	l.toSinks(committed)
}

// failed reports a failed commit to the writers of batch and to Healthy.
func (l *Log) failed(batch []*pending, err error) {
	// Only the kind api.ErrUnavailable is wrapped: whatever the store said
	// (even "already exists"), the caller's operation failed because the
	// audit trail is unavailable.
	err = fmt.Errorf("audit: commit of %d events: %v: %w", len(batch), err, api.ErrUnavailable)
	if l.health.Swap(&err) == nil {
		l.log.Error("audit: commit failed; writes fail until a commit succeeds", "err", err)
	}
	l.stats.commitFailures.Add(1)
	for _, p := range batch {
		p.done <- err
	}
}

// dropCanceled answers the writers that gave up before their commit and
// returns the others.
func dropCanceled(batch []*pending) []*pending {
	kept := batch[:0]
	for _, p := range batch {
		if err := p.ctx.Err(); err != nil {
			p.done <- fmt.Errorf("audit: %w", err)
			continue
		}
		kept = append(kept, p)
	}
	return kept
}

// refuseQueued answers every write still queued with errStopped.
func (l *Log) refuseQueued() {
	for {
		select {
		case p := <-l.queue:
			p.done <- errStopped
		default:
			return
		}
	}
}
