package storetest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/store"
)

// runSecrets covers the Secrets Manager tables (migration 0006).
func runSecrets(t *testing.T, open func(testing.TB) *store.Store) {
	tests := []struct {
		name string
		test func(*testing.T, *store.Store)
	}{
		{"Groups", testSecretGroups},
		{"SecretWithVersions", testSecretWithVersions},
		{"ListSecretsFilters", testListSecretsFilters},
		{"Locks", testSecretLocks},
		{"ConfigurationsNotificationsTasks", testSecretConfigs},
		{"OpenTasks", testOpenSecretTasks},
		{"InstanceCascade", testSecretsCascade},
		{"ReadYourWrites", testSecretReadYourWrites},
		{"ReadsConcurrentWithWrites", testSecretReadsConcurrentWithWrites},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.test(t, open(t)) })
	}
}

func mustSecretsInstance(tb testing.TB, s *store.Store, acct string) string {
	tb.Helper()
	mustCreateAccount(tb, s, acct)
	in := instances.make(acct, 1)
	if err := s.CreateInstance(context.Background(), in); err != nil {
		tb.Fatalf("CreateInstance: %v", err)
	}
	return in.GUID
}

func mustSecret(tb testing.TB, s *store.Store, inst, id, name string, labels ...string) (*store.Secret, *store.SecretVersion) {
	tb.Helper()
	x := &store.Secret{ID: id, InstanceGUID: inst, GroupID: "default", Type: "arbitrary", Name: name, Labels: labels,
		State: 1, Metadata: []byte(`{}`), CreatedBy: "me"}
	v := &store.SecretVersion{ID: id + "-v1", Payload: []byte{1, 2, 3}, PayloadAvailable: true, Metadata: []byte(`{}`), CreatedBy: "me"}
	if err := s.Update(context.Background(), func(tx *store.Tx) error { return tx.CreateSecret(context.Background(), x, v) }); err != nil {
		tb.Fatalf("CreateSecret(%s): %v", id, err)
	}
	return x, v
}

func testSecretGroups(t *testing.T, s *store.Store) {
	ctx := context.Background()
	inst := mustSecretsInstance(t, s, "acct-sg")
	g := &store.SecretGroup{InstanceGUID: inst, ID: "g1", Name: "one", CreatedBy: "me"}
	if err := s.CreateSecretGroup(ctx, g); err != nil {
		t.Fatalf("CreateSecretGroup = %v", err)
	}
	wantKind(t, "duplicate group name", s.CreateSecretGroup(ctx, &store.SecretGroup{InstanceGUID: inst, ID: "g2", Name: "one"}), store.ErrAlreadyExists)
	got, err := s.SecretGroupByName(ctx, inst, "one")
	if err != nil || got.ID != "g1" {
		t.Fatalf("SecretGroupByName = %v, %v", got, err)
	}
	g.Description = "d"
	if err := s.UpdateSecretGroup(ctx, g); err != nil {
		t.Fatalf("UpdateSecretGroup = %v", err)
	}
	g.Revision--
	wantKind(t, "stale group update", s.UpdateSecretGroup(ctx, g), store.ErrConflict)
	if err := s.DeleteSecretGroup(ctx, inst, "g1"); err != nil {
		t.Fatalf("DeleteSecretGroup = %v", err)
	}
	wantKind(t, "deleted group", s.DeleteSecretGroup(ctx, inst, "g1"), store.ErrNotFound)
}

