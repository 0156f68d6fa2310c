package rotation_test

// End-to-end proof of the scheduler on the real server: servertest runs the
// scheduler and the event dispatcher in the background, the test forces a
// secret due with a store update, and a loopback webhook receiver verifies
// the Standard Webhooks signature of every event it gets.

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/internal/events"
	"github.com/cofferhq/coffer/internal/server"
	"github.com/cofferhq/coffer/internal/servertest"
	"github.com/cofferhq/coffer/internal/store"
	"github.com/cofferhq/coffer/internal/store/storetest"
)

// receiver is a loopback webhook endpoint that accepts only correctly
// signed deliveries.
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	secret api.Sensitive
	got    []events.Event
	bodies []string
	bad    int
}

func newReceiver(tb testing.TB) *receiver {
	tb.Helper()
	r := &receiver{}
	r.srv = httptest.NewServer(r)
	tb.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	var ev events.Event
	if err := events.Verify(r.secret, req.Header, body, time.Now()); err != nil || json.Unmarshal(body, &ev) != nil {
		r.bad++
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	r.got = append(r.got, ev)
	r.bodies = append(r.bodies, string(body))
	w.WriteHeader(http.StatusNoContent)
}

// find returns the verified events of type typ about secret id ("" any).
func (r *receiver) find(typ, id string) []events.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []events.Event
	for _, ev := range r.got {
		if ev.Type == typ && (id == "" || ev.SecretID == id) {
			out = append(out, ev)
		}
	}
	return out
}

// waitFor waits until n events of type typ about secret id arrived.
func (r *receiver) waitFor(tb testing.TB, typ, id string, n int) []events.Event {
	tb.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got := r.find(typ, id)
		if len(got) >= n {
			return got
		}
		if time.Now().After(deadline) {
			tb.Fatalf("receiver got %d %s events about %q, want %d (bad signatures: %d)", len(got), typ, id, n, r.badCount())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *receiver) badCount() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.bad
}

// register registers the instance for notifications and adds r as its
// webhook destination, then checks the test event gets through.
func register(tb testing.TB, sm *client.SecretsClient, r *receiver) {
	tb.Helper()
	ctx := context.Background()
	_, err := sm.CreateNotificationsRegistration(ctx, api.NotificationsRegistrationPrototype{
		InstanceCRN: "crn:v1:bluemix:public:event-notifications:us-south:a/acct1:0b4c7a2e-5a0e-4a43-9d8c-2b0c3f1e9d11::",
		SourceName:  "coffer-e2e"})
	if err != nil {
		tb.Fatalf("CreateNotificationsRegistration: %v", err)
	}
	d, err := sm.CreateEventDestination(ctx, api.EventDestinationPrototype{Type: api.EventDestinationWebhook, URL: r.srv.URL})
	if err != nil || !strings.HasPrefix(d.SigningSecret, "whsec_") {
		tb.Fatalf("CreateEventDestination = %+v, %v, want a whsec_ signing secret", d, err)
	}
	r.mu.Lock()
	r.secret = api.Sensitive(d.SigningSecret)
	r.mu.Unlock()
	if err := sm.TestNotificationsRegistration(ctx); err != nil {
		tb.Fatalf("TestNotificationsRegistration: %v", err)
	}
	r.waitFor(tb, events.NotificationsTest, "", 1)
}

// openStore opens a second handle on the server's database.
func openStore(tb testing.TB, url string) *store.Store {
	tb.Helper()
	st, err := store.Open(context.Background(), store.Config{URL: url})
	if err != nil {
		tb.Fatalf("store.Open: %v", err)
	}
	tb.Cleanup(func() { st.Close() })
	return st
}

// forceDue moves a secret's next_rotation_date into the past.
func forceDue(tb testing.TB, st *store.Store, instance, id string) {
	tb.Helper()
	ctx := context.Background()
	x, err := st.Secret(ctx, instance, id)
	if err != nil {
		tb.Fatalf("store.Secret(%s): %v", id, err)
	}
	x.NextRotationDate = time.Now().Add(-time.Minute)
	if err := st.UpdateSecret(ctx, x); err != nil {
		tb.Fatalf("store.UpdateSecret(%s): %v", id, err)
	}
}

// instanceOfCRN returns the service instance field of a Coffer CRN.
func instanceOfCRN(tb testing.TB, crn string) string {
	tb.Helper()
	f := strings.Split(crn, ":")
	if len(f) < 8 || f[7] == "" {
		tb.Fatalf("CRN %q has no service instance", crn)
	}
	return f[7]
}

