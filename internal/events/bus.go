package events

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/envelope"
	"github.com/cofferhq/coffer/internal/store"
)

// Sealer seals and opens the webhook secrets of destinations; *kms.Keys is
// one.
type Sealer interface {
	Encrypt(ctx context.Context, b envelope.Binding, plaintext []byte) ([]byte, error)
	Decrypt(ctx context.Context, b envelope.Binding, ciphertext []byte) ([]byte, error)
}

// Config configures a Bus. Zero values mean the documented defaults.
type Config struct {
	Store *store.Store // required
	Keys  Sealer       // required: seals webhook secrets (a *kms.Keys)
	// HTTPClient sends webhooks; nil means a client that follows no
	// redirects. Its own Timeout, if any, applies besides Timeout.
	HTTPClient *http.Client
	// Timeout bounds one delivery attempt; 0 means 10s.
	Timeout time.Duration
	// MaxAttempts is how many attempts a delivery gets before it is dead;
	// 0 means 12 (about an hour of backoff with the defaults).
	MaxAttempts int
	// BaseBackoff is the wait after the first failure, doubled after each
	// further one up to MaxBackoff; 0 means 1s and 1h.
	BaseBackoff, MaxBackoff time.Duration
	Now                     func() time.Time // nil means time.Now
	Logger                  *slog.Logger     // nil discards
}

// Bus publishes events into the outbox and delivers them. It is safe for
// concurrent use; Close it to drop its NATS connections.
type Bus struct {
	cfg  Config
	http *http.Client
	log  *slog.Logger
	wake chan struct{} // a publish happened: dispatchers look now

	mu    sync.Mutex
	conns map[string]*nats.Conn // by URL
}

// New returns a Bus. Errors: Store or Keys missing.
func New(cfg Config) (*Bus, error) {
	if cfg.Store == nil || cfg.Keys == nil {
		return nil, errors.New("events: Store and Keys are required")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 10 * time.Second
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 12
	}
	if cfg.BaseBackoff <= 0 {
		cfg.BaseBackoff = time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	b := &Bus{cfg: cfg, http: cfg.HTTPClient, log: cfg.Logger, wake: make(chan struct{}, 1), conns: map[string]*nats.Conn{}}
	if b.http == nil {
		b.http = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if b.log == nil {
		b.log = slog.New(slog.DiscardHandler)
	}
	return b, nil
}

func (b *Bus) now() time.Time { return b.cfg.Now() }

// Close closes the NATS connections the Bus opened.
func (b *Bus) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	for u, c := range b.conns {
		c.Close()
		delete(b.conns, u)
	}
	return nil
}

// Publish queues ev for every destination of its instance, in a
// transaction of its own. It sets ev.ID and ev.Time when empty. With no
// destination it does nothing. Errors: api.ErrInvalid (see Event.Validate),
// store errors.
func (b *Bus) Publish(ctx context.Context, ev *Event) error {
	return b.cfg.Store.Update(ctx, func(tx *store.Tx) error { return b.PublishTx(ctx, tx, ev) })
}

// PublishTx is Publish inside the caller's transaction: the event is queued
// exactly when the change it reports commits.
func (b *Bus) PublishTx(ctx context.Context, tx *store.Tx, ev *Event) error {
	if err := b.prepare(ev); err != nil {
		return err
	}
	dests, err := tx.EventDestinations(ctx, ev.InstanceGUID)
	if err != nil || len(dests) == 0 {
		return err
	}
	body, err := ev.body()
	if err != nil {
		return fmt.Errorf("encode event %s: %w", ev.ID, err)
	}
	entries := make([]*store.OutboxEntry, len(dests))
	for i, d := range dests {
		entries[i] = &store.OutboxEntry{ID: uuid.NewString(), InstanceGUID: ev.InstanceGUID, DestinationID: d.ID,
			EventID: ev.ID, EventType: ev.Type, Event: body, NextAttemptAt: b.now()}
	}
	if err := tx.CreateOutboxEntries(ctx, entries); err != nil {
		return err
	}
	select {
	case b.wake <- struct{}{}:
	default:
	}
	return nil
}

func (b *Bus) prepare(ev *Event) error {
	if ev.ID == "" {
		ev.ID = uuid.NewString()
	}
	if ev.Time.IsZero() {
		ev.Time = b.now()
	}
	ev.Time = ev.Time.UTC().Truncate(time.Millisecond)
	return ev.Validate()
}

// SendTest sends a notifications.test event to every destination of the
// instance now, without the outbox, and reports the destinations that
// failed: the answer of GET /api/v2/notifications/registration/test.
// Errors: api.ErrFailedPrecondition (no destination), api.ErrUnavailable
// naming each destination that failed (joined).
func (b *Bus) SendTest(ctx context.Context, instance string) error {
	dests, err := b.Destinations(ctx, instance)
	if err != nil {
		return err
	}
	if len(dests) == 0 {
		return api.Errorf(api.ErrFailedPrecondition, "instance %s has no event notification destination", instance)
	}
	ev := &Event{Type: NotificationsTest, InstanceGUID: instance, Data: map[string]string{"message": "test event from Coffer"}}
	if err := b.prepare(ev); err != nil {
		return err
	}
	body, err := ev.body()
	if err != nil {
		return err
	}
	var errs []error
	for i := range dests {
		if err := b.send(ctx, &dests[i], ev.ID, body); err != nil {
			errs = append(errs, fmt.Errorf("destination %s: %w", dests[i].ID, err))
		}
	}
	return errors.Join(errs...)
}

// send delivers one body to one destination.
func (b *Bus) send(ctx context.Context, d *Destination, id string, body []byte) error {
	if d.Webhook != nil {
		return b.postWebhook(ctx, d.Webhook, id, body)
	}
	return b.publishNATS(ctx, d.NATS, id, body)
}

// publishNATS publishes on the subject and waits for the server to have it
// (a flush round trip).
func (b *Bus) publishNATS(ctx context.Context, n *NATS, id string, body []byte) error {
	nc, err := b.natsConn(n.URL)
	if err != nil {
		return err
	}
	msg := &nats.Msg{Subject: n.Subject, Data: body, Header: nats.Header{}}
	msg.Header.Set(nats.MsgIdHdr, id)
	if err := nc.PublishMsg(msg); err != nil {
		return fmt.Errorf("nats: publish: %v: %w", err, api.ErrUnavailable)
	}
	ctx, cancel := context.WithTimeout(ctx, b.cfg.Timeout)
	defer cancel()
	if err := nc.FlushWithContext(ctx); err != nil {
		return fmt.Errorf("nats: flush: %v: %w", err, api.ErrUnavailable)
	}
	return nil
}

// natsConn returns the connection to url, opening it on first use.
func (b *Bus) natsConn(url string) (*nats.Conn, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if nc, ok := b.conns[url]; ok && !nc.IsClosed() {
		return nc, nil
	}
	nc, err := nats.Connect(url, nats.Name("coffer-events"), nats.Timeout(b.cfg.Timeout), nats.MaxReconnects(-1))
	if err != nil { // the message does not repeat the URL's credentials
		return nil, fmt.Errorf("nats: connect: %v: %w", err, api.ErrUnavailable)
	}
	b.conns[url] = nc
	return nc, nil
}
