package store

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/pressly/goose/v3"

	"github.com/cofferhq/coffer/api"
)

// SQLite connection parameters (modernc.org/sqlite DSN syntax). The writer
// takes the write lock at BEGIN (_txlock=immediate), so a transaction never
// fails half-way on a lock upgrade; readers are query_only and map up to
// 256 MiB of the database file (reads of pages that changed under them then
// cost no read system call; durability does not depend on it). The writer
// keeps statement journals in memory (temp_store): group commit runs all but
// the first Update of a batch in a savepoint, whose undo pages are needed
// only until the transaction ends.
const (
	sqliteWriterParams = "_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)" +
		"&_pragma=foreign_keys(1)&_pragma=temp_store(memory)&_txlock=immediate"
	sqliteReaderParams = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=query_only(1)" +
		"&_pragma=mmap_size(268435456)"
	sqliteCheckParams = "mode=ro&_pragma=busy_timeout(10000)"
	sqliteHeader      = "SQLite format 3\x00"
)

// openSQLite opens (creating if needed) the database file at path.
func openSQLite(ctx context.Context, path string, log *slog.Logger) (*Store, error) {
	if path == "" || strings.HasPrefix(path, ":memory:") || strings.HasPrefix(path, "file:") {
		return nil, api.Errorf(api.ErrInvalid, "store: sqlite URL needs a file path: sqlite:/path/coffer.db")
	}
	if err := checkSQLiteDir(path); err != nil {
		return nil, err
	}
	if err := checkSQLiteFile(ctx, path); err != nil {
		return nil, err
	}
	if err := createPrivate(path); err != nil {
		return nil, err
	}
	writer, err := openSQLitePool(ctx, path, sqliteWriterParams, 1)
	if err != nil {
		return nil, err
	}
	if err := migrate(ctx, writer, goose.DialectSQLite3, nil, log); err != nil {
		writer.Close()
		return nil, err
	}
	reader, err := openSQLitePool(ctx, path, sqliteReaderParams, 2*runtime.GOMAXPROCS(0))
	if err != nil {
		writer.Close()
		return nil, err
	}
	return newStore("sqlite", writer, reader), nil
}

// openSQLitePool opens a pool of at most n connections and checks it works.
func openSQLitePool(ctx context.Context, path, params string, n int) (*sql.DB, error) {
	db, err := sql.Open("sqlite", sqliteDSN(path, params))
	if err != nil {
		return nil, api.Errorf(api.ErrInvalid, "store: sqlite %s: %v", path, err)
	}
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, api.Errorf(api.ErrFailedPrecondition, "store: open sqlite %s: %v", path, err)
	}
	return db, nil
}

// sqliteDSN returns a "file:" URI for path with the given parameters.
func sqliteDSN(path, params string) string {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return "file:" + esc + "?" + params
}

// checkSQLiteDir makes sure the database's directory exists and is writable:
// SQLite in WAL mode creates files next to the database.
func checkSQLiteDir(path string) error {
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	if err != nil {
		return api.Errorf(api.ErrFailedPrecondition, "store: sqlite directory %s: %v", dir, unwrapPath(err))
	}
	if !fi.IsDir() {
		return api.Errorf(api.ErrFailedPrecondition, "store: sqlite directory %s is not a directory", dir)
	}
	f, err := os.CreateTemp(dir, ".coffer-write-check-*")
	if err != nil {
		return api.Errorf(api.ErrFailedPrecondition, "store: sqlite directory %s is not writable: %v", dir, unwrapPath(err))
	}
	f.Close()
	os.Remove(f.Name())
	return nil
}

// createPrivate creates a new database file readable by its owner only;
// SQLite gives its -wal and -shm files the same mode. An existing file is
// left as it is.
func createPrivate(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return api.Errorf(api.ErrFailedPrecondition, "store: creating sqlite file %s: %v", path, unwrapPath(err))
	}
	return f.Close()
}

// unwrapPath drops the *fs.PathError decoration (the path is already in the
// message).
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// checkSQLiteFile refuses an existing file that is not SQLite, or not a
// Coffer database, without writing to it.
func checkSQLiteFile(ctx context.Context, path string) error {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return api.Errorf(api.ErrFailedPrecondition, "store: sqlite file %s: %v", path, unwrapPath(err))
	}
	head := make([]byte, len(sqliteHeader))
	n, err := io.ReadFull(f, head)
	f.Close()
	if n == 0 && (err == io.EOF || err == nil) {
		return nil // an empty file is an empty database
	}
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
		return api.Errorf(api.ErrFailedPrecondition, "store: read %s: %v", path, unwrapPath(err))
	}
	if !bytes.Equal(head[:n], []byte(sqliteHeader)) {
		return api.Errorf(api.ErrFailedPrecondition, "store: %s is not a SQLite database; refusing to change it", path)
	}
	db, err := sql.Open("sqlite", sqliteDSN(path, sqliteCheckParams))
	if err != nil {
		return api.Errorf(api.ErrFailedPrecondition, "store: open %s: %v", path, err)
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	return checkCoffer(ctx, db, "sqlite file "+path,
		`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite!_%' ESCAPE '!' ORDER BY name`)
}
