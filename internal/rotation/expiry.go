package rotation

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/events"
	"github.com/cofferhq/coffer/internal/store"
)

const day = 24 * time.Hour

// expiredStage is the expiry stage of a secret whose expiry was recorded.
const expiredStage = -1

func (s *Scheduler) sweepExpiries(ctx context.Context, r *Result) error {
	horizon := time.Duration(slices.Max(append([]int{0}, s.cfg.Notices...))) * day
	for {
		now := s.cfg.Now()
		items, err := s.cfg.Store.ClaimDueExpiries(ctx, now, now.Add(horizon), s.cfg.Lease, s.cfg.Batch)
		if err != nil || len(items) == 0 {
			return err
		}
		for _, it := range items {
			if err := s.expiry(ctx, now, it, r); err != nil {
				return err
			}
		}
		if len(items) < s.cfg.Batch {
			return nil
		}
	}
}

// expiry records an expired secret, or sends the notice due for a secret
// about to expire, and schedules its next visit.
func (s *Scheduler) expiry(ctx context.Context, now time.Time, it *store.ExpiryClaim, r *Result) error {
	if !now.Before(it.ExpirationDate) {
		if _, err := s.cfg.Secrets.RecordExpiry(ctx, it.InstanceGUID, it.SecretID); err != nil {
			s.log.Warn("recording an expiry", "secret", it.SecretID, "error", api.Message(err))
			return s.cfg.Store.FinishExpiry(ctx, it.SecretID, it.Stage, now.Add(s.cfg.Backoff))
		}
		r.Expired++
		s.publish(ctx, it.InstanceGUID, it.SecretID, events.SecretExpired, "",
			map[string]string{"expiration_date": it.ExpirationDate.UTC().Format(time.RFC3339)})
		return s.cfg.Store.FinishExpiry(ctx, it.SecretID, expiredStage, time.Time{})
	}
	left := it.ExpirationDate.Sub(now)
	stage := it.Stage
	if n := s.noticeFor(left); n > 0 && (stage == 0 || int64(n) < stage) {
		r.Notices++
		stage = int64(n)
		s.publish(ctx, it.InstanceGUID, it.SecretID, events.SecretExpiringSoon, "", map[string]string{
			"days_left": fmt.Sprint(int(left / day)), "notice_days": fmt.Sprint(n),
			"expiration_date": it.ExpirationDate.UTC().Format(time.RFC3339)})
	}
	return s.cfg.Store.FinishExpiry(ctx, it.SecretID, stage, s.nextVisit(it.ExpirationDate, stage))
}

// noticeFor returns the smallest notice (days) whose window contains left,
// or 0.
func (s *Scheduler) noticeFor(left time.Duration) int {
	best := 0
	for _, n := range s.cfg.Notices {
		if n > 0 && left <= time.Duration(n)*day && (best == 0 || n < best) {
			best = n
		}
	}
	return best
}

// nextVisit is when a secret at stage next needs the scheduler: the next
// smaller notice's window, else its expiration date.
func (s *Scheduler) nextVisit(exp time.Time, stage int64) time.Time {
	next, now := exp, s.cfg.Now()
	for _, n := range s.cfg.Notices {
		if n <= 0 || (stage != 0 && int64(n) >= stage) {
			continue
		}
		if t := exp.Add(-time.Duration(n) * day); t.After(now) && t.Before(next) {
			next = t
		}
	}
	return next
}

func (s *Scheduler) sweepRetirements(ctx context.Context, r *Result) error {
	for {
		claim := uuid.NewString()
		items, err := s.cfg.Store.ClaimDueRetirements(ctx, s.cfg.Now(), s.cfg.Lease, s.cfg.Batch, claim)
		if err != nil || len(items) == 0 {
			return err
		}
		for _, it := range items {
			if err := s.retire(ctx, it, r); err != nil {
				return err
			}
		}
		if len(items) < s.cfg.Batch {
			return nil
		}
	}
}

// retire retires one version's credentials and records the outcome.
func (s *Scheduler) retire(ctx context.Context, it *store.RetireClaim, r *Result) error {
	err := s.cfg.Secrets.RetireVersion(ctx, it.InstanceGUID, it.SecretID, it.VersionID)
	var retry time.Time
	switch {
	case err == nil:
		r.Retired++
		if it.SecretType != api.SecretTypeCustomCredentials { // custom: when the provider reports
			s.publish(ctx, it.InstanceGUID, it.SecretID, events.CredentialsDeleted, it.VersionID, nil)
		}
	case errors.Is(err, api.ErrNotFound):
	case ctx.Err() != nil:
		return ctx.Err()
	default:
		retry = s.cfg.Now().Add(s.backoff(it.Attempts))
		s.log.Warn("retiring credentials failed", "secret", it.SecretID, "version", it.VersionID, "error", api.Message(err))
	}
	ferr := s.cfg.Store.FinishRetirement(ctx, it.VersionID, it.Claim, retry)
	if errors.Is(ferr, store.ErrConflict) {
		return nil
	}
	return ferr
}