func testSecretWithVersions(t *testing.T, s *store.Store) {
	ctx := context.Background()
	inst := mustSecretsInstance(t, s, "acct-sv")
	x, v1 := mustSecret(t, s, inst, "s1", "one", "a", "b")
	dup := &store.Secret{ID: "s2", InstanceGUID: inst, GroupID: "default", Type: "arbitrary", Name: "one", Metadata: []byte(`{}`)}
	err := s.Update(ctx, func(tx *store.Tx) error {
		return tx.CreateSecret(ctx, dup, &store.SecretVersion{ID: "s2-v1", Metadata: []byte(`{}`)})
	})
	wantKind(t, "duplicate name in group and type", err, store.ErrAlreadyExists)
	gx, gv, err := s.SecretWithCurrent(ctx, inst, "s1")
	if err != nil {
		t.Fatalf("SecretWithCurrent = %v", err)
	}
	if diff := cmp.Diff([]byte{1, 2, 3}, gv.Payload); diff != "" || gx.VersionsTotal != 1 || gv.ID != v1.ID {
		t.Errorf("SecretWithCurrent payload (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"a", "b"}, gx.Labels); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
	_, _, err = s.SecretWithCurrent(ctx, "other-instance", "s1")
	wantKind(t, "secret of another instance", err, store.ErrNotFound)
	v2 := &store.SecretVersion{ID: "s1-v2", SecretID: "s1", Seq: 2, PayloadAvailable: true, Payload: []byte{4}, Metadata: []byte(`{}`)}
	err = s.Update(ctx, func(tx *store.Tx) error {
		if err := tx.CreateSecretVersion(ctx, v2); err != nil {
			return err
		}
		x.CurrentVersion, x.VersionsTotal = v2.ID, 2
		return tx.UpdateSecret(ctx, x)
	})
	if err != nil {
		t.Fatalf("new version: %v", err)
	}
	if err := s.DestroySecretVersionData(ctx, "s1", v1.ID); err != nil {
		t.Fatalf("DestroySecretVersionData = %v", err)
	}
	old, err := s.SecretVersionBySeq(ctx, "s1", 1)
	if err != nil || old.Payload != nil || old.PayloadAvailable {
		t.Errorf("destroyed version = %+v, %v; want no payload", old, err)
	}
	vs, err := s.SecretVersions(ctx, "s1")
	if err != nil || len(vs) != 2 || vs[0].ID != v2.ID || vs[0].Payload != nil {
		t.Errorf("SecretVersions = %d versions, %v; want newest first without payloads", len(vs), err)
	}
	if err := s.MarkSecretDownloaded(ctx, "s1", v2.ID); err != nil {
		t.Fatal(err)
	}
	if gx, _ := s.Secret(ctx, inst, "s1"); !gx.Downloaded {
		t.Error("Downloaded after MarkSecretDownloaded = false")
	}
}

func testListSecretsFilters(t *testing.T, s *store.Store) {
	ctx := context.Background()
	inst := mustSecretsInstance(t, s, "acct-sl")
	for i := range 5 {
		labels := []string{"all"}
		if i%2 == 0 {
			labels = append(labels, "even")
		}
		mustSecret(t, s, inst, fmt.Sprintf("s%d", i), fmt.Sprintf("name_%d", i), labels...)
	}
	tests := []struct {
		name string
		f    store.SecretFilter
		want int
	}{
		{"all", store.SecretFilter{}, 5},
		{"labels", store.SecretFilter{Labels: []string{"all", "even"}}, 3},
		{"search name", store.SecretFilter{Search: "NAME_3"}, 1},
		{"search underscore is literal", store.SecretFilter{Search: "e_"}, 5},
		{"search label", store.SecretFilter{Search: "eve"}, 3},
		{"types", store.SecretFilter{Types: []string{"kv"}}, 0},
		{"groups", store.SecretFilter{Groups: []string{"default"}}, 5},
	}
	for _, tc := range tests {
		got, total, err := s.ListSecrets(ctx, inst, tc.f)
		if err != nil || total != int64(tc.want) || len(got) != tc.want {
			t.Errorf("ListSecrets(%s) = %d of %d, %v; want %d", tc.name, len(got), total, err, tc.want)
		}
	}
	page, total, err := s.ListSecrets(ctx, inst, store.SecretFilter{Sort: "-name", Offset: 1, Limit: 2})
	if err != nil || total != 5 || len(page) != 2 || page[0].Name != "name_3" {
		t.Errorf("ListSecrets(-name, offset 1, limit 2) = %d of %d, %v", len(page), total, err)
	}
}

func testSecretLocks(t *testing.T, s *store.Store) {
	ctx := context.Background()
	inst := mustSecretsInstance(t, s, "acct-lk")
	x, v := mustSecret(t, s, inst, "s1", "one")
	for _, d := range []string{"first", "second"} { // the same name replaces
		if err := s.PutSecretLock(ctx, &store.SecretLock{VersionID: v.ID, Name: "l1", SecretID: x.ID, InstanceGUID: inst,
			Description: d, Attributes: []byte(`{"a":1}`)}); err != nil {
			t.Fatalf("PutSecretLock = %v", err)
		}
	}
	if n, err := s.RecountSecretLocks(ctx, x.ID); err != nil || n != 1 {
		t.Errorf("RecountSecretLocks = %d, %v; want 1", n, err)
	}
	locks, err := s.SecretLocks(ctx, x.ID)
	if err != nil || len(locks) != 1 || locks[0].Description != "second" {
		t.Errorf("SecretLocks = %v, %v", locks, err)
	}
	locked, total, err := s.ListLockedSecrets(ctx, inst, store.LockedSecretFilter{Limit: 10, Search: "L1"})
	if err != nil || total != 1 || len(locked) != 1 {
		t.Errorf("ListLockedSecrets = %d, %v", total, err)
	}
	if n, err := s.DeleteSecretLocks(ctx, v.ID, []string{"l1", "missing"}); err != nil || n != 1 {
		t.Errorf("DeleteSecretLocks = %d, %v; want 1", n, err)
	}
}

func testSecretConfigs(t *testing.T, s *store.Store) {
	ctx := context.Background()
	inst := mustSecretsInstance(t, s, "acct-cf")
	for _, typ := range []string{"a_type", "b_type"} { // one name, two types
		c := &store.SecretConfiguration{InstanceGUID: inst, ConfigType: typ, Name: "cfg", SecretType: "x",
			Metadata: []byte(`{}`), Sealed: []byte{9}}
		if err := s.CreateSecretConfiguration(ctx, c); err != nil {
			t.Fatalf("CreateSecretConfiguration(%s) = %v", typ, err)
		}
	}
	wantKind(t, "duplicate configuration", s.CreateSecretConfiguration(ctx, &store.SecretConfiguration{InstanceGUID: inst,
		ConfigType: "a_type", Name: "cfg", Metadata: []byte(`{}`)}), store.ErrAlreadyExists)
	named, err := s.SecretConfigurationsNamed(ctx, inst, "cfg")
	if err != nil || len(named) != 2 {
		t.Errorf("SecretConfigurationsNamed = %d, %v; want 2", len(named), err)
	}
	n := &store.NotificationsRegistration{InstanceGUID: inst, InstanceCRN: "crn:1", SourceName: "src"}
	if err := s.PutNotificationsRegistration(ctx, n); err != nil {
		t.Fatal(err)
	}
	n.InstanceCRN = "crn:2"
	if err := s.PutNotificationsRegistration(ctx, n); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkNotificationsTest(ctx, inst, time.Now()); err != nil {
		t.Fatal(err)
	}
	got, err := s.NotificationsRegistration(ctx, inst)
	if err != nil || got.InstanceCRN != "crn:2" || got.TestRequestedAt.IsZero() {
		t.Errorf("NotificationsRegistration = %+v, %v", got, err)
	}
	x, v := mustSecret(t, s, inst, "s1", "one")
	task := &store.SecretTask{ID: "t1", SecretID: x.ID, VersionID: v.ID, Type: api.TaskTypeCreateCredentials,
		Status: api.TaskStatusQueued, Trigger: api.TaskTriggerSecretCreation}
	if err := s.CreateSecretTask(ctx, task); err != nil {
		t.Fatal(err)
	}
	task.Status, task.Errors = api.TaskStatusFailed, []byte(`[{"code":"c","description":"d"}]`)
	if err := s.UpdateSecretTask(ctx, task); err != nil {
		t.Fatal(err)
	}
	if got, err := s.SecretTask(ctx, x.ID, "t1"); err != nil || got.Status != api.TaskStatusFailed {
		t.Errorf("SecretTask = %+v, %v", got, err)
	}
}

// testOpenSecretTasks checks that OpenSecretTasks lists the queued and
// processing tasks of every instance created before the cutoff, oldest
// first, with their instance, and no answered or newer one.
func testOpenSecretTasks(t *testing.T, s *store.Store) {
	ctx := context.Background()
	in1, in2 := mustSecretsInstance(t, s, "acct-ot1"), mustSecretsInstance(t, s, "acct-ot2")
	x1, v1 := mustSecret(t, s, in1, "s1", "one")
	x2, v2 := mustSecret(t, s, in2, "s2", "two")
	base := time.Now().Add(-time.Hour).Truncate(time.Microsecond)
	for i, tc := range []struct {
		id, status string
		x          *store.Secret
		v          *store.SecretVersion
		age        time.Duration
	}{
		{"t-old-queued", api.TaskStatusQueued, x1, v1, 0},
		{"t-old-processing", api.TaskStatusProcessing, x2, v2, time.Minute},
		{"t-old-failed", api.TaskStatusFailed, x1, v1, 2 * time.Minute},
		{"t-old-created", api.TaskStatusCredentialsCreated, x2, v2, 3 * time.Minute},
		{"t-new-queued", api.TaskStatusQueued, x1, v1, 50 * time.Minute},
	} {
		created := base.Add(tc.age)
		task := &store.SecretTask{ID: tc.id, SecretID: tc.x.ID, VersionID: tc.v.ID, Type: api.TaskTypeCreateCredentials,
			Status: tc.status, Trigger: api.TaskTriggerSecretCreation, CreatedAt: created, UpdatedAt: created}
		if err := s.CreateSecretTask(ctx, task); err != nil {
			t.Fatalf("CreateSecretTask #%d: %v", i, err)
		}
	}
	got, err := s.OpenSecretTasks(ctx, base.Add(10*time.Minute), 100)
	if err != nil {
		t.Fatal(err)
	}
	var ids, instances []string
	for _, o := range got {
		ids, instances = append(ids, o.ID), append(instances, o.InstanceGUID)
	}
	if diff := cmp.Diff([]string{"t-old-queued", "t-old-processing"}, ids); diff != "" {
		t.Errorf("OpenSecretTasks ids (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{in1, in2}, instances); diff != "" {
		t.Errorf("OpenSecretTasks instances (-want +got):\n%s", diff)
	}
	if len(got) > 0 && (!got[0].CreatedAt.Equal(base) || got[0].SecretID != x1.ID) {
		t.Errorf("first open task = %+v; want created %v, secret %s", got[0].SecretTask, base, x1.ID)
	}
	if got, err := s.OpenSecretTasks(ctx, base.Add(10*time.Minute), 1); err != nil || len(got) != 1 {
		t.Errorf("OpenSecretTasks(limit 1) = %d tasks, %v; want 1", len(got), err)
	}
}

func testSecretsCascade(t *testing.T, s *store.Store) {
	ctx := context.Background()
	inst := mustSecretsInstance(t, s, "acct-cc")
	mustSecret(t, s, inst, "s1", "one", "l")
	if err := s.DeleteInstance(ctx, inst); err != nil {
		t.Fatal(err)
	}
	_, err := s.Secret(ctx, inst, "s1")
	wantKind(t, "secret of a deleted instance", err, store.ErrNotFound)
	_, err = s.SecretVersion(ctx, "s1", "s1-v1")
	wantKind(t, "version of a deleted instance", err, store.ErrNotFound)
}

// testSecretReadYourWrites checks that SecretWithCurrent outside a
// transaction (served from a cache on SQLite) reflects every write to the
// secret once the write has returned, whichever method made it.
func testSecretReadYourWrites(t *testing.T, s *store.Store) {
	ctx := context.Background()
	inst := mustSecretsInstance(t, s, "acct-ryw")
	x, _ := mustSecret(t, s, inst, "s1", "one", "a")
	read := func(what string) (*store.Secret, *store.SecretVersion) {
		t.Helper()
		gx, gv, err := s.SecretWithCurrent(ctx, inst, "s1")
		if err != nil {
			t.Fatalf("%s: SecretWithCurrent = %v", what, err)
		}
		return gx, gv
	}
	read("warm") // fill the cache, twice, and change the copies handed out
	gx, gv := read("warm again")
	gx.Labels[0], gx.Description, gv.Payload[0] = "changed", "changed", 9
	if gx, gv := read("after changing a returned copy"); gx.Labels[0] != "a" || gx.Description != "" || gv.Payload[0] != 1 {
		t.Fatalf("a caller's change to a returned secret leaked into later reads: %+v %v", gx, gv.Payload)
	}

	x.Description, x.Labels = "two", []string{"b"}
	if err := s.Update(ctx, func(tx *store.Tx) error { return tx.UpdateSecret(ctx, x) }); err != nil {
		t.Fatal(err)
	}
	if gx, _ := read("UpdateSecret"); gx.Description != "two" || len(gx.Labels) != 1 || gx.Labels[0] != "b" {
		t.Errorf("after UpdateSecret: description %q labels %v; want two [b]", gx.Description, gx.Labels)
	}

	v2 := &store.SecretVersion{ID: "s1-v2", SecretID: "s1", Seq: 2, PayloadAvailable: true, Payload: []byte{7}, Metadata: []byte(`{}`)}
	err := s.Update(ctx, func(tx *store.Tx) error {
		if err := tx.CreateSecretVersion(ctx, v2); err != nil {
			return err
		}
		x.CurrentVersion, x.VersionsTotal = v2.ID, 2
		return tx.UpdateSecret(ctx, x)
	})
	if err != nil {
		t.Fatal(err)
	}
	if gx, gv := read("new version"); gv.ID != v2.ID || gv.Payload[0] != 7 || gx.VersionsTotal != 2 {
		t.Errorf("after a new version: current %s payload %v total %d; want s1-v2 [7] 2", gv.ID, gv.Payload, gx.VersionsTotal)
	}

	v2.Metadata = []byte(`{"k":"v"}`)
	if err := s.Update(ctx, func(tx *store.Tx) error { return tx.UpdateSecretVersion(ctx, v2) }); err != nil {
		t.Fatal(err)
	}
	if _, gv := read("UpdateSecretVersion"); string(gv.Metadata) != `{"k":"v"}` {
		t.Errorf("after UpdateSecretVersion: metadata %s", gv.Metadata)
	}

	if err := s.MarkSecretDownloaded(ctx, "s1", v2.ID); err != nil {
		t.Fatal(err)
	}
	if gx, gv := read("MarkSecretDownloaded"); !gx.Downloaded || !gv.Downloaded {
		t.Errorf("after MarkSecretDownloaded: downloaded %v/%v; want true/true", gx.Downloaded, gv.Downloaded)
	}

	if err := s.PutSecretLock(ctx, &store.SecretLock{VersionID: v2.ID, Name: "l", SecretID: "s1", InstanceGUID: inst,
		Attributes: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecountSecretLocks(ctx, "s1"); err != nil {
		t.Fatal(err)
	}
	if gx, _ := read("RecountSecretLocks"); gx.LocksTotal != 1 {
		t.Errorf("after RecountSecretLocks: locks_total %d; want 1", gx.LocksTotal)
	}

	if err := s.DestroySecretVersionData(ctx, "s1", v2.ID); err != nil {
		t.Fatal(err)
	}
	if _, gv := read("DestroySecretVersionData"); gv.Payload != nil || gv.PayloadAvailable {
		t.Errorf("after DestroySecretVersionData: payload %v available %v; want none", gv.Payload, gv.PayloadAvailable)
	}

	// A rolled-back write leaves what was read before.
	boom := errors.New("boom")
	err = s.Update(ctx, func(tx *store.Tx) error {
		x.Description = "rolled back"
		if err := tx.UpdateSecret(ctx, x); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("Update = %v; want boom", err)
	}
	if gx, _ := read("rolled back"); gx.Description != "two" {
		t.Errorf("after a rollback: description %q; want two", gx.Description)
	}

	if err := s.Update(ctx, func(tx *store.Tx) error { return tx.DeleteSecret(ctx, inst, "s1") }); err != nil {
		t.Fatal(err)
	}
	_, _, err = s.SecretWithCurrent(ctx, inst, "s1")
	wantKind(t, "deleted secret", err, store.ErrNotFound)

	mustSecret(t, s, inst, "s2", "two")
	read2 := func() error { _, _, err := s.SecretWithCurrent(ctx, inst, "s2"); return err }
	if err := read2(); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteInstance(ctx, inst); err != nil {
		t.Fatal(err)
	}
	wantKind(t, "secret of a deleted instance", read2(), store.ErrNotFound)
}

// testSecretReadsConcurrentWithWrites runs readers against a writer: a read
// that starts after an Update has returned must see that write or a later
// one, never an older value.
func testSecretReadsConcurrentWithWrites(t *testing.T, s *store.Store) {
	ctx := context.Background()
	inst := mustSecretsInstance(t, s, "acct-cw")
	const secrets = 8
	xs := make([]*store.Secret, secrets)
	for i := range xs {
		xs[i], _ = mustSecret(t, s, inst, fmt.Sprintf("s%d", i), fmt.Sprintf("n%d", i))
	}
	var committed [secrets]atomic.Int64 // the last description number whose Update returned
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for r := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := r; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				k := i % secrets
				floor := committed[k].Load()
				gx, _, err := s.SecretWithCurrent(ctx, inst, xs[k].ID)
				if err != nil {
					errs <- err
					return
				}
				got, _ := strconv.ParseInt(gx.Description, 10, 64)
				if gx.Description != "" && got < floor || gx.Description == "" && floor > 0 {
					errs <- fmt.Errorf("secret %s: read description %q after update %d had returned", gx.ID, gx.Description, floor)
					return
				}
			}
		}()
	}
	for n := int64(1); n <= 200; n++ {
		k := int(n) % secrets
		xs[k].Description = strconv.FormatInt(n, 10)
		if err := s.Update(ctx, func(tx *store.Tx) error { return tx.UpdateSecret(ctx, xs[k]) }); err != nil {
			t.Fatal(err)
		}
		committed[k].Store(n)
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
