package store

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/cofferhq/coffer/api"
)

// ListOptions selects one page of a list. Lists are ordered by creation time,
// then id, ascending.
type ListOptions struct {
	// PageToken is the next token of the previous page, or "" for the first
	// page. Tokens are opaque; a malformed one is api.ErrInvalid.
	PageToken string
	// Limit is the page size: <= 0 means 100, and more than 1000 means 1000.
	Limit int
}

const (
	defaultLimit = 100
	maxLimit     = 1000
)

func (o ListOptions) limit() int {
	switch {
	case o.Limit <= 0:
		return defaultLimit
	case o.Limit > maxLimit:
		return maxLimit
	}
	return o.Limit
}

// Page token format, version 1: base64url without padding of
//
//	0x01 | created_at (8 bytes, big-endian unix microseconds) | id (the rest, UTF-8)
//
// naming the last row of the previous page. The next page starts strictly
// after (created_at, id). Bump the version byte if the layout changes.
const tokenV1 = 1

// cursor is a decoded page token.
type cursor struct {
	createdAt int64
	id        string
}

func encodeToken(c cursor) string {
	b := make([]byte, 9, 9+len(c.id))
	b[0] = tokenV1
	binary.BigEndian.PutUint64(b[1:], uint64(c.createdAt))
	return base64.RawURLEncoding.EncodeToString(append(b, c.id...))
}

func decodeToken(tok string) (cursor, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || len(b) < 9 || b[0] != tokenV1 {
		return cursor{}, api.Errorf(api.ErrInvalid, "invalid page token")
	}
	return cursor{createdAt: int64(binary.BigEndian.Uint64(b[1:9])), id: string(b[9:])}, nil
}

// page describes a keyset-paged list over one table.
type page struct {
	what  string // for errors: "list accounts"
	cols  string // selected columns, in scan order
	table string
	id    string // the id column that breaks created_at ties
	where string // optional filter using ? placeholders
	args  []any  // its arguments
}

// list returns one page of p. key gives a row's created_at and id, from which
// the next token is made; next is "" on the last page.
func list[T any](ctx context.Context, q *queries, p page, opts ListOptions,
	scan func(scanner) (*T, error), key func(*T) (time.Time, string)) ([]*T, string, error) {
	var conds []string
	args := append([]any(nil), p.args...)
	if p.where != "" {
		conds = append(conds, p.where)
	}
	if opts.PageToken != "" {
		c, err := decodeToken(opts.PageToken)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", p.what, err)
		}
		conds = append(conds, "(created_at, "+p.id+") > (?, ?)")
		args = append(args, c.createdAt, c.id)
	}
	query := "SELECT " + p.cols + " FROM " + p.table
	if len(conds) > 0 {
		query += " WHERE " + strings.Join(conds, " AND ")
	}
	limit := opts.limit()
	query += " ORDER BY created_at, " + p.id + " LIMIT ?"
	items, err := getAll(ctx, q, scan, p.what, query, append(args, limit+1)...)
	if err != nil || len(items) <= limit {
		return items, "", err
	}
	items = items[:limit]
	t, id := key(items[limit-1])
	return items, encodeToken(cursor{micros(t), id}), nil
}
