package store

import (
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/cofferhq/coffer/api"
)

func TestRebind(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SELECT 1", "SELECT 1"},
		{"a = ? AND b = ?", "a = $1 AND b = $2"},
		{"a = '?' AND b = ? AND c = 'it''s ?' AND d = ?", "a = '?' AND b = $1 AND c = 'it''s ?' AND d = $2"},
	}
	for _, tc := range tests {
		for range 2 { // second time from the cache
			if got := rebind(tc.in); got != tc.want {
				t.Errorf("rebind(%q) = %q, want %q", tc.in, got, tc.want)
			}
		}
	}
}

func TestListOptionsLimit(t *testing.T) {
	for _, tc := range []struct{ in, want int }{{-1, 100}, {0, 100}, {1, 1}, {1000, 1000}, {1001, 1000}} {
		if got := (ListOptions{Limit: tc.in}).limit(); got != tc.want {
			t.Errorf("ListOptions{Limit: %d}.limit() = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestPageToken(t *testing.T) {
	for _, c := range []cursor{{0, ""}, {1700000000123456, "acct-1"}, {-5, "ü/?="}} {
		got, err := decodeToken(encodeToken(c))
		if err != nil || got != c {
			t.Errorf("decodeToken(encodeToken(%v)) = %v, %v", c, got, err)
		}
	}
	for _, tok := range []string{"", "!", "AQ", "AgAAAAAAAAAAAA", "AQAAAAAAAAAA=="} {
		if _, err := decodeToken(tok); !errors.Is(err, api.ErrInvalid) {
			t.Errorf("decodeToken(%q) = %v, want api.ErrInvalid", tok, err)
		}
	}
}

func FuzzDecodeToken(f *testing.F) {
	f.Add(encodeToken(cursor{42, "id"}))
	f.Add("garbage")
	f.Fuzz(func(t *testing.T, tok string) {
		c, err := decodeToken(tok)
		if err != nil {
			if !errors.Is(err, api.ErrInvalid) {
				t.Errorf("decodeToken(%q) = %v, want api.ErrInvalid", tok, err)
			}
			return
		}
		if again, err := decodeToken(encodeToken(c)); err != nil || again != c {
			t.Errorf("re-encoding %v gives %v, %v", c, again, err)
		}
	})
}

func TestClassify(t *testing.T) {
	plain := errors.New("boom")
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"unique", &pgconn.PgError{Code: "23505", Detail: "Key (hash)=(secret)"}, ErrAlreadyExists},
		{"foreign key", &pgconn.PgError{Code: "23503"}, api.ErrFailedPrecondition},
		{"admin shutdown", &pgconn.PgError{Code: "57P01"}, api.ErrUnavailable},
		{"connection class", &pgconn.PgError{Code: "08006"}, api.ErrUnavailable},
		{"network", &net.OpError{Op: "read", Err: errors.New("reset")}, api.ErrUnavailable},
		{"kind kept", fmt.Errorf("x: %w", api.ErrConflict), api.ErrConflict},
		{"other", plain, plain},
	}
	for _, tc := range tests {
		got := classify(tc.err)
		if !errors.Is(got, tc.want) {
			t.Errorf("classify(%s) = %v, want %v", tc.name, got, tc.want)
		}
		var pe *pgconn.PgError
		if tc.want != plain && errors.As(got, &pe) {
			t.Errorf("classify(%s) still wraps the driver error (its detail may hold values)", tc.name)
		}
	}
	if err := wrap(nil, "x"); err != nil {
		t.Errorf("wrap(nil) = %v, want nil", err)
	}
}
