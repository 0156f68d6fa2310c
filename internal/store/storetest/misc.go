package storetest

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/store"
)

func testPing(t *testing.T, s *store.Store) {
	if err := s.Ping(context.Background()); err != nil {
		t.Errorf("Ping = %v, want nil", err)
	}
	if d := s.Dialect(); d != "sqlite" && d != "postgres" {
		t.Errorf("Dialect() = %q, want sqlite or postgres", d)
	}
}

func testRequired(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreateAccount(t, s, "acct-1")
	tests := []struct {
		name string
		err  error
	}{
		{"account without id", s.CreateAccount(ctx, &store.Account{Name: "x"})},
		{"user without iam id", s.CreateUser(ctx, &store.User{AccountID: "acct-1", Name: "x"})},
		{"api key without hash", s.CreateAPIKey(ctx, &store.APIKey{ID: "k", AccountID: "acct-1"})},
		{"instance without account", s.CreateInstance(ctx, &store.Instance{GUID: "g"})},
		{"data key without key", s.CreateDataKey(ctx, &store.DataKey{InstanceID: "i", Term: 1})},
	}
	for _, tc := range tests {
		wantKind(t, tc.name, tc.err, api.ErrInvalid)
	}
}

func testForeignKey(t *testing.T, s *store.Store) {
	ctx := context.Background()
	tests := []struct {
		name string
		err  error
	}{
		{"user", s.CreateUser(ctx, users.make("no-such-account", 1))},
		{"api key", s.CreateAPIKey(ctx, apiKeys.make("no-such-account", 1))},
		{"instance", s.CreateInstance(ctx, instances.make("no-such-account", 1))},
	}
	for _, tc := range tests {
		wantKind(t, "create "+tc.name+" in a missing account", tc.err, api.ErrFailedPrecondition)
	}
}

func testCascade(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreateAccount(t, s, "doomed")
	mustCreateAccount(t, s, "kept")
	var keptUser *store.User
	for _, acct := range []string{"doomed", "kept"} {
		keptUser = users.mustCreate(t, s, users.make(acct, 1))
		apiKeys.mustCreate(t, s, apiKeys.make(acct, 1))
		instances.mustCreate(t, s, instances.make(acct, 1))
	}
	dk := &store.DataKey{InstanceID: mkID("guid", "doomed", 1), Term: 1, Wrapped: []byte{1}, RootKeyID: "root"}
	if err := s.CreateDataKey(ctx, dk); err != nil {
		t.Fatalf("CreateDataKey: %v", err)
	}
	if err := s.DeleteAccount(ctx, "doomed"); err != nil {
		t.Fatalf("DeleteAccount: %v", err)
	}
	_, err := s.User(ctx, "doomed", mkID("IBMid", "doomed", 1))
	wantKind(t, "user of deleted account", err, store.ErrNotFound)
	_, err = s.APIKey(ctx, mkID("ApiKey", "doomed", 1))
	wantKind(t, "api key of deleted account", err, store.ErrNotFound)
	_, err = s.Instance(ctx, mkID("guid", "doomed", 1))
	wantKind(t, "instance of deleted account", err, store.ErrNotFound)
	if got := users.mustGet(t, s, keptUser); got.AccountID != "kept" {
		t.Errorf("user of the other account = %+v", got)
	}
	apiKeys.mustGet(t, s, apiKeys.make("kept", 1))
	instances.mustGet(t, s, instances.make("kept", 1))
	if keys, err := s.DataKeys(ctx, dk.InstanceID); err != nil || len(keys) != 1 {
		t.Errorf("DataKeys after account delete = %d keys, %v; want 1 (no foreign key)", len(keys), err)
	}
}

func testNamesScopedToAccount(t *testing.T, s *store.Store) {
	for _, acct := range []string{"acct-1", "acct-2"} {
		mustCreateAccount(t, s, acct)
		users.mustCreate(t, s, &store.User{IAMID: "IBMid-same", AccountID: acct, Name: "same"})
		instances.mustCreate(t, s, &store.Instance{GUID: "guid-" + acct, AccountID: acct, Name: "same"})
	}
	for _, acct := range []string{"acct-1", "acct-2"} {
		u, err := s.UserByName(context.Background(), acct, "same")
		if err != nil || u.AccountID != acct {
			t.Errorf("UserByName(%q, same) = %+v, %v", acct, u, err)
		}
		in, err := s.InstanceByName(context.Background(), acct, "same")
		if err != nil || in.GUID != "guid-"+acct {
			t.Errorf("InstanceByName(%q, same) = %+v, %v", acct, in, err)
		}
	}
}

