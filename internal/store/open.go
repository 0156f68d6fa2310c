package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/cofferhq/coffer/api"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
	_ "modernc.org/sqlite"             // driver "sqlite"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Open opens the database, checks it is reachable and is a Coffer database (or empty), applies
// migrations and returns the Store. Errors: an unreachable server wraps api.ErrUnavailable with
// a clear one-line message (host:port, no password); a file that is not SQLite or a database with
// foreign tables/newer migration version gives a clear error wrapping api.ErrFailedPrecondition
// and changes NOTHING in it. A sqlite path whose directory is missing or not writable wraps
// api.ErrFailedPrecondition too; a malformed URL wraps api.ErrInvalid.
//
// A database is a Coffer database when it holds goose's version table; an
// empty one (no tables at all) is initialized. On PostgreSQL the schema is the
// connection's current schema (the first of search_path), and migrations run
// under an advisory lock so that several nodes can open one database at once.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	var (
		s   *Store
		err error
	)
	switch u := cfg.URL; {
	case u == "":
		return nil, api.Errorf(api.ErrInvalid, "store: Config.URL is required")
	case strings.HasPrefix(u, "sqlite:"):
		s, err = openSQLite(ctx, strings.TrimPrefix(u, "sqlite:"), log)
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		s, err = openPostgres(ctx, u, log)
	default:
		return nil, api.Errorf(api.ErrInvalid, "store: unsupported URL %q: want sqlite:PATH or postgres://...", scheme(u))
	}
	if err != nil {
		return nil, err
	}
	s.log = log
	return s, nil
}

// scheme returns the part of u before ':' so that errors never echo a password.
func scheme(u string) string {
	if i := strings.IndexByte(u, ':'); i >= 0 {
		return u[:i+1] + "..."
	}
	return "..."
}

// newStore returns a Store over a writer pool and a reader pool (the same
// pool on PostgreSQL).
//
// On SQLite, queries run through a statement cache per pool, and Updates
// are grouped by a committer (see stmt.go and batch.go).
func newStore(dialect string, writer, reader *sql.DB) *Store {
	s := &Store{
		queries: queries{rd: reader, wr: writer, pg: dialect == "postgres"},
		writer:  writer,
		reader:  reader,
		dialect: dialect,
	}
	if dialect == "sqlite" {
		s.rdStmts, s.wrStmts = newStmtCache(reader), newStmtCache(writer)
		s.queries.rd, s.queries.wr = dbQuerier{reader, s.rdStmts}, dbQuerier{writer, s.wrStmts}
		s.batch = newBatcher(writer)
		s.queries.sc = newSecretCache(DefaultSecretCacheBytes)
	}
	return s
}

// checkCoffer refuses a database that is not empty and not Coffer's: tables
// (listed by tablesQuery) but no goose version table, or a migration version
// newer than this binary knows. It reads only.
func checkCoffer(ctx context.Context, db *sql.DB, what, tablesQuery string) error {
	rows, err := db.QueryContext(ctx, tablesQuery)
	if err != nil {
		return fmt.Errorf("store: inspect %s: %w", what, classify(err))
	}
	defer rows.Close()
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return fmt.Errorf("store: inspect %s: %w", what, classify(err))
		}
		tables = append(tables, name)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("store: inspect %s: %w", what, classify(err))
	}
	if len(tables) == 0 {
		return nil
	}
	if !contains(tables, goose.DefaultTablename) {
		return api.Errorf(api.ErrFailedPrecondition,
			"store: %s is not a Coffer database (it has tables such as %q but no %s); refusing to change it",
			what, tables[0], goose.DefaultTablename)
	}
	var version int64
	q := "SELECT COALESCE(MAX(version_id), 0) FROM " + goose.DefaultTablename
	if err := db.QueryRowContext(ctx, q).Scan(&version); err != nil {
		return fmt.Errorf("store: read schema version of %s: %w", what, classify(err))
	}
	if latest := latestMigration(); version > latest {
		return api.Errorf(api.ErrFailedPrecondition,
			"store: %s has schema version %d, newer than this binary's %d; upgrade Coffer", what, version, latest)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func migrationFS() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the embedded directory always exists
	}
	return sub
}

// latestMigration returns the highest version among the embedded migrations.
func latestMigration() int64 {
	names, _ := fs.Glob(migrationFS(), "*.sql")
	var latest int64
	for _, n := range names {
		var v int64
		if _, err := fmt.Sscanf(n, "%d_", &v); err == nil && v > latest {
			latest = v
		}
	}
	return latest
}

// migrate applies the embedded migrations with goose; locker may be nil.
func migrate(ctx context.Context, db *sql.DB, dialect goose.Dialect, locker lock.SessionLocker, log *slog.Logger) error {
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true), goose.WithSlog(log)}
	if locker != nil {
		opts = append(opts, goose.WithSessionLocker(locker))
	}
	p, err := goose.NewProvider(dialect, db, migrationFS(), opts...)
	if err != nil {
		return fmt.Errorf("store: migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		var pe *goose.PartialError
		if errors.As(err, &pe) && pe.Failed != nil {
			return fmt.Errorf("store: migration %s: %w", pe.Failed.Source.Path, classify(pe.Err))
		}
		return fmt.Errorf("store: migrate: %w", classify(err))
	}
	for _, r := range results {
		log.Info("store: applied migration", "version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
	}
	return nil
}
