package authz

import "sync"

// lru is a bounded map that forgets the least recently used entry when full.
// A nil *lru holds nothing (caching disabled). It is safe for concurrent use.
type lru[K comparable, V any] struct {
	mu   sync.Mutex
	max  int
	m    map[K]*lruNode[K, V]
	head lruNode[K, V] // sentinel: head.next is the most recent, head.prev the least
}

type lruNode[K comparable, V any] struct {
	key        K
	val        V
	prev, next *lruNode[K, V]
}

func newLRU[K comparable, V any](max int) *lru[K, V] {
	c := &lru[K, V]{max: max, m: make(map[K]*lruNode[K, V], max)}
	c.head.prev, c.head.next = &c.head, &c.head
	return c
}

// get returns the value under k and marks it recently used.
func (c *lru[K, V]) get(k K) (V, bool) {
	var zero V
	if c == nil {
		return zero, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n, ok := c.m[k]
	if !ok {
		return zero, false
	}
	c.unlink(n)
	c.pushFront(n)
	return n.val, true
}

// put stores v under k, evicting the least recently used entry when full.
func (c *lru[K, V]) put(k K, v V) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if n, ok := c.m[k]; ok {
		n.val = v
		c.unlink(n)
		c.pushFront(n)
		return
	}
	var n *lruNode[K, V]
	if len(c.m) >= c.max {
		n = c.head.prev // reuse the evicted node
		c.unlink(n)
		delete(c.m, n.key)
	} else {
		n = new(lruNode[K, V])
	}
	n.key, n.val = k, v
	c.m[k] = n
	c.pushFront(n)
}

// len returns the number of entries.
func (c *lru[K, V]) len() int {
	if c == nil {
		return 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}

func (c *lru[K, V]) unlink(n *lruNode[K, V]) {
	n.prev.next, n.next.prev = n.next, n.prev
}

func (c *lru[K, V]) pushFront(n *lruNode[K, V]) {
	n.prev, n.next = &c.head, c.head.next
	c.head.next.prev = n
	c.head.next = n
}
