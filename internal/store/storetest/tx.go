package storetest

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/store"
)

// createPair creates an account and a user in it inside tx.
func createPair(ctx context.Context, tx *store.Tx, id string) error {
	if err := tx.CreateAccount(ctx, &store.Account{ID: id, State: "active"}); err != nil {
		return err
	}
	return tx.CreateUser(ctx, &store.User{IAMID: "IBMid-" + id, AccountID: id, Name: "u"})
}

// wantAbsent fails if the account id or its user exists.
func wantAbsent(tb testing.TB, s *store.Store, id string) {
	tb.Helper()
	_, err := s.Account(context.Background(), id)
	wantKind(tb, "account "+id+" after rollback", err, store.ErrNotFound)
	_, err = s.User(context.Background(), id, "IBMid-"+id)
	wantKind(tb, "user of "+id+" after rollback", err, store.ErrNotFound)
}

func testTxCommit(t *testing.T, s *store.Store) {
	ctx := context.Background()
	err := s.Update(ctx, func(tx *store.Tx) error { return createPair(ctx, tx, "acct-1") })
	if err != nil {
		t.Fatalf("Update = %v", err)
	}
	if _, err := s.User(ctx, "acct-1", "IBMid-acct-1"); err != nil {
		t.Errorf("user after commit: %v", err)
	}
}

func testTxRollbackOnError(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreateAccount(t, s, "existing")
	errStop := errors.New("stop")
	tests := []struct {
		name string
		fn   func(tx *store.Tx) error
		want error
	}{
		{"fn error", func(tx *store.Tx) error {
			if err := createPair(ctx, tx, "acct-1"); err != nil {
				return err
			}
			return errStop
		}, errStop},
		{"store error", func(tx *store.Tx) error {
			if err := createPair(ctx, tx, "acct-1"); err != nil {
				return err
			}
			return tx.CreateAccount(ctx, &store.Account{ID: "existing"})
		}, store.ErrAlreadyExists},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.Update(ctx, tc.fn)
			wantKind(t, "Update", err, tc.want)
			wantAbsent(t, s, "acct-1")
		})
	}
	if err := s.Update(ctx, func(tx *store.Tx) error { return createPair(ctx, tx, "acct-2") }); err != nil {
		t.Errorf("Update after rollbacks = %v, want nil", err)
	}
}

func testTxRollbackOnPanic(t *testing.T, s *store.Store) {
	ctx := context.Background()
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the panic value boom", r)
			}
		}()
		s.Update(ctx, func(tx *store.Tx) error {
			if err := createPair(ctx, tx, "acct-1"); err != nil {
				t.Errorf("createPair: %v", err)
			}
			panic("boom")
		})
		t.Errorf("Update returned, want it to panic")
	}()
	wantAbsent(t, s, "acct-1")
	if err := s.Update(ctx, func(tx *store.Tx) error { return createPair(ctx, tx, "acct-2") }); err != nil {
		t.Errorf("Update after a panic = %v, want nil", err)
	}
}

// testTxIsolation checks a transaction reads its own writes and others do
// not see them before commit.
func testTxIsolation(t *testing.T, s *store.Store) {
	ctx := context.Background()
	err := s.Update(ctx, func(tx *store.Tx) error {
		if err := createPair(ctx, tx, "acct-1"); err != nil {
			return err
		}
		if _, err := tx.User(ctx, "acct-1", "IBMid-acct-1"); err != nil {
			t.Errorf("tx.User inside the transaction: %v", err)
		}
		_, err := s.Account(ctx, "acct-1")
		wantKind(t, "Store.Account before commit", err, store.ErrNotFound)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// testConcurrentCreates: 8 goroutines x 25 creates through Update all land.
func testConcurrentCreates(t *testing.T, s *store.Store) {
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 8*25)
	for g := range 8 {
		wg.Go(func() {
			for i := range 25 {
				errs <- s.Update(ctx, func(tx *store.Tx) error {
					return tx.CreateAccount(ctx, &store.Account{ID: fmt.Sprintf("acct-%d-%02d", g, i)})
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent Update: %v", err)
		}
	}
	all, _, err := s.ListAccounts(ctx, store.ListOptions{Limit: 1000})
	if err != nil || len(all) != 200 {
		t.Errorf("ListAccounts = %d accounts, %v; want 200", len(all), err)
	}
}

// testConcurrentOptimisticUpdates: 8 goroutines race read-increment-update on
// one row; exactly the winners' increments are visible.
func testConcurrentOptimisticUpdates(t *testing.T, s *store.Store) {
	ctx := context.Background()
	mustCreateAccount(t, s, "counter").Name = "0"
	if err := s.UpdateAccount(ctx, &store.Account{ID: "counter", Name: "0", Revision: 1}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins, conflicts := 0, 0
	for range 8 {
		wg.Go(func() {
			for range 10 {
				err := increment(ctx, s)
				mu.Lock()
				switch {
				case err == nil:
					wins++
				case errors.Is(err, api.ErrConflict):
					conflicts++
				default:
					t.Errorf("increment: %v", err)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	a, err := s.Account(ctx, "counter")
	if err != nil {
		t.Fatal(err)
	}
	if a.Name != strconv.Itoa(wins) || a.Revision != int64(2+wins) {
		t.Errorf("counter = %s at revision %d; want %d at revision %d (%d conflicts)", a.Name, a.Revision, wins, 2+wins, conflicts)
	}
	t.Logf("%d wins, %d conflicts", wins, conflicts)
}

func increment(ctx context.Context, s *store.Store) error {
	a, err := s.Account(ctx, "counter")
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(a.Name)
	if err != nil {
		return err
	}
	a.Name = strconv.Itoa(n + 1)
	return s.UpdateAccount(ctx, a)
}
