// Package rotation is Coffer's scheduler: it rotates secrets whose rotation
// policy is due, records expiries and sends expiring-soon notices, and
// retires the credentials of superseded versions once they are unlocked and
// past their grace period.
//
// # Model
//
// All state is in the database: a Scheduler claims due work from indexed
// columns (next_rotation_date, expiration_date, secret_versions.retire_after)
// with a claim token and a lease (FOR UPDATE SKIP LOCKED on PostgreSQL), so
// several nodes never work on the same secret at once and a restarted node
// loses nothing. A claimed batch is rotated by up to Config.Workers at once
// (see batch.go). Rotation goes through the secrets service's RotateSecret,
// which is the code path of a manual rotation (POST .../versions). A failed
// rotation leaves the current version serving, is written to the audit log
// and published as secret.rotation_failed, and is retried with exponential
// backoff. Time is injectable (Config.Now) and the loop waits with timers,
// so tests run it in testing/synctest.
package rotation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/audit"
	"github.com/cofferhq/coffer/internal/events"
	"github.com/cofferhq/coffer/internal/store"
)

// Defaults of Config.
const (
	DefaultInterval   = time.Minute
	DefaultBatch      = 100
	DefaultBackoff    = time.Minute
	DefaultMaxBackoff = 6 * time.Hour
	DefaultLease      = 5 * time.Minute
	DefaultWorkers    = 8
)

// DefaultNotices are the expiring-soon notices: 30, 7 and 1 days ahead.
var DefaultNotices = []int{30, 7, 1}

// Store is the scheduler's view of the database; *store.Store is one.
type Store interface {
	ClaimDueRotations(ctx context.Context, now time.Time, lease time.Duration, limit int, claim string) ([]*store.RotationClaim, error)
	FinishRotation(ctx context.Context, secretID, claim string, retryAt time.Time) error
	FinishRotations(ctx context.Context, claim string, secretIDs []string) (int, error)
	ClaimDueExpiries(ctx context.Context, now, horizon time.Time, lease time.Duration, limit int) ([]*store.ExpiryClaim, error)
	FinishExpiry(ctx context.Context, secretID string, stage int64, notBefore time.Time) error
	ClaimDueRetirements(ctx context.Context, now time.Time, lease time.Duration, limit int, claim string) ([]*store.RetireClaim, error)
	FinishRetirement(ctx context.Context, versionID, claim string, retryAt time.Time) error
	Secret(ctx context.Context, instance, id string) (*store.Secret, error)
}

// Secrets is the secrets service's internal entry points; *secrets.Service
// is one.
type Secrets interface {
	RotateSecret(ctx context.Context, instance, id string) (*api.SecretVersionMetadata, error)
	RetireVersion(ctx context.Context, instance, secretID, versionID string) error
	RecordExpiry(ctx context.Context, instance, id string) (*store.Secret, error)
	RecordRotationFailure(ctx context.Context, instance, id, kind string, attempt int64, retryAt time.Time) (*api.SecretMetadata, error)
}

// Publisher publishes events; *secrets.Service is one (it publishes only
// for instances with a notifications registration), *events.Bus another.
type Publisher interface {
	Publish(ctx context.Context, ev *events.Event) error
}

// Auditor writes audit events; *audit.Log is one.
type Auditor interface {
	Write(ctx context.Context, e audit.Event) error
}

// Config configures a Scheduler. Zero values mean the defaults.
type Config struct {
	Store   Store   // required
	Secrets Secrets // required
	Events  Publisher
	Audit   Auditor
	Now     func() time.Time // nil: time.Now
	Logger  *slog.Logger
	// Interval is the pause between sweeps.
	Interval time.Duration
	// Batch is how many items one claim takes.
	Batch int
	// Workers is how many secrets of a claimed batch are rotated at once;
	// 0: DefaultWorkers, 1: one after another.
	Workers int
	// Backoff is the wait after a first failure, doubled after each further
	// one up to MaxBackoff.
	Backoff, MaxBackoff time.Duration
	// Lease is how long a claim holds an item before another node may take
	// it.
	Lease time.Duration
	// Notices are the expiring-soon notices in days; nil: DefaultNotices.
	Notices []int
}

// Scheduler runs the sweeps. It is safe for concurrent use.
type Scheduler struct {
	cfg Config
	log *slog.Logger
}

// New returns a Scheduler. Errors: Store or Secrets missing.
func New(cfg Config) (*Scheduler, error) {
	if cfg.Store == nil || cfg.Secrets == nil {
		return nil, errors.New("rotation: Store and Secrets are required")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.Interval = orDefault(cfg.Interval, DefaultInterval)
	cfg.Backoff = orDefault(cfg.Backoff, DefaultBackoff)
	cfg.MaxBackoff = orDefault(cfg.MaxBackoff, DefaultMaxBackoff)
	cfg.Lease = orDefault(cfg.Lease, DefaultLease)
	if cfg.Batch < 1 {
		cfg.Batch = DefaultBatch
	}
	if cfg.Workers < 1 {
		cfg.Workers = DefaultWorkers
	}
	if cfg.Notices == nil {
		cfg.Notices = DefaultNotices
	}
	return &Scheduler{cfg: cfg, log: cfg.Logger}, nil
}

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// Result counts what one sweep did.
type Result struct {
	Rotated, Failed, Expired, Notices, Retired int
}

// Run sweeps every Interval until ctx ends; it returns nil then. Errors of
// one sweep are logged and the next sweep tries again.
func (s *Scheduler) Run(ctx context.Context) error {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if _, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("rotation sweep failed", "error", err.Error())
		}
		t.Reset(s.cfg.Interval)
	}
}

