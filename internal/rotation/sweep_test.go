package rotation_test

// The rotation sweep benchmark of issue 7's note: N due username_password
// secrets, one full sweep timed on SQLite and on PostgreSQL, with concurrent
// reads of those secrets measured meanwhile. It runs only when
// COFFER_BENCH_SWEEP=N is set (CI leaves it unset):
//
//	COFFER_BENCH_SWEEP=10000 COFFER_TEST_POSTGRES_URL=postgres://... \
//	  go test ./internal/rotation/ -run TestSweepBenchmark -v -timeout 2h

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/server"
	"github.com/cofferhq/coffer/internal/servertest"
	"github.com/cofferhq/coffer/internal/store/storetest"
)

const (
	benchReaders  = 8 // concurrent GetSecret loops during the sweep
	benchCreators = 8 // concurrent CreateSecret loops while preparing
)

func TestSweepBenchmark(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("COFFER_BENCH_SWEEP"))
	if n <= 0 {
		t.Skip("sweep benchmark skipped: set COFFER_BENCH_SWEEP=N (e.g. 10000)")
	}
	t.Run("sqlite", func(t *testing.T) {
		ts := servertest.New(t, servertest.WithConfig(func(c *server.Config) { c.RotationInterval = 24 * time.Hour }))
		db, err := sql.Open("sqlite", "file:"+filepath.Join(ts.DataDir, "coffer.db")+"?_pragma=busy_timeout(20000)")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		benchSweep(t, ts, db, n, "?")
	})
	t.Run("postgres", func(t *testing.T) {
		url := storetest.PostgresSchema(t)
		ts := servertest.New(t, servertest.WithConfig(func(c *server.Config) {
			c.Storage, c.Seal, c.MasterKey = url, "master-key", base64.StdEncoding.EncodeToString(make([]byte, 32))
			c.RotationInterval = 24 * time.Hour
		}))
		db, err := sql.Open("pgx", url)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		benchSweep(t, ts, db, n, "$1")
	})
}

// benchSweep creates n secrets, makes them due, times one Sweep of the
// server (its background scheduler waits a day between sweeps, so this is
// the only one) and reads secrets concurrently meanwhile.
func benchSweep(t *testing.T, ts *servertest.Server, db *sql.DB, n int, param string) {
	ctx := context.Background()
	ids := createSecrets(t, ts, n)
	if _, err := db.ExecContext(ctx, `UPDATE secrets SET next_rotation_date = `+param,
		time.Now().Add(-time.Minute).UnixMicro()); err != nil {
		t.Fatalf("forcing the secrets due: %v", err)
	}
	stop := make(chan struct{})
	lat, errs := readDuringSweep(ts, ids, stop)
	start := time.Now()
	if err := ts.Sweep(ctx); err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	took := time.Since(start)
	close(stop)
	reads := lat()
	var rotated int
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM secrets WHERE versions_total = 2`).Scan(&rotated); err != nil {
		t.Fatal(err)
	}
	if rotated != n {
		t.Errorf("rotated %d of %d secrets in one sweep", rotated, n)
	}
	slices.Sort(reads)
	t.Logf("sweep of %d due username_password secrets: %v, %.0f secrets/s", n, took.Round(time.Millisecond),
		float64(n)/took.Seconds())
	if len(reads) > 0 {
		t.Logf("%d concurrent GetSecret reads during the sweep (%d readers): p50 %v, p99 %v, max %v, errors %d",
			len(reads), benchReaders, pct(reads, 50), pct(reads, 99), reads[len(reads)-1], errs.Load())
	}
	if errs.Load() != 0 {
		t.Errorf("%d reads failed during the sweep", errs.Load())
	}
}

// createSecrets creates n username_password secrets with a daily rotation
// through the API and returns their ids.
func createSecrets(t *testing.T, ts *servertest.Server, n int) []string {
	sm := ts.Client.SecretsManager("")
	ids := make([]string, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr atomic.Value
	start := time.Now()
	for range benchCreators {
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				s, err := sm.CreateSecret(context.Background(), api.SecretPrototype{SecretType: api.SecretTypeUsernamePassword,
					Name: fmt.Sprintf("bench-%06d", i), Username: "app", Rotation: dailyRotation()})
				if err != nil {
					firstErr.CompareAndSwap(nil, err)
					return
				}
				ids[i] = s.ID
			}
		})
	}
	wg.Wait()
	if err, _ := firstErr.Load().(error); err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
	t.Logf("created %d secrets in %v", n, time.Since(start).Round(time.Millisecond))
	return ids
}

// readDuringSweep reads random secrets until stop closes; the returned
// function waits for the readers and returns the latencies.
func readDuringSweep(ts *servertest.Server, ids []string, stop chan struct{}) (func() []time.Duration, *atomic.Int64) {
	sm := ts.Client.SecretsManager("")
	var mu sync.Mutex
	var all []time.Duration
	errs := new(atomic.Int64)
	var wg sync.WaitGroup
	for range benchReaders {
		wg.Go(func() {
			var mine []time.Duration
			for {
				select {
				case <-stop:
					mu.Lock()
					all = append(all, mine...)
					mu.Unlock()
					return
				default:
				}
				t0 := time.Now()
				if _, err := sm.Secret(context.Background(), ids[rand.IntN(len(ids))]); err != nil {
					errs.Add(1)
				}
				mine = append(mine, time.Since(t0))
			}
		})
	}
	return func() []time.Duration { wg.Wait(); return all }, errs
}

func pct(sorted []time.Duration, p int) time.Duration {
	return sorted[(len(sorted)-1)*p/100].Round(10 * time.Microsecond)
}
