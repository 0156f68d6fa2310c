package store

import (
	"fmt"
	"testing"
)

func cacheRow(id string, payload int) (*Secret, *SecretVersion) {
	return &Secret{ID: id, InstanceGUID: "in", Labels: []string{"l"}, Metadata: []byte(`{}`)},
		&SecretVersion{ID: id + "-v1", SecretID: id, Payload: make([]byte, payload)}
}

// TestSecretCacheFillAfterWrite checks that a row read before a write (its
// snapshot older than the write) is never cached, and that a write or a
// global write makes a cached row miss.
func TestSecretCacheFillAfterWrite(t *testing.T) {
	c := newSecretCache(1 << 20)
	x, v := cacheRow("s1", 10)

	snap := c.snapshot("s1")
	c.bump([]string{"s1"}) // a write commits between the read and the fill
	c.put(snap, x, v)
	if _, _, ok := c.get("in", "s1"); ok {
		t.Fatal("a row read before a write was served after it")
	}

	snap = c.snapshot("s1")
	c.bumpAll()
	c.put(snap, x, v)
	if _, _, ok := c.get("in", "s1"); ok {
		t.Fatal("a row read before a global write was served after it")
	}

	c.put(c.snapshot("s1"), x, v)
	if _, _, ok := c.get("in", "s1"); !ok {
		t.Fatal("a row filled with a current snapshot was not served")
	}
	if _, _, ok := c.get("other", "s1"); ok {
		t.Fatal("a row was served for another instance")
	}
	c.bump([]string{"s1"})
	if _, _, ok := c.get("in", "s1"); ok {
		t.Fatal("a row was served after a write to it")
	}
	c.put(c.snapshot("s1"), x, v)
	c.bumpAll()
	if _, _, ok := c.get("in", "s1"); ok {
		t.Fatal("a row was served after a global write")
	}
}

// TestSecretCacheBounded checks that the cache stays within its budget and
// refuses rows too large for it.
func TestSecretCacheBounded(t *testing.T) {
	const budget = 1 << 20 // 4 KiB per shard, about 6 rows
	c := newSecretCache(budget)
	for i := range 5000 {
		id := fmt.Sprintf("s%d", i)
		x, v := cacheRow(id, 100)
		c.put(c.snapshot(id), x, v)
	}
	total, n := 0, 0
	for i := range c.shards {
		sh := &c.shards[i]
		if sh.bytes > c.maxBytes {
			t.Errorf("shard %d holds %d bytes; limit %d", i, sh.bytes, c.maxBytes)
		}
		sum := 0
		for _, e := range sh.m {
			sum += e.size
		}
		if sum != sh.bytes {
			t.Errorf("shard %d counts %d bytes; its entries hold %d", i, sh.bytes, sum)
		}
		total, n = total+sh.bytes, n+len(sh.m)
	}
	if total > budget || n == 0 {
		t.Errorf("cache holds %d rows, %d bytes; want some, at most %d bytes", n, total, budget)
	}
	x, v := cacheRow("big", c.maxBytes)
	c.put(c.snapshot("big"), x, v)
	if _, _, ok := c.get("in", "big"); ok {
		t.Error("a row larger than a shard's budget was cached")
	}
}

// TestSecretCacheWriteKeepsNeighbours checks that a write drops only the
// rows it wrote: the other rows of its shard are still served, while a
// fill of the shard read before the write is refused.
func TestSecretCacheWriteKeepsNeighbours(t *testing.T) {
	c := newSecretCache(1 << 20)
	// Find two ids of one shard.
	a := "s0"
	b := ""
	for i := 1; b == ""; i++ {
		if id := fmt.Sprintf("s%d", i); c.shard(id) == c.shard(a) {
			b = id
		}
	}
	xa, va := cacheRow(a, 10)
	xb, vb := cacheRow(b, 10)
	c.put(c.snapshot(a), xa, va)
	c.put(c.snapshot(b), xb, vb)
	snapB := c.snapshot(b)
	c.bump([]string{a})
	if _, _, ok := c.get("in", a); ok {
		t.Error("the written row was served after its write")
	}
	if _, _, ok := c.get("in", b); !ok {
		t.Error("a row of the same shard, not written, was dropped by the write")
	}
	c.put(snapB, xb, vb) // read before the write: refused, b's entry stays
	c.put(c.snapshot(a), xa, va)
	c.bump([]string{b})
	c.bump([]string{a})
	for _, id := range []string{a, b} {
		if _, _, ok := c.get("in", id); ok {
			t.Errorf("row %s was served after its write", id)
		}
	}
	if sh := c.shard(a); sh.bytes != 0 || len(sh.m) != 0 {
		t.Errorf("shard holds %d rows, %d bytes after both were written; want none", len(sh.m), sh.bytes)
	}
}
