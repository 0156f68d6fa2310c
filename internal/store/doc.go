// Package store is Coffer's storage layer: one SQL schema and one
// database/sql implementation over two drivers, SQLite (modernc.org/sqlite,
// the embedded default) and PostgreSQL (jackc/pgx/v5). Only the services
// (identity, resource, secrets, policy, compute, audit) use it.
//
// # Model
//
// Open returns a *Store. Its query methods run in autocommit mode; Update
// runs a function in one read-write transaction and hands it a *Tx with the
// same methods. Both embed the unexported type queries, which holds the
// query methods, so each is written once. Secret payloads reach the store
// only as ciphertext; data keys only wrapped.
//
// On SQLite the store keeps two pools on one file in WAL mode with
// synchronous=FULL and foreign keys on: a writer with a single connection
// (transactions BEGIN IMMEDIATE, so writers queue in the pool rather than fail
// with SQLITE_BUSY) and a query_only reader pool for reads outside
// transactions. Inside Update use only the *Tx: the writer connection is
// taken. On PostgreSQL one pool serves both and transactions are READ
// COMMITTED.
//
// # Schema and migrations
//
// Migrations are the embedded files migrations/NNNN_name.sql, applied by
// goose in Open (under an advisory lock on PostgreSQL, so nodes may start
// together). The same text runs on both databases, so it uses only TEXT,
// BIGINT, BOOLEAN and BYTEA (on SQLite BYTEA has NUMERIC affinity, which
// keeps blobs as they are), no AUTOINCREMENT or SERIAL, and standard
// ON CONFLICT upserts. Open refuses, without writing anything, a file that is
// not SQLite, a database holding tables but no goose version table, and a
// schema newer than the binary.
//
// # Invariants
//
//   - Times are BIGINT unix microseconds UTC and come back as UTC time.Time
//     truncated to the microsecond; Create methods normalize the caller's
//     value the same way, so what was written compares equal to what is read.
//   - The revision rule: every mutable row has a revision. Create sets it to
//     1 (and CreatedAt, UpdatedAt to now when zero). UpdateX writes only when
//     the stored revision equals x.Revision, with
//     "UPDATE ... SET ..., revision = revision + 1 WHERE id = ? AND revision = ?";
//     on success x.Revision is incremented and x.UpdatedAt set. No row
//     changed is ErrNotFound when the row is gone and ErrConflict otherwise:
//     a stale update is refused, never silently lost.
//   - Lists are ordered by (created_at, id) ascending and paged by keyset:
//     ListOptions.PageToken is the opaque, versioned token of the last row
//     of the previous page (see encodeToken), "" when there is no more.
//   - Children (users, API keys, instances) reference their account with
//     ON DELETE CASCADE. Data keys reference nothing.
//
// # Errors
//
// Driver errors are classified in one place (classify): no row is
// ErrNotFound, a unique or primary key violation ErrAlreadyExists, a stale
// revision ErrConflict, a foreign key violation api.ErrFailedPrecondition, a
// lost connection or locked database api.ErrUnavailable, and a malformed
// page token api.ErrInvalid. Each store error wraps the api kind of the same
// name and says what it was about: "account a-1: not found". Anything else is
// an internal error whose chain holds the driver error.
//
// # Adding a table
//
//  1. Add migrations/NNNN_name.sql with the next free number ("-- +goose Up"
//     and "-- +goose Down" sections), using only the portable types above;
//     give mutable rows created_at, updated_at and revision BIGINT columns
//     and an index on the list order (filter columns, created_at, id).
//  2. In a new file named after the entity, declare the struct, a column
//     list constant and a scanX(scanner) function that scans times with
//     (*usec)(&x.CreatedAt) and booleans with (*boolean)(&x.Flag).
//  3. Write methods on *queries, with ? placeholders (rebind turns them into
//     $n on PostgreSQL): CreateX via q.create and createTimes, X via
//     getOne, ListX via list with a page description, UpdateX via q.update
//     (which applies the revision rule), DeleteX via q.execOne. Each is a
//     few lines and classifies errors through wrap.
//  4. Add the entity to the conformance suite in storetest, which runs on
//     SQLite and PostgreSQL.
package store
