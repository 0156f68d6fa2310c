package events

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/cofferhq/coffer/internal/kms"
	"github.com/cofferhq/coffer/internal/store"
	"github.com/cofferhq/coffer/internal/store/storetest"
)

// TestTwoDispatchersPostgres runs two nodes (two stores on one PostgreSQL
// schema, each with its own Bus and Dispatcher) against one receiver: every
// event arrives exactly once.
func TestTwoDispatchersPostgres(t *testing.T) {
	url := storetest.PostgresSchema(t) // skips without PostgreSQL
	ctx := context.Background()
	provider := kms.NewDev()
	r := newReceiver(t, 0, time.Now)
	var buses []*Bus
	for range 2 {
		st, err := store.Open(ctx, store.Config{URL: url})
		if err != nil {
			t.Fatalf("store.Open: %v", err)
		}
		t.Cleanup(func() { st.Close() })
		buses = append(buses, newBus(t, st, provider, Config{}))
	}
	mustSetDestinations(t, buses[0], r.destination())
	const events = 60
	for i := range events {
		mustPublish(t, buses[i%2], &Event{Type: SecretRotated})
	}
	runCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, b := range buses {
		d := NewDispatcher(b, DispatcherConfig{Interval: 10 * time.Millisecond, Batch: 4, Parallel: 2})
		wg.Go(func() { _ = d.Run(runCtx) })
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		got, _, _ := r.accepted()
		if len(got) >= events || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // let a duplicate, if any, arrive
	cancel()
	wg.Wait()
	got, ids, _ := r.accepted()
	if len(got) != events || len(ids) != events {
		t.Errorf("receiver got %d deliveries of %d events, want %d of %d", len(got), len(ids), events, events)
	}
	for id, n := range ids {
		if n != 1 {
			t.Errorf("event %s delivered %d times, want 1", id, n)
		}
	}
}

// natsURL returns the test NATS server's URL, skipping when none answers.
func natsURL(t *testing.T) string {
	t.Helper()
	u := os.Getenv("COFFER_TEST_NATS_URL")
	if u == "" {
		u = "nats://127.0.0.1:4222"
	}
	host := u[len("nats://"):]
	c, err := net.DialTimeout("tcp", host, time.Second)
	if err != nil {
		t.Skipf("NATS tests skipped: no NATS server at %s (set COFFER_TEST_NATS_URL or start nats-server): %v", u, err)
	}
	c.Close()
	return u
}

func TestNATSDelivery(t *testing.T) {
	url := natsURL(t)
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatalf("nats.Connect: %v", err)
	}
	defer nc.Close()
	subject := "coffer.test.events." + nats.NewInbox()[len("_INBOX."):]
	sub, err := nc.SubscribeSync(subject)
	if err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil {
		t.Fatal(err)
	}
	st := storetest.OpenSQLite(t)
	b := newBus(t, st, kms.NewDev(), Config{})
	mustSetDestinations(t, b, Destination{NATS: &NATS{URL: url, Subject: subject}})
	ev := &Event{Type: CredentialsCreated, SecretID: "s-1", VersionID: "v-1"}
	mustPublish(t, b, ev)
	if n := mustDeliver(t, NewDispatcher(b, DispatcherConfig{})); n != 1 {
		t.Fatalf("DeliverDue = %d, want 1", n)
	}
	msg, err := sub.NextMsg(5 * time.Second)
	if err != nil {
		t.Fatalf("NextMsg: %v", err)
	}
	var got Event
	if err := json.Unmarshal(msg.Data, &got); err != nil || got.ID != ev.ID || got.Type != CredentialsCreated || got.SecretID != "s-1" {
		t.Errorf("NATS message = %s, %v; want event %s", msg.Data, err, ev.ID)
	}
	if h := msg.Header.Get(nats.MsgIdHdr); h != ev.ID {
		t.Errorf("Nats-Msg-Id = %q, want %q", h, ev.ID)
	}
	if rows := outbox(t, st, store.OutboxDelivered); len(rows) != 1 {
		t.Errorf("delivered rows = %d, want 1", len(rows))
	}
	if err := b.SendTest(context.Background(), testInstance); err != nil {
		t.Errorf("SendTest to NATS = %v", err)
	}
	if msg, err := sub.NextMsg(5 * time.Second); err != nil || !json.Valid(msg.Data) {
		t.Errorf("test event over NATS: %v", err)
	}
}
