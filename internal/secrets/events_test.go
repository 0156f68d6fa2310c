package secrets_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/internal/events"
	"github.com/cofferhq/coffer/internal/servertest"
)

// hook is a loopback webhook receiver that verifies signatures and can be
// told to refuse deliveries.
type hook struct {
	mu     sync.Mutex
	secret api.Sensitive
	refuse bool
	got    []events.Event
	bad    int
}

func newHook(tb testing.TB) (*hook, string) {
	tb.Helper()
	h := &hook{}
	srv := httptest.NewServer(h)
	tb.Cleanup(srv.Close)
	return h, srv.URL
}

func (h *hook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	defer h.mu.Unlock()
	var ev events.Event
	switch {
	case h.refuse:
		w.WriteHeader(http.StatusServiceUnavailable)
	case events.Verify(h.secret, r.Header, body, time.Now()) != nil || json.Unmarshal(body, &ev) != nil:
		h.bad++
		w.WriteHeader(http.StatusUnauthorized)
	default:
		h.got = append(h.got, ev)
		w.WriteHeader(http.StatusNoContent)
	}
}

// types returns the types of the events received so far, in order, without
// notifications.test.
func (h *hook) types() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, ev := range h.got {
		if ev.Type != events.NotificationsTest {
			out = append(out, ev.Type)
		}
	}
	return out
}

// waitTypes waits until the received event types equal want.
func (h *hook) waitTypes(tb testing.TB, want []string) []events.Event {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cmp.Equal(h.types(), want) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if diff := cmp.Diff(want, h.types()); diff != "" {
		tb.Fatalf("event types (-want +got):\n%s", diff)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]events.Event(nil), h.got...)
}

func addHook(tb testing.TB, sm *client.SecretsClient, h *hook, url string) string {
	tb.Helper()
	d, err := sm.CreateEventDestination(context.Background(), api.EventDestinationPrototype{Type: "webhook", URL: url})
	if err != nil {
		tb.Fatalf("CreateEventDestination: %v", err)
	}
	h.mu.Lock()
	h.secret = api.Sensitive(d.SigningSecret)
	h.mu.Unlock()
	return d.ID
}

func registerNotifications(tb testing.TB, sm *client.SecretsClient) {
	tb.Helper()
	_, err := sm.CreateNotificationsRegistration(context.Background(), api.NotificationsRegistrationPrototype{
		InstanceCRN: "crn:v1:bluemix:public:event-notifications:us-south:a/acct:4a0e3c1d-7b9f-4f7e-9f1a-0c2d3e4f5a6b::",
		SourceName:  "coffer"})
	if err != nil {
		tb.Fatalf("CreateNotificationsRegistration: %v", err)
	}
}

