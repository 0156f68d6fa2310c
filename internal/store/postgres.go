package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net"
	"net/url"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/cofferhq/coffer/api"
)

// openPostgres opens the PostgreSQL database named by raw. Without a
// connect_timeout parameter, connecting gives up after 10 seconds.
func openPostgres(ctx context.Context, raw string, log *slog.Logger) (*Store, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, api.Errorf(api.ErrInvalid, "store: malformed postgres URL")
	}
	if q := u.Query(); q.Get("connect_timeout") == "" {
		q.Set("connect_timeout", "10")
		u.RawQuery = q.Encode()
	}
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		return nil, api.Errorf(api.ErrInvalid, "store: postgres URL: %s", redact(err.Error(), u))
	}
	n := max(8, 4*runtime.GOMAXPROCS(0))
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, connectError(u, err)
	}
	s, err := initPostgres(ctx, db, u, log)
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// initPostgres checks the database is Coffer's and applies migrations under
// an advisory lock (retried every second for up to five minutes).
func initPostgres(ctx context.Context, db *sql.DB, u *url.URL, log *slog.Logger) (*Store, error) {
	what := "postgres database " + u.Host + u.Path
	err := checkCoffer(ctx, db, what,
		`SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`)
	if err != nil {
		return nil, err
	}
	var schema sql.NullString
	if err := db.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return nil, fmt.Errorf("store: %s: %w", what, classify(err))
	}
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(migrationLockID(schema.String)), lock.WithLockTimeout(1, 300))
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, db, goose.DialectPostgres, locker, log); err != nil {
		return nil, err
	}
	return newStore("postgres", db, db), nil
}

// connectError explains a failed first connection in one line, naming
// host:port and never the password. A server that answered (bad password,
// missing database) is api.ErrFailedPrecondition; one that could not be
// reached is api.ErrUnavailable. The driver error is not wrapped: it carries
// the connection configuration.
func connectError(u *url.URL, err error) error {
	host := u.Host
	if host == "" {
		host = "(default host)"
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return api.Errorf(api.ErrFailedPrecondition, "store: postgres at %s refused the connection: %s (SQLSTATE %s)",
			host, redact(pe.Message, u), pe.Code)
	}
	msg := err.Error()
	var oe *net.OpError
	if errors.As(err, &oe) {
		msg = oe.Error()
	}
	return api.Errorf(api.ErrUnavailable, "store: postgres at %s is unreachable: %s", host, redact(msg, u))
}

// redact removes u's password from s and makes s one line.
func redact(s string, u *url.URL) string {
	if p, ok := u.User.Password(); ok && p != "" {
		s = strings.ReplaceAll(s, p, "xxxxx")
	}
	return strings.Join(strings.Fields(s), " ")
}

// migrationLockID returns the PostgreSQL advisory lock that serializes the
// migrations of nodes starting together on one schema: a hash of
// "coffer-migrations:" and the schema name, so that other schemas (and other
// goose users) of the same database do not wait on it.
func migrationLockID(schema string) int64 {
	h := fnv.New64a()
	h.Write([]byte("coffer-migrations:" + schema))
	return int64(h.Sum64())
}
