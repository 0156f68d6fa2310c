package storetest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/store"
)

// entity describes one mutable entity to the generic CRUD, uniqueness,
// revision and paging tests.
type entity[T any] struct {
	parentless bool // needs no account to exist
	// make returns a new, unsaved value numbered i in account.
	make   func(account string, i int) *T
	create func(*store.Store, context.Context, *T) error
	get    func(*store.Store, context.Context, *T) (*T, error) // by primary key of the argument
	update func(*store.Store, context.Context, *T) error
	delete func(*store.Store, context.Context, *T) error
	list   func(*store.Store, context.Context, string, store.ListOptions) ([]*T, string, error)
	// mutate changes every updatable field, differently for each n.
	mutate func(v *T, n int)
	// stamps returns the common fields of v.
	stamps func(v *T) (id string, created, updated *time.Time, revision *int64)
	// lookups are the other ways to read one row, by name.
	lookups map[string]func(*store.Store, context.Context, *T) (*T, error)
	// clashes make fresh collide with orig on one unique key each, by name.
	clashes map[string]func(orig, fresh *T)
}

func (e entity[T]) run(t *testing.T, open func(testing.TB) *store.Store) {
	t.Run("CRUD", func(t *testing.T) { e.testCRUD(t, open(t)) })
	t.Run("Unique", func(t *testing.T) { e.testUnique(t, open(t)) })
	t.Run("OptimisticConcurrency", func(t *testing.T) { e.testOptimistic(t, open(t)) })
	t.Run("Paging", func(t *testing.T) { e.testPaging(t, open(t)) })
}

// parent creates the account values live in, unless the entity needs none.
func (e entity[T]) parent(tb testing.TB, s *store.Store, id string) string {
	tb.Helper()
	if e.parentless {
		return ""
	}
	mustCreateAccount(tb, s, id)
	return id
}

func (e entity[T]) mustCreate(tb testing.TB, s *store.Store, v *T) *T {
	tb.Helper()
	if err := e.create(s, context.Background(), v); err != nil {
		id, _, _, _ := e.stamps(v)
		tb.Fatalf("create %s: %v", id, err)
	}
	return v
}

func (e entity[T]) mustGet(tb testing.TB, s *store.Store, v *T) *T {
	tb.Helper()
	got, err := e.get(s, context.Background(), v)
	if err != nil {
		id, _, _, _ := e.stamps(v)
		tb.Fatalf("read %s: %v", id, err)
	}
	return got
}

func (e entity[T]) testCRUD(t *testing.T, s *store.Store) {
	ctx := context.Background()
	acct := e.parent(t, s, "acct-1")
	v := e.make(acct, 1)
	start := time.Now().Add(-time.Second)
	e.mustCreate(t, s, v)
	id, created, updated, rev := e.stamps(v)
	if *rev != 1 || created.Before(start) || !updated.Equal(*created) {
		t.Errorf("after create %s: revision %d, created %v, updated %v; want 1, now, = created", id, *rev, *created, *updated)
	}
	if diff := cmp.Diff(v, e.mustGet(t, s, v)); diff != "" {
		t.Errorf("read %s after create (-want +got):\n%s", id, diff)
	}
	for name, lookup := range e.lookups {
		got, err := lookup(s, ctx, v)
		if diff := cmp.Diff(v, got); err != nil || diff != "" {
			t.Errorf("%s(%s) = err %v, diff (-want +got):\n%s", name, id, err, diff)
		}
	}
	e.mutate(v, 1)
	if err := e.update(s, ctx, v); err != nil {
		t.Fatalf("update %s: %v", id, err)
	}
	if *rev != 2 || updated.Before(*created) {
		t.Errorf("after update %s: revision %d, updated %v; want 2, >= created %v", id, *rev, *updated, *created)
	}
	if diff := cmp.Diff(v, e.mustGet(t, s, v)); diff != "" {
		t.Errorf("read %s after update (-want +got):\n%s", id, diff)
	}
	if err := e.delete(s, ctx, v); err != nil {
		t.Fatalf("delete %s: %v", id, err)
	}
	_, err := e.get(s, ctx, v)
	wantKind(t, "read after delete", err, store.ErrNotFound, api.ErrNotFound)
	wantKind(t, "delete again", e.delete(s, ctx, v), store.ErrNotFound, api.ErrNotFound)
	wantKind(t, "update after delete", e.update(s, ctx, v), store.ErrNotFound, api.ErrNotFound)
}

