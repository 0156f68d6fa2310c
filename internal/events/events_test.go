package events

import (
	"context"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/kms"
	"github.com/cofferhq/coffer/internal/store"
	"github.com/cofferhq/coffer/internal/store/storetest"
)

// TestSignStandardVector checks Sign and Verify against the test vector
// the Standard Webhooks reference libraries publish.
func TestSignStandardVector(t *testing.T) {
	const (
		secret = api.Sensitive("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
		id     = "msg_p5jXN8AQM9LWM0D4loKWxJek"
		ts     = 1614265330
		body   = `{"test": 2432232314}`
		want   = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	)
	got, err := Sign(secret, id, ts, []byte(body))
	if err != nil || got != want {
		t.Fatalf("Sign(vector) = %q, %v; want %q", got, err, want)
	}
	h := http.Header{}
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", "1614265330")
	h.Set("webhook-signature", "v1,bm9wZQ== "+want)
	at := time.Unix(ts, 0)
	if err := Verify(secret, h, []byte(body), at); err != nil {
		t.Errorf("Verify(vector) = %v, want nil", err)
	}
	bad := []struct {
		name   string
		secret api.Sensitive
		body   string
		now    time.Time
	}{
		{"tampered body", secret, `{"test": 2432232315}`, at},
		{"other secret", NewWebhookSecret(), body, at},
		{"too old", secret, body, at.Add(VerifyTolerance + time.Second)},
		{"from the future", secret, body, at.Add(-VerifyTolerance - time.Second)},
	}
	for _, tc := range bad {
		if err := Verify(tc.secret, h, []byte(tc.body), tc.now); !errors.Is(err, api.ErrUnauthenticated) {
			t.Errorf("Verify(%s) = %v, want api.ErrUnauthenticated", tc.name, err)
		}
	}
}

func TestValidate(t *testing.T) {
	ok := Event{Type: SecretExpiringSoon, InstanceGUID: "i", Data: map[string]string{"days_left": "7", "secret_id": "s", "api_key_id": "k"}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("Validate(%+v) = %v", ok, err)
	}
	bad := []Event{
		{Type: "secret.stolen", InstanceGUID: "i"},
		{Type: SecretCreated},
		{Type: SecretCreated, InstanceGUID: "i", Data: map[string]string{"password": "x"}},
		{Type: SecretCreated, InstanceGUID: "i", Data: map[string]string{"clientSecret": "x"}},
		{Type: SecretCreated, InstanceGUID: "i", Data: map[string]string{"private_key": "x"}},
		{Type: SecretCreated, InstanceGUID: "i", Data: map[string]string{"credentials_content": "x"}},
		{Type: SecretCreated, InstanceGUID: "i", Data: map[string]string{"note": "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"}},
		{Type: SecretCreated, InstanceGUID: "i", Data: map[string]string{"note": "-----BEGIN PRIVATE KEY-----"}},
		{Type: SecretCreated, InstanceGUID: "i", Data: map[string]string{"note": strings.Repeat("x", maxDataValue+1)}},
	}
	for _, ev := range bad {
		if err := ev.Validate(); !errors.Is(err, api.ErrInvalid) {
			t.Errorf("Validate(%+v) = %v, want api.ErrInvalid", ev, err)
		}
	}
}

func TestWebhookDelivery(t *testing.T) {
	st := storetest.OpenSQLite(t)
	clk := newClock()
	b := newBus(t, st, kms.NewDev(), Config{Now: clk.Now})
	r := newReceiver(t, 0, clk.Now)
	mustSetDestinations(t, b, r.destination())
	ev := &Event{Type: SecretRotated, AccountID: "acct-events", SecretID: "s-1", SecretName: "db", SecretType: "custom_credentials",
		SecretGroupID: "default", VersionID: "v-2", Data: map[string]string{"trigger": "automatic_secret_rotation"}}
	mustPublish(t, b, ev)
	d := NewDispatcher(b, DispatcherConfig{})
	if n := mustDeliver(t, d); n != 1 {
		t.Fatalf("DeliverDue = %d, want 1", n)
	}
	got, ids, _ := r.accepted()
	want := []map[string]any{{"spec_version": "1", "id": ev.ID, "type": "secret.rotated", "time": ev.Time.Format(time.RFC3339Nano),
		"account_id": "acct-events", "instance_guid": testInstance, "secret_id": "s-1", "secret_name": "db",
		"secret_type": "custom_credentials", "secret_group_id": "default", "version_id": "v-2",
		"data": map[string]any{"trigger": "automatic_secret_rotation"}}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("received (-want +got):\n%s", diff)
	}
	if ids[ev.ID] != 1 {
		t.Errorf("webhook-id %s received %d times, want 1", ev.ID, ids[ev.ID])
	}
	if rows := outbox(t, st, store.OutboxDelivered); len(rows) != 1 || rows[0].Attempts != 1 {
		t.Errorf("delivered rows = %+v, want one after 1 attempt", rows)
	}
	stored, err := st.EventDestinations(context.Background(), testInstance)
	if err != nil || len(stored) != 1 || strings.Contains(string(stored[0].Config), strings.TrimPrefix(r.secret.Reveal(), "whsec_")) {
		t.Errorf("stored destination = %s, %v; want one, without the secret in the clear", stored[0].Config, err)
	}
	if err := b.Publish(context.Background(), &Event{Type: SecretCreated, InstanceGUID: testInstance,
		Data: map[string]string{"password": "hunter2"}}); !errors.Is(err, api.ErrInvalid) {
		t.Errorf("Publish with a password in data = %v, want api.ErrInvalid", err)
	}
}

func TestRetryBackoff(t *testing.T) {
	st := storetest.OpenSQLite(t)
	clk := newClock()
	b := newBus(t, st, kms.NewDev(), Config{Now: clk.Now})
	r := newReceiver(t, 2, clk.Now)
	mustSetDestinations(t, b, r.destination())
	mustPublish(t, b, &Event{Type: SecretExpiringSoon, Data: map[string]string{"days_left": "7"}})
	d := NewDispatcher(b, DispatcherConfig{})
	for attempt, wait := range []time.Duration{time.Second, 2 * time.Second} {
		if n := mustDeliver(t, d); n != 1 {
			t.Fatalf("attempt %d: DeliverDue = %d, want 1", attempt+1, n)
		}
		rows := outbox(t, st, store.OutboxPending)
		if len(rows) != 1 || rows[0].LastError == "" || !rows[0].NextAttemptAt.Equal(clk.Now().Truncate(time.Microsecond).Add(wait)) {
			t.Fatalf("after failed attempt %d: rows = %+v, want one retried in %v", attempt+1, rows, wait)
		}
		if n := mustDeliver(t, d); n != 0 {
			t.Fatalf("DeliverDue before the backoff ended = %d, want 0", n)
		}
		clk.Advance(wait)
	}
	if n := mustDeliver(t, d); n != 1 {
		t.Fatalf("third attempt: DeliverDue = %d, want 1", n)
	}
	if rows := outbox(t, st, store.OutboxDelivered); len(rows) != 1 || rows[0].Attempts != 3 {
		t.Errorf("delivered rows = %+v, want one after 3 attempts", rows)
	}
	if got, _, requests := r.accepted(); len(got) != 1 || requests != 3 {
		t.Errorf("receiver accepted %d of %d requests, want 1 of 3", len(got), requests)
	}
}

func TestBackoffCapped(t *testing.T) {
	b := &Bus{cfg: Config{BaseBackoff: time.Second, MaxBackoff: time.Minute}}
	for attempts, want := range map[int64]time.Duration{1: time.Second, 2: 2 * time.Second, 4: 8 * time.Second, 7: time.Minute, 100: time.Minute} {
		if got := b.backoff(attempts); got != want {
			t.Errorf("backoff(%d) = %v, want %v", attempts, got, want)
		}
	}
}

func TestDeadLetter(t *testing.T) {
	st := storetest.OpenSQLite(t)
	clk := newClock()
	b := newBus(t, st, kms.NewDev(), Config{Now: clk.Now, MaxAttempts: 3})
	r := newReceiver(t, 1000, clk.Now)
	mustSetDestinations(t, b, r.destination())
	mustPublish(t, b, &Event{Type: SecretExpired})
	d := NewDispatcher(b, DispatcherConfig{})
	for range 3 {
		mustDeliver(t, d)
		clk.Advance(time.Hour)
	}
	if n := mustDeliver(t, d); n != 0 {
		t.Errorf("DeliverDue after the last attempt = %d, want 0", n)
	}
	dead := outbox(t, st, store.OutboxDead)
	if len(dead) != 1 || dead[0].Attempts != 3 || !strings.Contains(dead[0].LastError, "HTTP 500") {
		t.Errorf("dead rows = %+v, want one after 3 attempts with HTTP 500", dead)
	}
}

// TestRestart publishes on one store, closes it, and delivers from a new
// Bus and Dispatcher on the same database file.
func TestRestart(t *testing.T) {
	url := "sqlite:" + filepath.Join(t.TempDir(), "coffer.db")
	provider := kms.NewDev()
	clk := newClock()
	r := newReceiver(t, 0, clk.Now)
	st1, err := store.Open(context.Background(), store.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	b1 := newBus(t, st1, provider, Config{Now: clk.Now})
	mustSetDestinations(t, b1, r.destination())
	for range 3 {
		mustPublish(t, b1, &Event{Type: SecretDeleted})
	}
	b1.Close()
	if err := st1.Close(); err != nil {
		t.Fatal(err)
	}
	st2, err := store.Open(context.Background(), store.Config{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st2.Close() })
	b2 := newBus(t, st2, provider, Config{Now: clk.Now})
	if n := mustDeliver(t, NewDispatcher(b2, DispatcherConfig{})); n != 3 {
		t.Errorf("DeliverDue after the restart = %d, want 3", n)
	}
	if got, _, _ := r.accepted(); len(got) != 3 {
		t.Errorf("receiver got %d events after the restart, want 3", len(got))
	}
}

func TestPublishTxRollback(t *testing.T) {
	st := storetest.OpenSQLite(t)
	b := newBus(t, st, kms.NewDev(), Config{})
	r := newReceiver(t, 0, time.Now)
	mustSetDestinations(t, b, r.destination())
	boom := errors.New("boom")
	err := st.Update(context.Background(), func(tx *store.Tx) error {
		if err := b.PublishTx(context.Background(), tx, &Event{Type: SecretCreated, InstanceGUID: testInstance}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v, want boom", err)
	}
	if rows := outbox(t, st, ""); len(rows) != 0 {
		t.Errorf("outbox after a rolled back PublishTx = %d rows, want 0", len(rows))
	}
}

func TestSetDestinations(t *testing.T) {
	st := storetest.OpenSQLite(t)
	b := newBus(t, st, kms.NewDev(), Config{})
	ctx := context.Background()
	r1, r2 := newReceiver(t, 0, time.Now), newReceiver(t, 0, time.Now)
	mustSetDestinations(t, b, r1.destination(), r2.destination())
	mustPublish(t, b, &Event{Type: SecretCreated})
	if rows := outbox(t, st, store.OutboxPending); len(rows) != 2 {
		t.Fatalf("outbox = %d rows, want 2 (one per destination)", len(rows))
	}
	mustSetDestinations(t, b, r2.destination())
	if rows := outbox(t, st, store.OutboxPending); len(rows) != 1 {
		t.Errorf("outbox after removing a destination = %d rows, want 1", len(rows))
	}
	got, err := b.Destinations(ctx, testInstance)
	if err != nil || len(got) != 1 || got[0].Webhook.URL != r2.URL+"/hook" || got[0].Webhook.Secret != r2.secret {
		t.Errorf("Destinations = %+v, %v; want r2's webhook with its secret", got, err)
	}
	bad := []Destination{
		{},
		{Webhook: &Webhook{URL: "ftp://x", Secret: NewWebhookSecret()}},
		{Webhook: &Webhook{URL: "https://x", Secret: "not-base64!"}},
		{NATS: &NATS{URL: "nats://127.0.0.1:4222", Subject: "coffer.>"}},
		{ID: "bad id", NATS: &NATS{URL: "nats://127.0.0.1:4222", Subject: "coffer"}},
	}
	for _, d := range bad {
		if err := b.SetDestinations(ctx, testInstance, []Destination{d}); !errors.Is(err, api.ErrInvalid) {
			t.Errorf("SetDestinations(%+v) = %v, want api.ErrInvalid", d, err)
		}
	}
}

func TestSendTest(t *testing.T) {
	st := storetest.OpenSQLite(t)
	b := newBus(t, st, kms.NewDev(), Config{Timeout: 2 * time.Second})
	ctx := context.Background()
	if err := b.SendTest(ctx, testInstance); !errors.Is(err, api.ErrFailedPrecondition) {
		t.Errorf("SendTest without destinations = %v, want api.ErrFailedPrecondition", err)
	}
	good := newReceiver(t, 0, time.Now)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/hook"
	l.Close()
	down := Destination{ID: "down", Webhook: &Webhook{URL: closed, Secret: NewWebhookSecret()}}
	mustSetDestinations(t, b, good.destination(), down)
	err = b.SendTest(ctx, testInstance)
	if !errors.Is(err, api.ErrUnavailable) || !strings.Contains(err.Error(), "destination down") {
		t.Errorf("SendTest = %v, want api.ErrUnavailable naming destination down", err)
	}
	if got, _, _ := good.accepted(); len(got) != 1 || got[0]["type"] != NotificationsTest {
		t.Errorf("good receiver got %v, want one notifications.test", got)
	}
	if rows := outbox(t, st, ""); len(rows) != 0 {
		t.Errorf("SendTest wrote %d outbox rows, want 0", len(rows))
	}
}
