package events

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
	"time"

	"github.com/cofferhq/coffer/internal/store"
)

// DispatcherConfig configures a Dispatcher. Zero values mean the documented
// defaults.
type DispatcherConfig struct {
	// Interval is how often Run looks for due deliveries when no publish
	// woke it; 0 means 1s.
	Interval time.Duration
	// Batch is how many deliveries one pass claims; 0 means 32.
	Batch int
	// Parallel is how many deliveries of a pass run at once; 0 means 8.
	Parallel int
	// Lease is how long a claim lasts before another dispatcher may take
	// the row again; 0 means twice the Bus's Timeout plus 30s. It must
	// exceed the time a pass takes, or rows may be sent twice.
	Lease time.Duration
}

// Dispatcher delivers the outbox's due rows. Run one per node; several
// dispatchers on one database never hold the same row at once.
type Dispatcher struct {
	bus *Bus
	cfg DispatcherConfig
}

// NewDispatcher returns a Dispatcher over b.
func NewDispatcher(b *Bus, cfg DispatcherConfig) *Dispatcher {
	if cfg.Interval <= 0 {
		cfg.Interval = time.Second
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 32
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 8
	}
	if cfg.Lease <= 0 {
		cfg.Lease = 2*b.cfg.Timeout + 30*time.Second
	}
	return &Dispatcher{bus: b, cfg: cfg}
}

// Run delivers due rows until ctx ends, then returns nil. A failing pass
// (database down, Coffer sealed) is logged and retried at the next tick.
func (d *Dispatcher) Run(ctx context.Context) error {
	t := time.NewTicker(d.cfg.Interval)
	defer t.Stop()
	for {
		for {
			n, err := d.DeliverDue(ctx)
			if err != nil && ctx.Err() == nil {
				d.bus.log.Warn("event delivery pass failed", "err", err)
			}
			if err != nil || n < d.cfg.Batch {
				break // a full batch means more may be due
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		case <-d.bus.wake:
		}
	}
}

// DeliverDue runs one pass: it claims up to Batch due rows, sends them and
// records each outcome (delivered; retried after the backoff; dead after
// MaxAttempts). It returns how many rows it claimed. Errors are the
// claim's; failed deliveries are recorded on their rows, not returned.
func (d *Dispatcher) DeliverDue(ctx context.Context) (int, error) {
	token := make([]byte, 12)
	_, _ = rand.Read(token)
	rows, err := d.bus.cfg.Store.ClaimOutboxEntries(ctx, d.bus.now(), d.cfg.Lease, d.cfg.Batch, hex.EncodeToString(token))
	if err != nil || len(rows) == 0 {
		return 0, err
	}
	dests := &destCache{bus: d.bus, m: map[[2]string]*destResult{}}
	sem := make(chan struct{}, d.cfg.Parallel)
	var wg sync.WaitGroup
	for _, r := range rows {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			d.deliver(ctx, dests, r)
		})
	}
	wg.Wait()
	return len(rows), nil
}

// deliver sends one claimed row and records the outcome.
func (d *Dispatcher) deliver(ctx context.Context, dests *destCache, r *store.OutboxEntry) {
	dest, err := dests.get(ctx, r.InstanceGUID, r.DestinationID)
	if err == nil {
		err = d.bus.send(ctx, dest, r.EventID, r.Event)
	}
	if ctx.Err() != nil {
		return // shutting down: the row comes due again after its lease
	}
	now := d.bus.now()
	switch {
	case err == nil:
		r.State, r.DeliveredAt, r.LastError = store.OutboxDelivered, now, ""
	case r.Attempts >= int64(d.bus.cfg.MaxAttempts):
		r.State, r.LastError = store.OutboxDead, err.Error()
	default:
		r.State, r.LastError = store.OutboxPending, err.Error()
		r.NextAttemptAt = now.Add(d.bus.backoff(r.Attempts))
	}
	if err := d.bus.cfg.Store.FinishOutboxEntry(context.WithoutCancel(ctx), r); err != nil {
		level := "outcome not recorded"
		if errors.Is(err, store.ErrConflict) {
			level = "claim lost: the lease ran out; it may be delivered twice"
		}
		d.bus.log.Warn("event delivery: "+level, "event_id", r.EventID, "destination", r.DestinationID, "err", err)
		return
	}
	if r.State == store.OutboxDead {
		d.bus.log.Warn("event delivery gave up", "event_id", r.EventID, "destination", r.DestinationID,
			"attempts", r.Attempts, "last_error", r.LastError)
	}
}

// backoff returns the wait after the given number of failed attempts:
// BaseBackoff doubled attempts-1 times, at most MaxBackoff.
func (b *Bus) backoff(attempts int64) time.Duration {
	d := b.cfg.BaseBackoff
	for i := int64(1); i < attempts && d < b.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, b.cfg.MaxBackoff)
}

// destCache loads each destination of a pass once.
type destCache struct {
	bus *Bus
	mu  sync.Mutex
	m   map[[2]string]*destResult
}

type destResult struct {
	once sync.Once
	d    *Destination
	err  error
}

func (c *destCache) get(ctx context.Context, instance, id string) (*Destination, error) {
	c.mu.Lock()
	r, ok := c.m[[2]string{instance, id}]
	if !ok {
		r = &destResult{}
		c.m[[2]string{instance, id}] = r
	}
	c.mu.Unlock()
	r.once.Do(func() { r.d, r.err = c.load(ctx, instance, id) })
	return r.d, r.err
}

func (c *destCache) load(ctx context.Context, instance, id string) (*Destination, error) {
	rows, err := c.bus.cfg.Store.EventDestinations(ctx, instance)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		if r.ID == id {
			return c.bus.open(ctx, r)
		}
	}
	return nil, store.ErrNotFound
}
