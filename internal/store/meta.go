package store

import "context"

// Meta returns the value stored under key in the store's key-value table of
// small server-wide settings (such as the root key's check value), or
// ErrNotFound.
func (q *queries) Meta(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	err := q.queryRow(ctx, `SELECT value FROM meta WHERE name = ?`, key).Scan(&v)
	if err != nil {
		return nil, wrap(err, "meta %q", key)
	}
	return v, nil
}

// PutMeta stores value under key, replacing any previous value.
func (q *queries) PutMeta(ctx context.Context, key string, value []byte) error {
	if value == nil {
		value = []byte{}
	}
	_, err := q.exec(ctx, `INSERT INTO meta (name, value) VALUES (?, ?)
		ON CONFLICT (name) DO UPDATE SET value = excluded.value`, key, value)
	return wrap(err, "put meta %q", key)
}

// LockMeta returns the value stored under key like Meta, and inside a
// transaction on PostgreSQL also locks the row until the transaction ends
// (SELECT ... FOR UPDATE), so two transactions that both lock it run one
// after the other. On SQLite every write transaction already runs alone.
func (q *queries) LockMeta(ctx context.Context, key string) ([]byte, error) {
	query := `SELECT value FROM meta WHERE name = ?`
	if q.pg {
		query += ` FOR UPDATE`
	}
	var v []byte
	if err := q.wr.QueryRowContext(ctx, q.bind(query), key).Scan(&v); err != nil {
		return nil, wrap(err, "meta %q", key)
	}
	return v, nil
}
