package federation

import (
	"context"
	"crypto"
	"log/slog"
	"sync"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/store"
)

// keyCache holds the key set of every remote issuer the registry has used,
// by issuer id. An entry belongs to one revision of its issuer: when the
// registration changes, its keys are fetched again.
type keyCache struct {
	f        *fetcher
	now      func() time.Time
	log      *slog.Logger
	maxAge   time.Duration // refetch a set older than this on next use
	interval time.Duration // one fetch credit per interval...
	burst    int           // ...up to burst credits

	mu      sync.Mutex
	entries map[string]*keyEntry
}

// keyEntry is the cached key set of one issuer. Its mutex serializes the
// fetches of that issuer, so concurrent requests share one fetch.
type keyEntry struct {
	mu       sync.Mutex
	revision int64
	keys     keySet    // nil until the first successful fetch
	fetched  time.Time // of keys
	credits  float64   // fetches allowed now (token bucket)
	credited time.Time // when credits was last topped up
}

// entry returns the entry of iss at its revision, a fresh one when the
// registration changed.
func (c *keyCache) entry(iss *store.FederationIssuer) *keyEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[iss.ID]
	if !ok || e.revision != iss.Revision {
		e = &keyEntry{revision: iss.Revision, credits: float64(c.burst), credited: c.now()}
		c.entries[iss.ID] = e
	}
	return e
}

// forget drops the entry of a deleted issuer.
func (c *keyCache) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, id)
}

// key returns the key of kid for a remote issuer. It fetches the issuer's
// keys when none are cached, when they are older than maxAge, or when kid
// is unknown, each time only if the rate limit allows a fetch: a flood of
// tokens with made-up kids costs the issuer at most one fetch per
// interval. Errors: api.ErrUnauthenticated when the issuer does not publish
// kid, api.ErrUnavailable when no key set can be fetched.
func (c *keyCache) key(ctx context.Context, iss *store.FederationIssuer, kid string) (crypto.PublicKey, error) {
	e := c.entry(iss)
	e.mu.Lock()
	defer e.mu.Unlock()
	now := c.now()
	stale := e.keys == nil || now.Sub(e.fetched) >= c.maxAge
	if k, ok := e.keys.lookup(kid); ok && !stale {
		return k, nil
	}
	var fetchErr error
	if e.allowFetch(now, c.interval, c.burst) {
		ks, err := c.f.fetchKeys(ctx, iss.Issuer, iss.JWKSURI)
		if err == nil {
			e.keys, e.fetched = ks, now
		} else {
			fetchErr = err
			c.log.Warn("federation: cannot fetch issuer keys", "issuer", iss.Issuer, "issuer_id", iss.ID, "error", err)
		}
	}
	if k, ok := e.keys.lookup(kid); ok {
		return k, nil // fresh, or stale but the issuer is unreachable
	}
	if e.keys == nil {
		if fetchErr == nil {
			return nil, api.Errorf(api.ErrUnavailable, "the keys of issuer %s are being fetched too often; retry shortly", iss.Issuer)
		}
		return nil, api.Errorf(api.ErrUnavailable, "cannot fetch the keys of issuer %s", iss.Issuer)
	}
	return nil, api.Errorf(api.ErrUnauthenticated, "token signed by a key (kid %q) that issuer %s does not publish", short(kid), iss.Issuer)
}

// allowFetch takes one fetch credit if there is one. Credits accrue one
// per interval up to burst.
func (e *keyEntry) allowFetch(now time.Time, interval time.Duration, burst int) bool {
	if elapsed := now.Sub(e.credited); elapsed > 0 {
		e.credits = min(float64(burst), e.credits+float64(elapsed)/float64(interval))
		e.credited = now
	}
	if e.credits < 1 {
		return false
	}
	e.credits--
	return true
}

// short bounds a value from a token for messages.
func short(s string) string {
	const max = 64
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
