package store_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/store"
	"github.com/cofferhq/coffer/internal/store/storetest"
)

// TestUpdateGroupCommit runs many Updates at once on SQLite, where they
// share transactions: each one that returns nil is committed, each one that
// fails or panics leaves nothing behind, whatever its neighbours did.
func TestUpdateGroupCommit(t *testing.T) {
	s := storetest.OpenSQLite(t)
	ctx := context.Background()
	if err := s.CreateAccount(ctx, &store.Account{ID: "taken", State: "active"}); err != nil {
		t.Fatal(err)
	}
	errStop := errors.New("stop")
	const n = 200
	errs := make([]error, n)
	panicked := make([]any, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			defer func() { panicked[i] = recover() }()
			errs[i] = s.Update(ctx, func(tx *store.Tx) error {
				if err := tx.CreateAccount(ctx, &store.Account{ID: fmt.Sprintf("a-%d", i), State: "active"}); err != nil {
					return err
				}
				switch i % 4 {
				case 1:
					return errStop
				case 2:
					return tx.CreateAccount(ctx, &store.Account{ID: "taken", State: "active"})
				case 3:
					panic("boom")
				}
				return nil
			})
		})
	}
	wg.Wait()
	for i := range n {
		id := fmt.Sprintf("a-%d", i)
		_, getErr := s.Account(ctx, id)
		switch i % 4 {
		case 0:
			if errs[i] != nil || getErr != nil {
				t.Errorf("Update(%s) = %v, then Account = %v; want both nil", id, errs[i], getErr)
			}
		case 1, 2:
			want := map[int]error{1: errStop, 2: store.ErrAlreadyExists}[i%4]
			if !errors.Is(errs[i], want) || !errors.Is(getErr, store.ErrNotFound) {
				t.Errorf("Update(%s) = %v, then Account = %v; want %v and not found", id, errs[i], getErr, want)
			}
		case 3:
			if panicked[i] != "boom" || !errors.Is(getErr, store.ErrNotFound) {
				t.Errorf("Update(%s) panicked with %v, then Account = %v; want boom and not found", id, panicked[i], getErr)
			}
		}
	}
}

// TestUpdateCanceled refuses an Update whose context has ended before it
// starts, and leaves nothing behind.
func TestUpdateCanceled(t *testing.T) {
	s := storetest.OpenSQLite(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.Update(ctx, func(tx *store.Tx) error {
		return tx.CreateAccount(ctx, &store.Account{ID: "a-1", State: "active"})
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Update(canceled) = %v, want context.Canceled", err)
	}
	if _, err := s.Account(context.Background(), "a-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Account(a-1) = %v, want not found", err)
	}
}

// TestUpdateAfterClose answers api.ErrUnavailable once the store is closed.
func TestUpdateAfterClose(t *testing.T) {
	s, err := store.Open(context.Background(), store.Config{URL: "sqlite:" + t.TempDir() + "/c.db"})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	err = s.Update(context.Background(), func(tx *store.Tx) error { return nil })
	if !errors.Is(err, api.ErrUnavailable) {
		t.Errorf("Update after Close = %v, want api.ErrUnavailable", err)
	}
}

// BenchmarkUpdateParallel creates one account per Update from 16
// goroutines per CPU: on SQLite they share commits.
func BenchmarkUpdateParallel(b *testing.B) {
	s := storetest.OpenSQLite(b)
	ctx := context.Background()
	var mu sync.Mutex
	next := 0
	b.SetParallelism(16)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			mu.Lock()
			next++
			id := fmt.Sprintf("a-%d", next)
			mu.Unlock()
			err := s.Update(ctx, func(tx *store.Tx) error {
				return tx.CreateAccount(ctx, &store.Account{ID: id, State: "active"})
			})
			if err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
}
