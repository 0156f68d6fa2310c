package store

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/cofferhq/coffer/api"
)

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queries holds every query method of the store. Both *Store (autocommit)
// and *Tx embed it, so each method is written once. Reads go to rd and
// writes to wr: on a *Store over SQLite they are the reader and writer pools,
// everywhere else they are the same.
type queries struct {
	rd, wr querier
	pg     bool // rebind ? placeholders to $n

	sc *secretCache // the Store's secret cache; nil on PostgreSQL
	tx *touches     // inside Update: the secrets written, invalidated when it ends
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// exec runs a write statement.
func (q *queries) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if err := checkText(args); err != nil {
		return nil, err
	}
	return q.wr.ExecContext(ctx, q.bind(query), args...)
}

// errText is the answer to text a text column cannot hold, in a write or
// (PostgreSQL) a lookup.
var errText = api.Errorf(api.ErrInvalid, "text with a NUL character or invalid UTF-8 is not accepted")

// checkText refuses, before the database sees them, string arguments that
// PostgreSQL's text columns cannot hold: a NUL byte or invalid UTF-8
// (PostgreSQL would fail the statement, and its transaction, with an
// internal error). SQLite refuses them too, so that the same input gets the
// same answer on either database. Binary values are []byte, never string.
func checkText(args []any) error {
	for _, a := range args {
		s, ok := a.(string)
		if p, isPtr := a.(*string); isPtr && p != nil {
			s, ok = *p, true
		}
		if ok && (strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s)) {
			return errText
		}
	}
	return nil
}

// queryRow runs a read that returns at most one row.
func (q *queries) queryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return q.rd.QueryRowContext(ctx, q.bind(query), args...)
}

// query runs a read that returns rows.
func (q *queries) query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return q.rd.QueryContext(ctx, q.bind(query), args...)
}

func (q *queries) bind(query string) string {
	if !q.pg {
		return query
	}
	return rebind(query)
}

var rebound sync.Map // query text with ? -> with $n

// rebind rewrites the ? placeholders of query to PostgreSQL's $1, $2, ...,
// leaving ? inside single-quoted literals alone. Results are cached: queries
// are constants.
func rebind(query string) string {
	if v, ok := rebound.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	n, quoted := 0, false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			quoted = !quoted
		case c == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	rebound.Store(query, b.String())
	return b.String()
}

// create inserts one row and classifies the error.
func (q *queries) create(ctx context.Context, what, query string, args ...any) error {
	_, err := q.exec(ctx, query, args...)
	return wrap(err, "%s", what)
}

// update runs an optimistic UPDATE (... WHERE key AND revision = ?). When no
// row changed it runs exists (a SELECT 1 on the key, with keyArgs) to tell a
// deleted row (ErrNotFound) from a stale revision (ErrConflict).
func (q *queries) update(ctx context.Context, what, query string, args []any, exists string, keyArgs ...any) error {
	res, err := q.exec(ctx, query, args...)
	if err != nil {
		return wrap(err, "%s", what)
	}
	if n, err := res.RowsAffected(); err != nil {
		return wrap(err, "%s", what)
	} else if n == 1 {
		return nil
	}
	var one int
	err = q.wr.QueryRowContext(ctx, q.bind(exists), keyArgs...).Scan(&one)
	if err != nil {
		return wrap(err, "%s", what) // ErrNotFound when the row is gone
	}
	return fmt.Errorf("%s: %w", what, ErrConflict)
}

// execOne runs a DELETE or UPDATE of one row; no row changed is ErrNotFound.
func (q *queries) execOne(ctx context.Context, what, query string, args ...any) error {
	res, err := q.exec(ctx, query, args...)
	if err != nil {
		return wrap(err, "%s", what)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrap(err, "%s", what)
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return nil
}

// getOne runs a single-row read and scans it with scan.
func getOne[T any](ctx context.Context, q *queries, scan func(scanner) (*T, error), what, query string, args ...any) (*T, error) {
	v, err := scan(q.queryRow(ctx, query, args...))
	if err != nil {
		return nil, wrap(err, "%s", what)
	}
	return v, nil
}

// getAll runs a read and scans every row with scan.
func getAll[T any](ctx context.Context, q *queries, scan func(scanner) (*T, error), what, query string, args ...any) ([]*T, error) {
	rows, err := q.query(ctx, query, args...)
	if err != nil {
		return nil, wrap(err, "%s", what)
	}
	defer rows.Close()
	var out []*T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, wrap(err, "%s", what)
		}
		out = append(out, v)
	}
	return out, wrap(rows.Err(), "%s", what)
}

// required returns api.ErrInvalid naming the first empty value, if any.
// Pairs are name, value.
func required(what string, pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i+1] == "" {
			return api.Errorf(api.ErrInvalid, "%s: %s is required", what, pairs[i])
		}
	}
	return nil
}

// Times are stored as BIGINT unix microseconds, UTC.

// now returns the current time as the store keeps it.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// micros returns t as unix microseconds.
func micros(t time.Time) int64 { return t.UnixMicro() }

// fromMicros returns the UTC time of unix microseconds v.
func fromMicros(v int64) time.Time { return time.UnixMicro(v).UTC() }

// normal returns t as stored: UTC, truncated to the microsecond, or now
// when t is zero.
func normal(t, now time.Time) time.Time {
	if t.IsZero() {
		return now
	}
	return fromMicros(micros(t))
}

// createTimes returns the creation and update times a Create stores: the
// given ones normalized, or one reading of the clock for those that are zero.
func createTimes(created, updated time.Time) (time.Time, time.Time) {
	t := now()
	return normal(created, t), normal(updated, t)
}

// usec scans a BIGINT unix-microseconds column into a time.Time:
// row.Scan((*usec)(&x.CreatedAt)).
type usec time.Time

// Scan implements sql.Scanner.
func (u *usec) Scan(src any) error {
	v, ok := src.(int64)
	if !ok {
		return fmt.Errorf("store: time column holds %T, want int64", src)
	}
	*u = usec(fromMicros(v))
	return nil
}

// boolean scans a BOOLEAN column: PostgreSQL gives bool, SQLite gives 0 or 1.
// row.Scan((*boolean)(&x.Locked)).
type boolean bool

// Scan implements sql.Scanner.
func (b *boolean) Scan(src any) error {
	switch v := src.(type) {
	case bool:
		*b = boolean(v)
	case int64:
		*b = v != 0
	default:
		return fmt.Errorf("store: boolean column holds %T", src)
	}
	return nil
}