func fastScheduler(c *server.Config) { c.RotationInterval = 100 * time.Millisecond }

func dailyRotation() *api.RotationPolicy {
	return &api.RotationPolicy{AutoRotate: true, Interval: 1, Unit: "day"}
}

// TestScheduledRotationEndToEnd: a due username_password secret rotates for
// real within seconds, its payload changes, and secret.rotated reaches a
// signature-verifying webhook receiver without any secret value.
func TestScheduledRotationEndToEnd(t *testing.T) {
	ts := servertest.New(t, servertest.WithConfig(fastScheduler))
	ctx := context.Background()
	sm := ts.Client.SecretsManager("")
	r := newReceiver(t)
	register(t, sm, r)
	sec, err := sm.CreateSecret(ctx, api.SecretPrototype{SecretType: api.SecretTypeUsernamePassword, Name: "db",
		Username: "app", Password: "initial-Passw0rd-1", Rotation: dailyRotation()})
	if err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
	r.waitFor(t, events.SecretCreated, sec.ID, 1)
	st := openStore(t, "sqlite:"+filepath.Join(ts.DataDir, "coffer.db"))
	start := time.Now()
	forceDue(t, st, instanceOfCRN(t, sec.CRN), sec.ID)
	rotated := r.waitFor(t, events.SecretRotated, sec.ID, 1)[0]
	t.Logf("rotated and delivered %v after the secret came due", time.Since(start).Round(time.Millisecond))
	got, err := sm.Secret(ctx, sec.ID)
	if err != nil {
		t.Fatalf("Secret: %v", err)
	}
	if got.VersionsTotal != 2 || got.Password.Reveal() == "initial-Passw0rd-1" || got.Password == "" {
		t.Errorf("after rotation: versions_total %d, password changed %v; want 2, true", got.VersionsTotal,
			got.Password.Reveal() != "initial-Passw0rd-1")
	}
	if !got.NextRotationDate.After(time.Now().Add(23 * time.Hour)) {
		t.Errorf("next_rotation_date = %v, want about a day from now", got.NextRotationDate)
	}
	cur, err := sm.ListSecretVersions(ctx, sec.ID)
	if err != nil || len(cur.Versions) != 2 {
		t.Fatalf("ListSecretVersions = %v, %v", cur, err)
	}
	if rotated.VersionID != cur.Versions[0].ID || rotated.Data["trigger"] != "automatic" ||
		rotated.Data["previous_version_id"] != cur.Versions[1].ID || rotated.SecretName != "db" {
		t.Errorf("secret.rotated = %+v, want version %s (automatic, previous %s)", rotated, cur.Versions[0].ID, cur.Versions[1].ID)
	}
	r.mu.Lock()
	for _, b := range r.bodies {
		if strings.Contains(b, "initial-Passw0rd-1") || strings.Contains(b, got.Password.Reveal()) {
			t.Errorf("an event body holds a password: %s", b)
		}
	}
	r.mu.Unlock()
	if n := r.badCount(); n != 0 {
		t.Errorf("receiver refused %d deliveries (bad signature), want 0", n)
	}
}

