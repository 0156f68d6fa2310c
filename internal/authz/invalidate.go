package authz

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"

	"github.com/cofferhq/coffer/api"
)

// Channel is the notification channel on which gates tell each other to
// invalidate (PostgreSQL LISTEN/NOTIFY). The payload is the id of the gate
// that invalidated, so that it can ignore its own notifications.
const Channel = "coffer_authz"

// Notifier carries invalidations between the nodes that share one database.
// *store.Store implements it: with LISTEN/NOTIFY on PostgreSQL, and as a
// no-op on SQLite, where there is only one node.
type Notifier interface {
	// Notify sends payload to every listener of channel, on every node.
	Notify(ctx context.Context, channel, payload string) error
	// Listen calls fn with the payload of every notification on channel
	// until ctx ends, reconnecting when the connection is lost; after a
	// reconnection it calls fn once with "" (notifications may have been
	// missed). It returns when ctx ends.
	Listen(ctx context.Context, channel string, fn func(payload string)) error
}

// Bus carries invalidations between the gates (and other caches) of one
// process: Publish calls every subscriber. The zero Bus is not usable; use
// NewBus. It is safe for concurrent use.
type Bus struct {
	mu   sync.Mutex
	next int
	subs map[int]func()
}

// NewBus returns an empty bus.
func NewBus() *Bus { return &Bus{subs: map[int]func(){}} }

// Subscribe adds fn to the bus; the returned function removes it.
func (b *Bus) Subscribe(fn func()) (cancel func()) {
	b.mu.Lock()
	defer b.mu.Unlock()
	id := b.next
	b.next++
	b.subs[id] = fn
	return func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		delete(b.subs, id)
	}
}

// Publish calls every subscriber.
func (b *Bus) Publish() {
	b.mu.Lock()
	fns := make([]func(), 0, len(b.subs))
	for _, fn := range b.subs {
		fns = append(fns, fn)
	}
	b.mu.Unlock()
	for _, fn := range fns {
		fn()
	}
}

// bump starts a new generation: every cached entry is stale from now on.
func (g *Gate) bump() { g.gen.Add(1) }

// Invalidate forgets every cached policy and decision, on this node at once
// (and in every gate of the process's Bus) and on the other nodes through
// the Notifier: a change to policies, group memberships, keys or profiles
// takes effect on the next request. The policy service calls it after every
// change. Errors wrap api.ErrUnavailable when the other nodes could not be
// told (they catch up within Config.CacheTTL); this node is invalidated
// regardless.
func (g *Gate) Invalidate(ctx context.Context) error {
	g.bus.Publish()
	if g.notifier == nil {
		return nil
	}
	if err := g.notifier.Notify(ctx, Channel, g.node); err != nil {
		return fmt.Errorf("authz: telling the other nodes to invalidate: %v: %w", err, api.ErrUnavailable)
	}
	return nil
}

// Generation returns the number of invalidations this gate has seen.
func (g *Gate) Generation() uint64 { return g.gen.Load() }

// Run applies the invalidations of the other nodes until ctx ends (it
// listens on Channel through the Notifier) and returns nil then. Without a
// Notifier it just waits for ctx.
func (g *Gate) Run(ctx context.Context) error {
	if g.notifier == nil {
		<-ctx.Done()
		return nil
	}
	err := g.notifier.Listen(ctx, Channel, func(payload string) {
		if payload != g.node {
			g.bus.Publish()
		}
	})
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// Close unsubscribes the gate from its Bus.
func (g *Gate) Close() error {
	if g.unsub != nil {
		g.unsub()
	}
	return nil
}

func newNodeID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}
