package store

import (
	"errors"
	"strings"
	"testing"

	"github.com/cofferhq/coffer/api"
)

func TestAuditToken(t *testing.T) {
	for _, seq := range []int64{1, 255, 1 << 40} {
		got, err := decodeAuditToken(encodeAuditToken(seq))
		if err != nil || got != seq {
			t.Errorf("decodeAuditToken(encodeAuditToken(%d)) = %d, %v; want %d", seq, got, err, seq)
		}
	}
	for _, tok := range []string{"", "!!", encodeToken(cursor{1, "x"}), "AgAAAAAAAAAB"} {
		if _, err := decodeAuditToken(tok); !errors.Is(err, api.ErrInvalid) {
			t.Errorf("decodeAuditToken(%q) = %v, want %v", tok, err, api.ErrInvalid)
		}
	}
}

func TestAuditInsert(t *testing.T) {
	for _, n := range []int{1, 3, auditInsertChunk} {
		q := auditInsert(n)
		if got := strings.Count(q, "?"); got != n*auditNumCols {
			t.Errorf("auditInsert(%d) has %d placeholders, want %d", n, got, n*auditNumCols)
		}
	}
	if got := len(strings.Split(auditCols, ",")); got != auditNumCols {
		t.Errorf("auditCols has %d columns, auditNumCols says %d", got, auditNumCols)
	}
}