func testAPIKeysByOwner(t *testing.T, s *store.Store) {
	mustCreateAccount(t, s, "acct-1")
	for i, owner := range []string{"IBMid-a", "IBMid-b", "IBMid-a", "iam-ServiceId-c"} {
		k := apiKeys.make("acct-1", i)
		k.IAMID = owner
		apiKeys.mustCreate(t, s, k)
	}
	for owner, want := range map[string]int{"": 4, "IBMid-a": 2, "IBMid-b": 1, "iam-ServiceId-c": 1, "IBMid-none": 0} {
		keys, next, err := s.ListAPIKeys(context.Background(), "acct-1", owner, store.ListOptions{})
		if err != nil || len(keys) != want || next != "" {
			t.Errorf("ListAPIKeys(acct-1, %q) = %d keys, next %q, %v; want %d", owner, len(keys), next, err, want)
		}
		for _, k := range keys {
			if owner != "" && k.IAMID != owner {
				t.Errorf("ListAPIKeys(acct-1, %q) returned a key of %q", owner, k.IAMID)
			}
		}
	}
}

func testInstancesAllAccounts(t *testing.T, s *store.Store) {
	for _, acct := range []string{"acct-1", "acct-2"} {
		mustCreateAccount(t, s, acct)
		instances.mustCreate(t, s, instances.make(acct, 1))
	}
	all, next, err := s.ListInstances(context.Background(), "", store.ListOptions{})
	if err != nil || len(all) != 2 || next != "" {
		t.Fatalf("ListInstances(\"\") = %d, %q, %v; want 2 instances", len(all), next, err)
	}
	one, _, err := s.ListInstances(context.Background(), "acct-2", store.ListOptions{})
	if err != nil || len(one) != 1 || one[0].AccountID != "acct-2" {
		t.Errorf("ListInstances(acct-2) = %+v, %v", one, err)
	}
}

func testDataKeys(t *testing.T, s *store.Store) {
	ctx := context.Background()
	var want []*store.DataKey
	for _, inst := range []string{"", "coffer:system", "guid-1"} {
		for _, term := range []int64{2, 1, 3} {
			k := &store.DataKey{InstanceID: inst, Term: term, Wrapped: []byte{byte(term), 0, 0xff}, RootKeyID: "root-1"}
			if err := s.CreateDataKey(ctx, k); err != nil {
				t.Fatalf("CreateDataKey(%q, %d): %v", inst, term, err)
			}
			if k.CreatedAt.IsZero() {
				t.Errorf("CreateDataKey(%q, %d) left CreatedAt zero", inst, term)
			}
			want = append(want, k)
		}
	}
	byTerm := func(inst string) []*store.DataKey {
		var out []*store.DataKey
		for _, term := range []int64{1, 2, 3} {
			for _, k := range want {
				if k.InstanceID == inst && k.Term == term {
					out = append(out, k)
				}
			}
		}
		return out
	}
	dup := &store.DataKey{InstanceID: "guid-1", Term: 2, Wrapped: []byte{9}, RootKeyID: "root-1"}
	wantKind(t, "duplicate term", s.CreateDataKey(ctx, dup), store.ErrAlreadyExists, api.ErrAlreadyExists)
	got, err := s.DataKeys(ctx, "guid-1")
	if diff := cmp.Diff(byTerm("guid-1"), got); err != nil || diff != "" {
		t.Errorf("DataKeys(guid-1) = err %v, diff (-want +got):\n%s", err, diff)
	}
	all, err := s.AllDataKeys(ctx)
	if wantAll := append(append(byTerm(""), byTerm("coffer:system")...), byTerm("guid-1")...); err != nil || !cmp.Equal(wantAll, all) {
		t.Errorf("AllDataKeys = err %v, diff (-want +got):\n%s", err, cmp.Diff(wantAll, all))
	}
	if err := s.UpdateDataKeyWrapping(ctx, "coffer:system", 2, []byte("rewrapped"), "root-2"); err != nil {
		t.Fatalf("UpdateDataKeyWrapping: %v", err)
	}
	sys, err := s.DataKeys(ctx, "coffer:system")
	if err != nil || len(sys) != 3 || string(sys[1].Wrapped) != "rewrapped" || sys[1].RootKeyID != "root-2" ||
		sys[0].RootKeyID != "root-1" {
		t.Errorf("DataKeys(coffer:system) after rewrap = %+v, %v", sys, err)
	}
	wantKind(t, "rewrap a missing term", s.UpdateDataKeyWrapping(ctx, "guid-1", 7, []byte{1}, "r"), store.ErrNotFound)
	if err := s.DeleteDataKeys(ctx, "guid-1"); err != nil {
		t.Fatalf("DeleteDataKeys: %v", err)
	}
	if got, err := s.DataKeys(ctx, "guid-1"); err != nil || len(got) != 0 {
		t.Errorf("DataKeys after delete = %v, %v; want none", got, err)
	}
	if got, _ := s.DataKeys(ctx, ""); len(got) != 3 {
		t.Errorf("DeleteDataKeys(guid-1) touched the system namespace: %d keys left, want 3", len(got))
	}
	if err := s.DeleteDataKeys(ctx, "guid-1"); err != nil {
		t.Errorf("DeleteDataKeys of nothing = %v, want nil", err)
	}
}

