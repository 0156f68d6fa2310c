package rotation_test

import (
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/server"
	"github.com/cofferhq/coffer/internal/servertest"
	"github.com/cofferhq/coffer/internal/store/storetest"
)

// TestSweepBatchesEndToEnd: one Sweep of the real server, whose scheduler
// rotates several workers at a time, rotates each of 250 due secrets (more
// than two claimed batches) exactly once and ends every claim, on SQLite
// and PostgreSQL.
func TestSweepBatchesEndToEnd(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		ts := servertest.New(t, servertest.WithConfig(func(c *server.Config) { c.RotationInterval = 24 * time.Hour }))
		db, err := sql.Open("sqlite", "file:"+filepath.Join(ts.DataDir, "coffer.db")+"?_pragma=busy_timeout(20000)")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		sweepAndCheck(t, ts, db, "?")
	})
	t.Run("postgres", func(t *testing.T) {
		url := storetest.PostgresSchema(t) // skips without PostgreSQL
		ts := servertest.New(t, servertest.WithConfig(func(c *server.Config) {
			c.Storage, c.Seal, c.MasterKey = url, "master-key", base64.StdEncoding.EncodeToString(make([]byte, 32))
			c.RotationInterval = 24 * time.Hour
		}))
		db, err := sql.Open("pgx", url)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		sweepAndCheck(t, ts, db, "$1")
	})
}

func sweepAndCheck(t *testing.T, ts *servertest.Server, db *sql.DB, param string) {
	t.Helper()
	ctx := context.Background()
	sm := ts.Client.SecretsManager("")
	const n = 250
	for i := range n {
		_, err := sm.CreateSecret(ctx, api.SecretPrototype{SecretType: api.SecretTypeUsernamePassword,
			Name: fmt.Sprintf("db-%03d", i), Username: "app", Rotation: dailyRotation()})
		if err != nil {
			t.Fatalf("CreateSecret %d: %v", i, err)
		}
	}
	if _, err := db.ExecContext(ctx, `UPDATE secrets SET next_rotation_date = `+param,
		time.Now().Add(-time.Minute).UnixMicro()); err != nil {
		t.Fatalf("forcing the secrets due: %v", err)
	}
	if err := ts.Sweep(ctx); err != nil {
		t.Fatalf("Sweep: %v", err)
	}
	var versions, rotatedOnce, claimed int
	err := db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM secret_versions),
		(SELECT count(*) FROM secrets WHERE versions_total = 2),
		(SELECT count(*) FROM secrets WHERE rotation_claim <> '' OR rotation_attempts <> 0
			OR rotation_not_before IS NOT NULL)`).Scan(&versions, &rotatedOnce, &claimed)
	if err != nil {
		t.Fatal(err)
	}
	if versions != 2*n || rotatedOnce != n {
		t.Errorf("after one sweep: %d versions, %d secrets with 2; want %d and %d (each rotated once)", versions,
			rotatedOnce, 2*n, n)
	}
	if claimed != 0 {
		t.Errorf("after one sweep: %d secrets still claimed or counting attempts, want 0", claimed)
	}
}
