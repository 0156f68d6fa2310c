package rotation

import (
	"cmp"
	"context"
	"errors"
	"sync"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/store"
)

// Rotating a claimed batch
//
// A sweep claims due secrets Batch at a time and rotates a batch with at
// most Workers rotations in flight. Each rotation is its own transaction
// (the secrets service's, shared with manual rotations); on SQLite the
// store's group commit lets concurrent rotations share a commit, on
// PostgreSQL they run side by side. The claims of the rotated secrets end
// together in one transaction after the batch (FinishRotations) instead of
// one per secret. Until then a rotated secret is still claimed, which is
// harmless: its next_rotation_date has moved on, so no claimer takes it. If
// the node dies before the claims end, nothing is rotated twice either:
// the secret next comes due at its new date, merely with its attempt
// count one too high (as when a node died between a rotation and its
// FinishRotation before batches were finished together).

// outcome is what became of one claimed secret.
type outcome int

const (
	rotated outcome = iota // rotated; its claim is still held
	failed                 // failed, recorded, and its claim ended with a retry time
	stopped                // not attempted or interrupted: the sweep stops
)

// batch is the shared state of the workers rotating one claimed batch.
type batch struct {
	mu      sync.Mutex
	items   []*store.RotationClaim
	next    int      // index of the next item to hand out
	rotated []string // secrets rotated, whose claims end together
	failed  int
	err     error // the first error: no further item is handed out
}

// take returns the next item, or nil when none is left or an error
// stopped the batch.
func (b *batch) take() *store.RotationClaim {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.err != nil || b.next >= len(b.items) {
		return nil
	}
	b.next++
	return b.items[b.next-1]
}

func (b *batch) record(it *store.RotationClaim, o outcome, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch o {
	case rotated:
		b.rotated = append(b.rotated, it.SecretID)
	case failed:
		b.failed++
	}
	if err != nil && b.err == nil {
		b.err = err
	}
}

// rotateBatch rotates the claimed items with at most Workers at a time,
// then ends the claims of the rotated ones in one store call (a failed item
// ends its own claim, with its retry time). A secret is in one batch only
// (the claim), so it is never rotated twice. The first error (ctx ended,
// the store failing) stops handing out items: those not attempted stay
// claimed until their lease ends and then come due again.
func (s *Scheduler) rotateBatch(ctx context.Context, claim string, items []*store.RotationClaim, r *Result) error {
	b := &batch{items: items}
	var wg sync.WaitGroup
	for range min(s.cfg.Workers, len(items)) {
		wg.Go(func() {
			for it := b.take(); it != nil; it = b.take() {
				o, err := s.rotate(ctx, it)
				b.record(it, o, err)
			}
		})
	}
	wg.Wait()
	r.Failed += b.failed
	if len(b.rotated) == 0 {
		return b.err
	}
	// The rotations committed: end their claims even when ctx ended, so
	// their attempt counts do not linger until the next due date.
	fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), finishTimeout)
	defer cancel()
	n, err := s.cfg.Store.FinishRotations(fctx, claim, b.rotated)
	r.Rotated += len(b.rotated)
	if n < len(b.rotated) && err == nil {
		s.log.Info("rotated secrets whose claim was lost", "claim", claim, "lost", len(b.rotated)-n)
	}
	return cmp.Or(b.err, err)
}

// finishTimeout bounds the store call that ends the claims of a batch.
const finishTimeout = 30 * time.Second

// rotate rotates one claimed secret. A rotated secret's claim is still
// held (rotateBatch ends it); a failed rotation is recorded and its claim
// ended with a retry time here. err is non-nil only when the sweep must
// stop (ctx ended, the store failing).
func (s *Scheduler) rotate(ctx context.Context, it *store.RotationClaim) (outcome, error) {
	// secret.rotated is published by the service, in the rotation's own
	// transaction (the path manual rotations take too).
	_, err := s.cfg.Secrets.RotateSecret(ctx, it.InstanceGUID, it.SecretID)
	if err == nil {
		return rotated, nil
	}
	if ctx.Err() != nil {
		return stopped, ctx.Err()
	}
	retry := s.cfg.Now().Add(s.backoff(it.Attempts))
	s.log.Warn("automatic rotation failed", "secret", it.SecretID, "attempt", it.Attempts, "error", api.Message(err))
	s.recordFailure(ctx, it, err, retry)
	ferr := s.cfg.Store.FinishRotation(ctx, it.SecretID, it.Claim, retry)
	if errors.Is(ferr, store.ErrConflict) || errors.Is(ferr, store.ErrNotFound) {
		ferr = nil
	}
	return failed, ferr
}