// TestRotationFailureEndToEnd: an iam_credentials secret whose service ID
// was deleted fails to rotate; its current version keeps serving, its state
// description says so, and the failure is notified and audited.
func TestRotationFailureEndToEnd(t *testing.T) {
	ts := servertest.New(t, servertest.WithConfig(fastScheduler))
	ctx := context.Background()
	sm := ts.Client.SecretsManager("")
	r := newReceiver(t)
	register(t, sm, r)
	sid, err := ts.Client.CreateServiceID(ctx, api.CreateServiceIDRequest{AccountID: ts.Bootstrap().AccountID,
		Name: "rotation-victim"}, client.CreateOptions{})
	if err != nil {
		t.Fatalf("CreateServiceID: %v", err)
	}
	reuse := true
	sec, err := sm.CreateSecret(ctx, api.SecretPrototype{SecretType: api.SecretTypeIAMCredentials, Name: "key",
		ServiceID: sid.ID, ReuseAPIKey: &reuse, TTL: "7776000", Rotation: dailyRotation()})
	if err != nil {
		t.Fatalf("CreateSecret(iam_credentials): %v", err)
	}
	if err := ts.Client.DeleteServiceID(ctx, sid.ID); err != nil {
		t.Fatalf("DeleteServiceID: %v", err)
	}
	st := openStore(t, "sqlite:"+filepath.Join(ts.DataDir, "coffer.db"))
	forceDue(t, st, instanceOfCRN(t, sec.CRN), sec.ID)
	failed := r.waitFor(t, events.SecretRotationFailed, sec.ID, 1)[0]
	if failed.Data["attempt"] != "1" || failed.Data["error_kind"] == "" || failed.SecretName != "key" {
		t.Errorf("secret.rotation_failed = %+v, want attempt 1 with an error kind", failed)
	}
	got, err := sm.Secret(ctx, sec.ID)
	if err != nil {
		t.Fatalf("Secret after a failed rotation: %v (the current version must keep serving)", err)
	}
	if got.VersionsTotal != 1 || got.APIKey.Reveal() != sec.APIKey.Reveal() {
		t.Errorf("after the failure: versions_total %d, same api_key %v; want 1, true", got.VersionsTotal,
			got.APIKey.Reveal() == sec.APIKey.Reveal())
	}
	if !strings.HasPrefix(got.StateDescription, "active (automatic rotation failed: ") || got.State != api.StateActive {
		t.Errorf("state %d %q, want active with the failure described", got.State, got.StateDescription)
	}
	list, err := ts.Client.AuditEvents(ctx, client.AuditQuery{Action: "secrets-manager.secret-version.create",
		Outcome: api.OutcomeFailure, Target: sec.CRN})
	if err != nil {
		t.Fatalf("AuditEvents: %v", err)
	}
	if len(list.Events) == 0 || list.Events[0].Initiator.IAMID != "iam-ServiceId-coffer-scheduler" {
		t.Errorf("audit events of the failed rotation on %s = %+v, want one by the scheduler", sec.CRN, list.Events)
	}
}

// TestTwoSchedulersPostgres: two servers on one PostgreSQL schema sweep 200
// due secrets; each is rotated exactly once, and each secret.rotated event
// is delivered once.
func TestTwoSchedulersPostgres(t *testing.T) {
	url := storetest.PostgresSchema(t) // skips without PostgreSQL
	key := make([]byte, 32)
	for i := range key {
		key[i] = byte(i*7 + 3)
	}
	shared := func(c *server.Config) {
		c.Storage, c.Seal, c.MasterKey = url, "master-key", base64.StdEncoding.EncodeToString(key)
		c.RotationInterval = 100 * time.Millisecond
	}
	a := servertest.New(t, servertest.WithConfig(shared))
	servertest.New(t, servertest.WithConfig(shared))
	ctx := context.Background()
	sm := a.Client.SecretsManager("")
	r := newReceiver(t)
	register(t, sm, r)
	const n = 200
	for i := range n {
		_, err := sm.CreateSecret(ctx, api.SecretPrototype{SecretType: api.SecretTypeUsernamePassword,
			Name: fmt.Sprintf("db-%03d", i), Username: "app", Rotation: dailyRotation()})
		if err != nil {
			t.Fatalf("CreateSecret %d: %v", i, err)
		}
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	if _, err := db.ExecContext(ctx, `UPDATE secrets SET next_rotation_date = $1`, start.Add(-time.Minute).UnixMicro()); err != nil {
		t.Fatalf("forcing the secrets due: %v", err)
	}
	waitRotated(t, db, n)
	t.Logf("two schedulers rotated %d secrets in %v", n, time.Since(start).Round(time.Millisecond))
	time.Sleep(500 * time.Millisecond) // several more sweeps: nothing may rotate again
	var versions, maxTotal int
	if err := db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM secret_versions), (SELECT max(versions_total) FROM secrets)`).
		Scan(&versions, &maxTotal); err != nil {
		t.Fatal(err)
	}
	if versions != 2*n || maxTotal != 2 {
		t.Errorf("versions = %d, max versions_total = %d; want %d and 2 (each secret rotated exactly once)", versions, maxTotal, 2*n)
	}
	got := r.waitFor(t, events.SecretRotated, "", n)
	time.Sleep(300 * time.Millisecond) // let a duplicate delivery, if any, arrive
	got = r.find(events.SecretRotated, "")
	perSecret := map[string]int{}
	for _, ev := range got {
		perSecret[ev.SecretID]++
	}
	if len(got) != n || len(perSecret) != n {
		t.Errorf("secret.rotated deliveries = %d about %d secrets, want %d about %d", len(got), len(perSecret), n, n)
	}
}

// waitRotated waits until n secrets have two versions.
func waitRotated(tb testing.TB, db *sql.DB, n int) {
	tb.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var done int
		if err := db.QueryRow(`SELECT count(*) FROM secrets WHERE versions_total >= 2`).Scan(&done); err != nil {
			tb.Fatal(err)
		}
		if done >= n {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("%d of %d secrets rotated after 60s", done, n)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
