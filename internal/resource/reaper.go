package resource

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/store"
)

// reapBatch is how many due instances one Reap pass reclaims at most.
const reapBatch = 100

// Run reclaims deleted instances whose reclamation window has passed,
// every Config.ReapInterval (and at once after a deletion when the window
// is negative), until ctx ends; then it returns nil. Failures are logged
// and retried at the next pass.
func (s *Service) Run(ctx context.Context) error {
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		if n, err := s.Reap(ctx); err != nil && ctx.Err() == nil {
			s.log.ErrorContext(ctx, "reclaiming deleted instances failed", "reclaimed", n, "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-s.kick:
		}
	}
}

// Reap runs one reclamation pass: for each instance pending reclamation
// whose time has come, it crypto-shreds the instance's data keys and
// deletes its row (and with it, by cascade, its secrets). It returns how
// many instances it reclaimed and the errors of those it could not.
func (s *Service) Reap(ctx context.Context) (int, error) {
	due, err := s.st.DueReclamations(ctx, api.InstanceStatePendingReclamation, s.now(), reapBatch)
	if err != nil {
		return 0, err
	}
	var errs []error
	n := 0
	for _, ri := range due {
		if err := s.reclaim(ctx, ri); err != nil {
			errs = append(errs, err)
			continue
		}
		n++
	}
	return n, errors.Join(errs...)
}

// reclaim destroys one instance. The data keys go first, so that a failure
// half-way leaves a row the next pass finds again, never keys without an
// instance; they are shredded once more after the row is gone, in case a
// late write created a key in between.
func (s *Service) reclaim(ctx context.Context, ri *store.ResourceInstance) error {
	if err := s.keys.Shred(ctx, ri.GUID); err != nil {
		return fmt.Errorf("shredding the data keys of instance %s: %w", ri.GUID, err)
	}
	if err := s.st.DeleteInstance(ctx, ri.GUID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("deleting instance %s: %w", ri.GUID, err)
	}
	if err := s.keys.Shred(ctx, ri.GUID); err != nil {
		return fmt.Errorf("shredding the data keys of instance %s: %w", ri.GUID, err)
	}
	s.forget(ri.GUID, ri.AccountID)
	s.log.InfoContext(ctx, "instance reclaimed: data keys shredded, secrets deleted", "instance", ri.GUID,
		"account_id", ri.AccountID)
	return nil
}