func testMeta(t *testing.T, s *store.Store) {
	ctx := context.Background()
	_, err := s.Meta(ctx, "root.check")
	wantKind(t, "Meta of a missing key", err, store.ErrNotFound, api.ErrNotFound)
	for _, v := range [][]byte{[]byte("one"), []byte("two"), {}, {0, 1, 2}} {
		if err := s.PutMeta(ctx, "root.check", v); err != nil {
			t.Fatalf("PutMeta(%q): %v", v, err)
		}
		got, err := s.Meta(ctx, "root.check")
		if err != nil || !bytes.Equal(got, v) {
			t.Errorf("Meta after PutMeta(%q) = %q, %v", v, got, err)
		}
	}
	if err := s.PutMeta(ctx, "other", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Meta(ctx, "root.check"); !bytes.Equal(got, []byte{0, 1, 2}) {
		t.Errorf("PutMeta(other) changed root.check to %q", got)
	}
}

func testTimePrecision(t *testing.T, s *store.Store) {
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	in := time.Date(2024, 2, 29, 23, 59, 59, 123456789, zone)
	want := time.Date(2024, 2, 29, 18, 29, 59, 123456000, time.UTC)
	a := &store.Account{ID: "acct-t", CreatedAt: in, UpdatedAt: in.Add(200)}
	if err := s.CreateAccount(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	got, err := s.Account(context.Background(), "acct-t")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		t    time.Time
	}{{"created (stored)", a.CreatedAt}, {"created (read)", got.CreatedAt}, {"updated (read)", got.UpdatedAt}} {
		if tc.t != want || tc.t.Location() != time.UTC {
			t.Errorf("%s = %v, want exactly %v (UTC, microseconds)", tc.name, tc.t, want)
		}
	}
	if err := s.UpdateAccount(context.Background(), got); err != nil {
		t.Fatal(err)
	}
	if got.UpdatedAt.Location() != time.UTC || got.UpdatedAt.Nanosecond()%1000 != 0 {
		t.Errorf("UpdatedAt after update = %v, want UTC at microseconds", got.UpdatedAt)
	}
}

// testBlobs checks BYTEA keeps bytes as they are, including ones that SQLite's
// NUMERIC affinity would turn into numbers if they were text.
func testBlobs(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreateAccount(t, s, "acct-1")
	blobs := [][]byte{[]byte("123"), []byte("1.50"), []byte(" 42 "), []byte("1e3"), {0}, {0xff, 0, 0xfe}, []byte("0x10")}
	for i, b := range blobs {
		k := apiKeys.make("acct-1", i)
		k.Hash = b
		apiKeys.mustCreate(t, s, k)
		dk := &store.DataKey{InstanceID: "i", Term: int64(i), Wrapped: b, RootKeyID: "r"}
		if err := s.CreateDataKey(ctx, dk); err != nil {
			t.Fatal(err)
		}
		if err := s.PutMeta(ctx, string(rune('a'+i)), b); err != nil {
			t.Fatal(err)
		}
	}
	keys, _ := s.DataKeys(ctx, "i")
	for i, b := range blobs {
		got, err := s.APIKeyByHash(ctx, b)
		if err != nil || !bytes.Equal(got.Hash, b) {
			t.Errorf("APIKeyByHash(%q) = %v, %v", b, got, err)
		}
		if i >= len(keys) || !bytes.Equal(keys[i].Wrapped, b) {
			t.Errorf("data key %d wrapped = %v, want %q", i, keys, b)
		}
		if m, err := s.Meta(ctx, string(rune('a'+i))); err != nil || !bytes.Equal(m, b) {
			t.Errorf("Meta(%c) = %q, %v; want %q", 'a'+i, m, err, b)
		}
	}
}

// testUnstorableText writes text PostgreSQL's text columns cannot hold (a
// NUL byte, invalid UTF-8): both databases refuse it with api.ErrInvalid,
// before the database sees it, and store nothing; a transaction that meets
// the refusal can still commit its other writes. A lookup by such text is
// a classified error, never an internal one.
func testUnstorableText(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreateAccount(t, s, "acct-1")
	for _, name := range []string{"nul\x00name", "bad\xffutf8"} {
		err := s.CreateAccount(ctx, &store.Account{ID: "acct-2", Name: name})
		wantKind(t, "CreateAccount with name "+name, err, api.ErrInvalid)
		if _, err := s.Account(ctx, "acct-2"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("after a refused create, Account = %v; want ErrNotFound", err)
		}
		if _, err := s.Account(ctx, name); err == nil || !(errors.Is(err, store.ErrNotFound) || errors.Is(err, api.ErrInvalid)) {
			t.Errorf("Account(%q) = %v; want ErrNotFound or api.ErrInvalid", name, err)
		}
	}
	err := s.Update(ctx, func(tx *store.Tx) error {
		wantKind(t, "CreateAccount in a transaction", tx.CreateAccount(ctx, &store.Account{ID: "acct-3", Name: "a\x00"}), api.ErrInvalid)
		return tx.CreateAccount(ctx, &store.Account{ID: "acct-4", Name: "fine"})
	})
	if err != nil {
		t.Fatalf("Update after a refused write = %v; want nil", err)
	}
	if _, err := s.Account(ctx, "acct-4"); err != nil {
		t.Errorf("Account(acct-4) = %v; want the account committed after the refusal", err)
	}
}
