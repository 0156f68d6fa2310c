package store_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/cofferhq/coffer/internal/store"
	"github.com/cofferhq/coffer/internal/store/storetest"
)

func TestSQLite(t *testing.T) {
	storetest.Run(t, storetest.OpenSQLite)
}

func TestPostgres(t *testing.T) {
	storetest.OpenPostgres(t) // skips early when no database is configured
	storetest.Run(t, storetest.OpenPostgres)
}

// TestPostgresConcurrentOpen starts several nodes on one fresh schema at once:
// the advisory lock lets exactly one migrate and all succeed.
func TestPostgresConcurrentOpen(t *testing.T) {
	url := storetest.PostgresSchema(t)
	ctx := context.Background()
	const nodes = 3
	stores := make([]*store.Store, nodes)
	errs := make([]error, nodes)
	var wg sync.WaitGroup
	for i := range nodes {
		wg.Go(func() { stores[i], errs[i] = store.Open(ctx, store.Config{URL: url}) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("Open #%d = %v, want nil", i, err)
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	for i, s := range stores {
		a := &store.Account{ID: fmt.Sprintf("acct-%d", i)}
		if err := s.CreateAccount(ctx, a); err != nil {
			t.Errorf("node %d CreateAccount: %v", i, err)
		}
	}
	all, _, err := stores[0].ListAccounts(ctx, store.ListOptions{})
	if err != nil || len(all) != nodes {
		t.Errorf("ListAccounts = %d, %v; want %d accounts from every node", len(all), err, nodes)
	}
}

// BenchmarkPointRead reads one account by id from 1000 rows (SQLite).
func BenchmarkPointRead(b *testing.B) {
	s := storetest.OpenSQLite(b)
	ctx := context.Background()
	ids := make([]string, 1000)
	err := s.Update(ctx, func(tx *store.Tx) error {
		for i := range ids {
			ids[i] = fmt.Sprintf("acct-%04d", i)
			if err := tx.CreateAccount(ctx, &store.Account{ID: ids[i], Name: "n", State: "active"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := s.Account(ctx, ids[i%len(ids)]); err != nil {
			b.Fatal(err)
		}
		i += 7
	}
}

// BenchmarkSingleRowWrite creates one account per iteration in autocommit
// mode (SQLite, WAL, synchronous=FULL: each write is durable).
func BenchmarkSingleRowWrite(b *testing.B) {
	s := storetest.OpenSQLite(b)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if err := s.CreateAccount(ctx, &store.Account{ID: fmt.Sprintf("acct-%d", i), Name: "n", State: "active"}); err != nil {
			b.Fatal(err)
		}
	}
}
