package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/cofferhq/coffer/api"
)

// Errors returned by the store. Each wraps the api kind of the same name, so
// both errors.Is(err, store.ErrNotFound) and errors.Is(err, api.ErrNotFound)
// hold. Methods add what was concerned: "account a-1: not found".
var (
	// ErrNotFound means the row does not exist.
	ErrNotFound error = &kindError{"not found", api.ErrNotFound}
	// ErrAlreadyExists means a primary key or unique constraint refused the row.
	ErrAlreadyExists error = &kindError{"already exists", api.ErrAlreadyExists}
	// ErrConflict means an update carried a stale revision: someone else
	// changed the row first. Read it again and retry, or give up.
	ErrConflict error = &kindError{"revision conflict", api.ErrConflict}
)

// errForeignKey is returned when a row refers to a parent that does not exist.
var errForeignKey error = &kindError{"referenced row does not exist", api.ErrFailedPrecondition}

// kindError is a store error with its own message that unwraps to an api kind.
type kindError struct {
	msg  string
	kind *api.Kind
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.kind }

// wrap classifies a driver error (see classify) and prefixes it with what the
// operation was about, such as "account a-1". It returns nil for nil.
func wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), classify(err))
}

// classify turns a driver error into a store error: no rows become
// ErrNotFound, unique and primary key violations ErrAlreadyExists, foreign key
// violations api.ErrFailedPrecondition, and lost connections or a locked
// database api.ErrUnavailable. Classified errors do not wrap the driver error
// (a PostgreSQL error's detail can quote row values); anything else is
// returned unchanged, so the full chain reaches the log as an internal error.
func classify(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	var k *api.Kind
	if errors.As(err, &k) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		return classifySQLite(se, err)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return classifyPostgres(pe, err)
	}
	if isConnError(err) {
		return fmt.Errorf("database unreachable: %v: %w", err, api.ErrUnavailable)
	}
	return err
}

func classifySQLite(se *sqlite.Error, err error) error {
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return ErrAlreadyExists
	case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
		return errForeignKey
	}
	switch se.Code() & 0xff { // primary result code
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return fmt.Errorf("database is locked: %w", api.ErrUnavailable)
	case sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT:
		return fmt.Errorf("%v: %w", se, api.ErrFailedPrecondition)
	}
	return err
}

func classifyPostgres(pe *pgconn.PgError, err error) error {
	switch pe.Code {
	case "23505": // unique_violation
		return ErrAlreadyExists
	case "23503": // foreign_key_violation
		return errForeignKey
	case "22021", "22P05": // character_not_in_repertoire (invalid UTF-8, NUL), untranslatable_character
		return errText
	case "57P01", "57P02", "57P03", "53300": // shutdown, cannot connect now, too many connections
		return fmt.Errorf("database unavailable (SQLSTATE %s): %w", pe.Code, api.ErrUnavailable)
	}
	if len(pe.Code) == 5 && pe.Code[:2] == "08" { // connection exception class
		return fmt.Errorf("database connection failed (SQLSTATE %s): %w", pe.Code, api.ErrUnavailable)
	}
	return err
}

// isConnError reports whether err means the database could not be reached
// or the connection broke.
func isConnError(err error) bool {
	var ne net.Error
	var ce *pgconn.ConnectError
	return errors.Is(err, driver.ErrBadConn) || errors.Is(err, sql.ErrConnDone) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.As(err, &ne) || errors.As(err, &ce)
}

// RetryConflict runs update, which reads an object, changes it and writes
// it under the revision rule, and, while it fails with ErrConflict (another
// write committed between its read and its write), waits a moment (a few
// milliseconds at most, random, so that contenders spread out), runs
// reread and update again, at most attempts times in all. It returns
// update's last error. Use it for changes that name no revision (a PATCH
// without If-Match, or If-Match "*"): those must apply to whatever version
// is current.
func RetryConflict(attempts int, update, reread func() error) error {
	for attempt := 1; ; attempt++ {
		err := update()
		if err == nil || !errors.Is(err, ErrConflict) || attempt >= attempts {
			return err
		}
		time.Sleep(rand.N(time.Duration(min(attempt, 10)) * time.Millisecond))
		if err := reread(); err != nil {
			return err
		}
	}
}

// RetryAnyVersion is RetryConflict for an update sent with the If-Match
// header ifMatch: "*" asks for the change whatever the version, so it is
// retried like a change that names no revision; with an entity tag, the
// conflict is the answer (one attempt).
func RetryAnyVersion(ifMatch string, update, reread func() error) error {
	attempts := 1
	if api.IfMatchAny(ifMatch) {
		attempts = ConflictAttempts
	}
	return RetryConflict(attempts, update, reread)
}

// ConflictAttempts is how many times RetryConflict should try a change
// that names no revision: enough for dozens of concurrent writers of one
// object.
const ConflictAttempts = 50
