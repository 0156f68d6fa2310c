package store

import (
	"bytes"
	"hash/maphash"
	"slices"
	"sync"
	"sync/atomic"
)

// secretCache keeps the rows Store.SecretWithCurrent read last (a secret with
// its current version, the payload still envelope-encrypted exactly as
// stored), so that hot reads skip the database. It exists only on SQLite,
// where this process is the database's only writer: every write to a cached
// column goes through a queries method of this Store, and each such method
// invalidates what it changed (see queries.touch). On PostgreSQL other nodes
// write too, so the store reads through.
//
// Invalidation is by generation. The cache is split into shards by secret
// id; each shard has a generation, bumped after every committed (or rolled
// back) write to a secret of the shard, which also drops that secret's
// entry (the shard's other entries move on to the new generation), and the
// cache has a global generation, bumped by writes that reach many secrets
// at once (deleting an instance, an account or an instance's data keys). An
// entry serves only while both generations it carries are current. A
// reader snapshots the generations before it queries the database and
// fills the entry only if they have not moved since, so a row read before a
// commit can never be served after that commit's Update has returned.
type secretCache struct {
	seed     maphash.Seed
	global   atomic.Uint64
	maxBytes int // per shard
	shards   [cacheShards]cacheShard
}

// cacheShards is the number of shards: enough that a write invalidates a
// small fraction of the cache and that readers rarely share a lock.
const cacheShards = 256

// DefaultSecretCacheBytes bounds the memory the secret cache holds (payload
// ciphertext plus metadata, approximately).
const DefaultSecretCacheBytes = 64 << 20

type cacheShard struct {
	gen   atomic.Uint64
	mu    sync.Mutex
	bytes int
	m     map[string]*cachedSecret
}

type cachedSecret struct {
	gen, global uint64
	size        int
	x           Secret
	v           SecretVersion
}

// cacheSnapshot is the generations a reader saw before its query.
type cacheSnapshot struct {
	shard       *cacheShard
	gen, global uint64
}

func newSecretCache(maxBytes int) *secretCache {
	c := &secretCache{seed: maphash.MakeSeed(), maxBytes: max(maxBytes/cacheShards, 1)}
	for i := range c.shards {
		c.shards[i].m = make(map[string]*cachedSecret)
	}
	return c
}

func (c *secretCache) shard(id string) *cacheShard {
	return &c.shards[maphash.String(c.seed, id)%cacheShards]
}

// get returns copies of the cached secret id of instance with its current
// version, if an entry is current.
func (c *secretCache) get(instance, id string) (*Secret, *SecretVersion, bool) {
	sh := c.shard(id)
	global := c.global.Load()
	sh.mu.Lock()
	e := sh.m[id]
	if e == nil || e.x.InstanceGUID != instance {
		sh.mu.Unlock()
		return nil, nil, false
	}
	if e.gen != sh.gen.Load() || e.global != global {
		delete(sh.m, id)
		sh.bytes -= e.size
		sh.mu.Unlock()
		return nil, nil, false
	}
	x, v := cloneSecret(&e.x), cloneVersion(&e.v)
	sh.mu.Unlock()
	return x, v, true
}

// snapshot records the generations for a read of secret id about to query
// the database.
func (c *secretCache) snapshot(id string) cacheSnapshot {
	sh := c.shard(id)
	// Global first: a fill is refused if either moved, and bumpAll moves
	// global before clearing the shards.
	g := c.global.Load()
	return cacheSnapshot{shard: sh, global: g, gen: sh.gen.Load()}
}

// put caches copies of x and v read under snap, unless a write to the shard
// (or a global one) happened since, or the entry is too large for a shard.
func (c *secretCache) put(snap cacheSnapshot, x *Secret, v *SecretVersion) {
	size := entrySize(x, v)
	if size > c.maxBytes/4 {
		return
	}
	e := &cachedSecret{gen: snap.gen, global: snap.global, size: size, x: *cloneSecret(x), v: *cloneVersion(v)}
	sh := snap.shard
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if sh.gen.Load() != snap.gen || c.global.Load() != snap.global {
		return
	}
	if old := sh.m[x.ID]; old != nil {
		sh.bytes -= old.size
		delete(sh.m, x.ID)
	}
	for id, old := range sh.m { // map order: an arbitrary victim
		if sh.bytes+size <= c.maxBytes {
			break
		}
		sh.bytes -= old.size
		delete(sh.m, id)
	}
	sh.m[x.ID] = e
	sh.bytes += size
}

// bump invalidates the cached entries of ids. It moves their shards'
// generations, so that reads of those shards in flight (their snapshots
// taken before this write) fill nothing, and carries the other entries of
// each shard, which this write did not change, over to the new generation:
// a write costs the cache only the rows it wrote.
func (c *secretCache) bump(ids []string) {
	for _, id := range ids {
		sh := c.shard(id)
		sh.mu.Lock()
		if e := sh.m[id]; e != nil {
			sh.bytes -= e.size
			delete(sh.m, id)
		}
		g := sh.gen.Add(1)
		for _, e := range sh.m {
			if e.gen == g-1 {
				e.gen = g
			}
		}
		sh.mu.Unlock()
	}
}

// bumpAll invalidates every entry and frees them.
func (c *secretCache) bumpAll() {
	c.global.Add(1)
	for i := range c.shards {
		sh := &c.shards[i]
		sh.mu.Lock()
		clear(sh.m)
		sh.bytes = 0
		sh.mu.Unlock()
	}
}

// entrySize approximates the memory of a cached row.
func entrySize(x *Secret, v *SecretVersion) int {
	n := 512 + len(x.ID) + len(x.InstanceGUID) + len(x.GroupID) + len(x.Type) + len(x.Name) + len(x.Description) +
		len(x.Metadata) + len(x.CurrentVersion) + len(x.CreatedBy) + len(v.ID) + len(v.SecretID) + len(v.Payload) +
		len(v.Metadata) + len(v.CreatedBy)
	for _, l := range x.Labels {
		n += 16 + len(l)
	}
	return n
}

func cloneSecret(x *Secret) *Secret {
	y := *x
	y.Labels = slices.Clone(x.Labels)
	y.Metadata = bytes.Clone(x.Metadata)
	return &y
}

func cloneVersion(v *SecretVersion) *SecretVersion {
	w := *v
	w.Payload = bytes.Clone(v.Payload)
	w.Metadata = bytes.Clone(v.Metadata)
	return &w
}

// touches collects what a transaction wrote, to invalidate once it ends.
type touches struct {
	ids []string
	all bool
}

// touch records that the secrets ids were written: at once in autocommit
// mode (call it after the write), when the transaction ends inside Update.
func (q *queries) touch(ids ...string) {
	switch {
	case q.sc == nil:
	case q.tx != nil:
		q.tx.ids = append(q.tx.ids, ids...)
	default:
		q.sc.bump(ids)
	}
}

// touchAll records a write that may reach any secret.
func (q *queries) touchAll() {
	switch {
	case q.sc == nil:
	case q.tx != nil:
		q.tx.all = true
	default:
		q.sc.bumpAll()
	}
}

// settle invalidates what the transaction that collected t wrote; Update
// calls it once the transaction has committed or rolled back.
func (c *secretCache) settle(t *touches) {
	if c == nil {
		return
	}
	if t.all {
		c.bumpAll()
		return
	}
	c.bump(t.ids)
}
