package events

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/kms"
	"github.com/cofferhq/coffer/internal/store"
)

const testInstance = "inst-events-1"

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Now()} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// mustInstance creates the account and instance events belong to, unless
// they exist.
func mustInstance(tb testing.TB, st *store.Store) {
	tb.Helper()
	ctx := context.Background()
	if _, err := st.Instance(ctx, testInstance); err == nil {
		return
	}
	if err := st.CreateAccount(ctx, &store.Account{ID: "acct-events", Name: "events", State: "active"}); err != nil {
		tb.Fatalf("CreateAccount: %v", err)
	}
	in := &store.Instance{GUID: testInstance, AccountID: "acct-events", Name: "sm", Region: "local", Plan: "standard", State: "active"}
	if err := st.CreateInstance(ctx, in); err != nil {
		tb.Fatalf("CreateInstance: %v", err)
	}
}

// newBus returns a Bus over st with keys from provider, closed at cleanup.
func newBus(tb testing.TB, st *store.Store, provider kms.Provider, cfg Config) *Bus {
	tb.Helper()
	mustInstance(tb, st)
	keys, err := kms.NewKeys(kms.KeysConfig{Provider: provider, Store: st})
	if err != nil {
		tb.Fatal(err)
	}
	if err := keys.Start(context.Background()); err != nil {
		tb.Fatalf("keys.Start: %v", err)
	}
	cfg.Store, cfg.Keys = st, keys
	b, err := New(cfg)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	tb.Cleanup(func() { b.Close() })
	return b
}

// receiver is a webhook endpoint on loopback that verifies signatures and
// records what it accepted. It answers 500 to its first failFirst requests.
type receiver struct {
	*httptest.Server
	secret api.Sensitive
	now    func() time.Time

	mu        sync.Mutex
	failFirst int
	requests  int
	got       []map[string]any // bodies of accepted deliveries
	ids       map[string]int   // webhook-id -> accepted deliveries
	badSig    int
}

func newReceiver(tb testing.TB, failFirst int, now func() time.Time) *receiver {
	tb.Helper()
	r := &receiver{secret: NewWebhookSecret(), failFirst: failFirst, ids: map[string]int{}, now: now}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	tb.Cleanup(r.Close)
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests++
	if err := Verify(r.secret, req.Header, body, r.now()); err != nil {
		r.badSig++
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	if r.requests <= r.failFirst {
		http.Error(w, "try later", http.StatusInternalServerError)
		return
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil || req.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	r.got = append(r.got, m)
	r.ids[req.Header.Get("webhook-id")]++
	w.WriteHeader(http.StatusNoContent)
}

func (r *receiver) accepted() ([]map[string]any, map[string]int, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	ids := map[string]int{}
	for k, v := range r.ids {
		ids[k] = v
	}
	return append([]map[string]any(nil), r.got...), ids, r.requests
}

func (r *receiver) destination() Destination {
	return Destination{Webhook: &Webhook{URL: r.URL + "/hook", Secret: r.secret}}
}

func mustSetDestinations(tb testing.TB, b *Bus, ds ...Destination) {
	tb.Helper()
	if err := b.SetDestinations(context.Background(), testInstance, ds); err != nil {
		tb.Fatalf("SetDestinations: %v", err)
	}
}

func mustPublish(tb testing.TB, b *Bus, ev *Event) {
	tb.Helper()
	if ev.InstanceGUID == "" {
		ev.InstanceGUID = testInstance
	}
	if err := b.Publish(context.Background(), ev); err != nil {
		tb.Fatalf("Publish(%s): %v", ev.Type, err)
	}
}

func mustDeliver(tb testing.TB, d *Dispatcher) int {
	tb.Helper()
	n, err := d.DeliverDue(context.Background())
	if err != nil {
		tb.Fatalf("DeliverDue: %v", err)
	}
	return n
}

func outbox(tb testing.TB, st *store.Store, state string) []*store.OutboxEntry {
	tb.Helper()
	rows, err := st.OutboxEntries(context.Background(), store.OutboxFilter{InstanceGUID: testInstance, State: state, Limit: 1000})
	if err != nil {
		tb.Fatalf("OutboxEntries: %v", err)
	}
	return rows
}