// Sweep does all due work once: rotations, expiries and retirements, each
// claimed in batches until none is left. Errors: the store's (a failed item
// is not an error: it is retried later).
func (s *Scheduler) Sweep(ctx context.Context) (Result, error) {
	var r Result
	if err := s.sweepRotations(ctx, &r); err != nil {
		return r, err
	}
	if err := s.sweepExpiries(ctx, &r); err != nil {
		return r, err
	}
	return r, s.sweepRetirements(ctx, &r)
}

// backoff returns the wait after attempts failures.
func (s *Scheduler) backoff(attempts int64) time.Duration {
	d := s.cfg.Backoff
	for i := int64(1); i < attempts && d < s.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, s.cfg.MaxBackoff)
}

func (s *Scheduler) sweepRotations(ctx context.Context, r *Result) error {
	for {
		claim := uuid.NewString()
		now := s.cfg.Now()
		items, err := s.cfg.Store.ClaimDueRotations(ctx, now, s.cfg.Lease, s.cfg.Batch, claim)
		if err != nil || len(items) == 0 {
			return err
		}
		if err := s.rotateBatch(ctx, claim, items, r); err != nil {
			return err
		}
		if len(items) < s.cfg.Batch {
			return nil
		}
	}
}

// recordFailure marks the secret's state description, audits and
// publishes a failed rotation.
func (s *Scheduler) recordFailure(ctx context.Context, it *store.RotationClaim, err error, retry time.Time) {
	data := map[string]string{"attempt": fmt.Sprint(it.Attempts), "error_kind": kindOf(err),
		"retry_at": retry.UTC().Format(time.RFC3339)}
	target := it.SecretID
	m, merr := s.cfg.Secrets.RecordRotationFailure(ctx, it.InstanceGUID, it.SecretID, kindOf(err), it.Attempts, retry)
	if merr != nil {
		s.log.Warn("recording a failed rotation", "secret", it.SecretID, "error", api.Message(merr))
	}
	if m != nil && m.CRN != "" {
		target = m.CRN
	}
	s.publish(ctx, it.InstanceGUID, it.SecretID, events.SecretRotationFailed, "", data)
	if s.cfg.Audit == nil {
		return
	}
	e := audit.Event{Time: s.cfg.Now(), Initiator: audit.Initiator{IAMID: systemIAMID, Kind: api.InitiatorServiceID},
		Action: "secrets-manager.secret-version.create", Target: target, AccountID: accountOfCRN(target),
		Outcome: api.OutcomeFailure,
		Reason:  "automatic rotation failed: " + kindOf(err), Details: map[string]string{"instance": it.InstanceGUID,
			"attempt": data["attempt"]}}
	if werr := s.cfg.Audit.Write(ctx, e); werr != nil {
		s.log.Warn("audit of a failed rotation", "secret", it.SecretID, "error", werr.Error())
	}
}

// accountOfCRN returns the account of a CRN whose scope is "a/ACCOUNT"
// (crn:v1:cloud:type:service:location:a/ACCOUNT:...), or "".
func accountOfCRN(crn string) string {
	f := strings.Split(crn, ":")
	if len(f) < 7 || !strings.HasPrefix(f[6], "a/") {
		return ""
	}
	return f[6][2:]
}

// systemIAMID is the scheduler's initiator (secrets.SystemIAMID).
const systemIAMID = "iam-ServiceId-coffer-scheduler"

// kindOf names an error's api kind without its message (which could in
// principle quote a remote system).
func kindOf(err error) string {
	var k *api.Kind
	if errors.As(err, &k) {
		return k.Error()
	}
	return "internal"
}

// publish sends an event about a secret, best effort: the secret's name,
// type and group are read back from the store.
func (s *Scheduler) publish(ctx context.Context, instance, secretID, typ, versionID string, data map[string]string) {
	if s.cfg.Events == nil {
		return
	}
	ev := &events.Event{Type: typ, Time: s.cfg.Now(), InstanceGUID: instance, SecretID: secretID,
		VersionID: versionID, Data: data}
	if x, err := s.cfg.Store.Secret(ctx, instance, secretID); err == nil {
		ev.SecretName, ev.SecretType, ev.SecretGroupID = x.Name, x.Type, x.GroupID
	}
	if err := s.cfg.Events.Publish(ctx, ev); err != nil {
		s.log.Warn("publishing an event", "type", typ, "secret", secretID, "error", err.Error())
	}
}
