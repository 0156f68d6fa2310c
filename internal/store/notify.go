package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/cofferhq/coffer/api"
)

// Notifications between the nodes that share a database.
//
// On PostgreSQL, Notify is NOTIFY (pg_notify) and Listen holds a dedicated
// connection (not one of the pool's: it is opened with the pool's
// configuration) that LISTENs on the channel, reconnecting with backoff when
// it is lost. Channels are database-wide: nodes on other schemas of the same
// database hear them too, which costs them only a spurious notification.
// Payloads are at most 7999 bytes (PostgreSQL's limit).
//
// On SQLite there is only ever one node (the database is a local file with
// one writer), so Notify does nothing and Listen returns at once: in-process
// subscribers must be told by the caller itself.

// Listen backoff bounds.
const (
	listenMinBackoff = 100 * time.Millisecond
	listenMaxBackoff = 10 * time.Second
)

// Notify sends payload to the listeners of channel on every node (NOTIFY on
// PostgreSQL; nothing on SQLite). The notification is delivered when the
// statement commits, which is at once outside a transaction. Errors are
// classified like any store error (a lost connection wraps
// api.ErrUnavailable).
func (s *Store) Notify(ctx context.Context, channel, payload string) error {
	if s.dialect != "postgres" {
		return nil
	}
	_, err := s.writer.ExecContext(ctx, `SELECT pg_notify($1, $2)`, channel, payload)
	return wrap(err, "notify %s", channel)
}

// Listen calls fn with the payload of every notification on channel until
// ctx ends, then returns ctx's error. On PostgreSQL it listens on a
// dedicated connection and reconnects (with backoff from 100 ms to 10 s)
// whenever the connection is lost; notifications sent while it was
// disconnected are lost, so after every reconnection it calls fn once with
// "" for the caller to resynchronize. fn runs on Listen's goroutine and
// should return quickly. On SQLite it returns nil at once (one node, nothing
// to hear). Errors: only ctx's, once ctx ends.
func (s *Store) Listen(ctx context.Context, channel string, fn func(payload string)) error {
	if s.dialect != "postgres" {
		return nil
	}
	backoff, connected := listenMinBackoff, false
	for {
		err := s.listenOnce(ctx, channel, fn, func() {
			if connected {
				fn("") // we may have missed notifications while disconnected
			}
			connected, backoff = true, listenMinBackoff
		})
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s.log.Warn("store: listening for notifications failed; reconnecting", "channel", channel,
			"error", err.Error(), "backoff", backoff.String())
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, listenMaxBackoff)
	}
}

// listenOnce opens a connection, LISTENs on channel, calls ready, then
// delivers notifications until the connection fails or ctx ends.
func (s *Store) listenOnce(ctx context.Context, channel string, fn func(string), ready func()) error {
	cfg, err := s.connConfig(ctx)
	if err != nil {
		return err
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{channel}.Sanitize()); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	ready()
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return err
		}
		if n != nil {
			fn(n.Payload)
		}
	}
}

// connConfig returns a copy of the configuration of the pool's connections,
// so that the listening connection reaches the same server as the same user
// with the same settings (search_path included) without keeping the URL.
func (s *Store) connConfig(ctx context.Context) (*pgx.ConnConfig, error) {
	c, err := s.writer.Conn(ctx)
	if err != nil {
		return nil, wrap(err, "store: a connection for its configuration")
	}
	defer c.Close()
	var cfg *pgx.ConnConfig
	err = c.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return errors.New("not a pgx connection")
		}
		cfg = sc.Conn().Config().Copy()
		cfg.OnNotification = nil // the pool connection's handler; pgx installs its own buffer
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("store: connection configuration: %v: %w", err, api.ErrUnavailable)
	}
	return cfg, nil
}