// TestEventsPublished drives every publishing operation of the service
// through the API and checks what a webhook receives, in order.
func TestEventsPublished(t *testing.T) {
	ts := servertest.New(t)
	ctx := context.Background()
	sm := ts.Client.SecretsManager("")
	h, url := newHook(t)
	addHook(t, sm, h, url)
	// Without a registration nothing is queued.
	if _, err := sm.CreateSecret(ctx, api.SecretPrototype{SecretType: "arbitrary", Name: "quiet", Payload: "v0"}); err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
	registerNotifications(t, sm)
	sec, err := sm.CreateSecret(ctx, api.SecretPrototype{SecretType: "arbitrary", Name: "loud", Payload: "payload-v1"})
	if err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
	v2, err := sm.CreateSecretVersion(ctx, sec.ID, api.SecretVersionPrototype{Payload: "payload-v2"})
	if err != nil {
		t.Fatalf("CreateSecretVersion: %v", err)
	}
	if _, err := sm.CreateSecretLocksBulk(ctx, sec.ID, []api.SecretLockPrototype{{Name: "app-1"}}, ""); err != nil {
		t.Fatalf("CreateSecretLocksBulk: %v", err)
	}
	if _, err := sm.DeleteSecretLocksBulk(ctx, sec.ID, nil); err != nil {
		t.Fatalf("DeleteSecretLocksBulk: %v", err)
	}
	if err := sm.DeleteSecret(ctx, sec.ID, false); err != nil {
		t.Fatalf("DeleteSecret: %v", err)
	}
	got := h.waitTypes(t, []string{events.SecretCreated, events.SecretRotated, events.SecretVersionLocked,
		events.SecretVersionUnlocked, events.SecretDeleted})
	for _, ev := range got {
		if ev.SecretID != sec.ID || ev.SecretName != "loud" || ev.SecretType != "arbitrary" || ev.AccountID == "" {
			t.Errorf("%s event = %+v, want secret %s named loud with the account", ev.Type, ev, sec.ID)
		}
	}
	created, rotated, locked := got[0], got[1], got[2]
	if rotated.VersionID != v2.ID || rotated.Data["trigger"] != "manual" || rotated.Data["previous_version_id"] != created.VersionID {
		t.Errorf("secret.rotated = %+v, want version %s, manual, previous %s", rotated, v2.ID, created.VersionID)
	}
	if locked.VersionID != v2.ID || locked.Data["lock_names"] != "app-1" {
		t.Errorf("secret_version.locked = %+v, want version %s lock app-1", locked, v2.ID)
	}
	if h.bad != 0 {
		t.Errorf("receiver refused %d deliveries for their signature", h.bad)
	}
	// Deleting the registration stops the events.
	if err := sm.DeleteNotificationsRegistration(ctx); err != nil {
		t.Fatalf("DeleteNotificationsRegistration: %v", err)
	}
	if _, err := sm.CreateSecret(ctx, api.SecretPrototype{SecretType: "arbitrary", Name: "quiet2", Payload: "v"}); err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(h.types()); n != 5 {
		t.Errorf("events after the registration was deleted: %d in all, want still 5", n)
	}
}

// TestNotificationsTestEvent: the test endpoint answers 204 only when every
// destination accepted the event, and names the one that did not.
func TestNotificationsTestEvent(t *testing.T) {
	ts := servertest.New(t)
	ctx := context.Background()
	sm := ts.Client.SecretsManager("")
	if err := sm.TestNotificationsRegistration(ctx); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("test without a registration = %v, want not found", err)
	}
	registerNotifications(t, sm)
	if err := sm.TestNotificationsRegistration(ctx); !errors.Is(err, api.ErrFailedPrecondition) {
		t.Errorf("test without a destination = %v, want failed precondition", err)
	}
	h, url := newHook(t)
	id := addHook(t, sm, h, url)
	if err := sm.TestNotificationsRegistration(ctx); err != nil {
		t.Fatalf("TestNotificationsRegistration: %v", err)
	}
	h.mu.Lock()
	n := len(h.got)
	h.refuse = true
	h.mu.Unlock()
	if n != 1 {
		t.Errorf("test events received = %d, want 1", n)
	}
	err := sm.TestNotificationsRegistration(ctx)
	if !errors.Is(err, api.ErrUnavailable) || !strings.Contains(err.Error(), id) {
		t.Errorf("test with a refusing destination = %v, want unavailable naming %s", err, id)
	}
	list, err := sm.EventDestinations(ctx)
	if err != nil || len(list.EventDestinations) != 1 || list.EventDestinations[0].SigningSecret != "" {
		t.Errorf("EventDestinations = %+v, %v, want one, without its secret", list, err)
	}
	if err := sm.DeleteEventDestination(ctx, id); err != nil {
		t.Errorf("DeleteEventDestination: %v", err)
	}
	if err := sm.DeleteEventDestination(ctx, id); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("DeleteEventDestination again = %v, want not found", err)
	}
	if _, err := sm.CreateEventDestination(ctx, api.EventDestinationPrototype{Type: "nats", URL: "nats://127.0.0.1:4222",
		Subject: "bad.*"}); !errors.Is(err, api.ErrInvalid) {
		t.Errorf("a wildcard NATS subject = %v, want invalid", err)
	}
}

// acceptingDestination gives the server's default instance a webhook
// destination that accepts every delivery.
func acceptingDestination(tb testing.TB, srv *servertest.Server) {
	tb.Helper()
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	tb.Cleanup(ok.Close)
	_, err := srv.Client.SecretsManager("").CreateEventDestination(context.Background(),
		api.EventDestinationPrototype{Type: api.EventDestinationWebhook, URL: ok.URL})
	if err != nil {
		tb.Fatalf("CreateEventDestination: %v", err)
	}
}