func (e entity[T]) testUnique(t *testing.T, s *store.Store) {
	acct := e.parent(t, s, "acct-1")
	orig := e.mustCreate(t, s, e.make(acct, 1))
	for name, clash := range e.clashes {
		t.Run(name, func(t *testing.T) {
			fresh := e.make(acct, 2)
			clash(orig, fresh)
			err := e.create(s, context.Background(), fresh)
			wantKind(t, "create "+name, err, store.ErrAlreadyExists, api.ErrAlreadyExists)
			if _, _, _, rev := e.stamps(fresh); *rev != 0 {
				t.Errorf("refused create set revision to %d, want it untouched (0)", *rev)
			}
		})
	}
	if diff := cmp.Diff(orig, e.mustGet(t, s, orig)); diff != "" {
		t.Errorf("original after refused creates (-want +got):\n%s", diff)
	}
}

func (e entity[T]) testOptimistic(t *testing.T, s *store.Store) {
	ctx := context.Background()
	acct := e.parent(t, s, "acct-1")
	v := e.mustCreate(t, s, e.make(acct, 1))
	first, second := e.mustGet(t, s, v), e.mustGet(t, s, v)
	e.mutate(first, 1)
	if err := e.update(s, ctx, first); err != nil {
		t.Fatalf("first update: %v", err)
	}
	e.mutate(second, 2)
	wantKind(t, "second update at a stale revision", e.update(s, ctx, second), store.ErrConflict, api.ErrConflict)
	if _, _, _, rev := e.stamps(second); *rev != 1 {
		t.Errorf("refused update changed the revision to %d, want 1", *rev)
	}
	if diff := cmp.Diff(first, e.mustGet(t, s, v)); diff != "" {
		t.Errorf("stored row is not the first update's (-want +got):\n%s", diff)
	}
}

func (e entity[T]) testPaging(t *testing.T, s *store.Store) {
	ctx := context.Background()
	acct := e.parent(t, s, "acct-1")
	base := time.Date(2021, 3, 4, 5, 6, 7, 891011000, time.UTC)
	var want []string
	for _, i := range rand.Perm(25) {
		v := e.make(acct, i)
		id, created, _, _ := e.stamps(v)
		*created = base.Add(time.Duration((24-i)/2) * time.Second) // pairs share a time: id breaks ties
		e.mustCreate(t, s, v)
		want = append(want, id)
	}
	sort.Slice(want, func(a, b int) bool { return less(want[a], want[b]) })
	if !e.parentless {
		e.mustCreate(t, s, e.make(e.parent(t, s, "acct-2"), 99)) // must not be listed
	}
	var got []string
	opts := store.ListOptions{Limit: 7}
	for page := 0; ; page++ {
		items, next, err := e.list(s, ctx, acct, opts)
		if err != nil {
			t.Fatalf("list page %d: %v", page, err)
		}
		if wantLen := min(7, 25-7*page); len(items) != wantLen {
			t.Errorf("page %d has %d items, want %d", page, len(items), wantLen)
		}
		for _, v := range items {
			id, _, _, _ := e.stamps(v)
			got = append(got, id)
		}
		if next == "" || page > 10 {
			break
		}
		opts.PageToken = next
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paged listing (-want +got):\n%s", diff)
	}
	all, next, err := e.list(s, ctx, acct, store.ListOptions{})
	if err != nil || len(all) != 25 || next != "" {
		t.Errorf("list with default limit = %d items, next %q, err %v; want 25, \"\", nil", len(all), next, err)
	}
	for _, tok := range []string{"garbage!", "AA", "Ag" + "AAAAAAAAAAA", "~~~"} {
		_, _, err := e.list(s, ctx, acct, store.ListOptions{PageToken: tok})
		wantKind(t, fmt.Sprintf("list with page token %q", tok), err, api.ErrInvalid)
	}
}

// less orders the ids made by the suite's make functions as the store does
// for equal times: the ids of a pair sharing a time differ only in their
// number, so byte order of ids is the expected order within the pair, and
// pairs are ordered by time, which decreases with the number.
func less(a, b string) bool {
	na, nb := number(a), number(b)
	if (24-na)/2 != (24-nb)/2 {
		return (24-na)/2 < (24-nb)/2
	}
	return a < b
}

// number returns the trailing number of an id made by mkID.
func number(id string) int {
	var n int
	fmt.Sscanf(id[len(id)-3:], "%03d", &n)
	return n
}

// mkID returns a sortable id for value i of a kind.
func mkID(kind, account string, i int) string {
	return fmt.Sprintf("%s-%s-%03d", kind, account, i)
}

// wantKind fails unless err wraps every one of kinds.
func wantKind(tb testing.TB, what string, err error, kinds ...error) {
	tb.Helper()
	for _, k := range kinds {
		if !errors.Is(err, k) {
			tb.Errorf("%s: err = %v, want %v", what, err, k)
		}
	}
}

func mustCreateAccount(tb testing.TB, s *store.Store, id string) *store.Account {
	tb.Helper()
	a := &store.Account{ID: id, Name: "name of " + id, State: "active"}
	if err := s.CreateAccount(context.Background(), a); err != nil {
		tb.Fatalf("CreateAccount(%q): %v", id, err)
	}
	return a
}
