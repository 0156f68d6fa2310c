package audit_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/audit"
)

func mustExec(tb testing.TB, db *sql.DB, query string) {
	tb.Helper()
	if _, err := db.ExecContext(context.Background(), query); err != nil {
		tb.Fatalf("%s: %v", query, err)
	}
}

// TestVerifyDetectsTampering writes 5 events, changes the database behind the
// store's back, and expects Verify to name the first broken event.
func TestVerifyDetectsTampering(t *testing.T) {
	tests := []struct {
		name    string
		tamper  []string
		broken  int64
		checked int64
	}{
		{"action edited", []string{`UPDATE audit_events SET action = 'secrets-manager.secret.delete' WHERE seq = 3`}, 3, 2},
		{"time edited", []string{`UPDATE audit_events SET time = time + 1 WHERE seq = 2`}, 2, 1},
		{"details edited", []string{`UPDATE audit_events SET details = '{"n":"9","secret_id":"s-1"}' WHERE seq = 4`}, 4, 3},
		{"outcome edited", []string{`UPDATE audit_events SET outcome = 'success', reason = '' WHERE seq = 1`}, 1, 0},
		{"row deleted", []string{`DELETE FROM audit_events WHERE seq = 3`}, 3, 2},
		{"first row deleted", []string{`DELETE FROM audit_events WHERE seq = 1`}, 1, 0},
		{"newest row deleted", []string{`DELETE FROM audit_events WHERE seq = 5`}, 5, 4},
		{"newest rows deleted, head moved back", []string{`DELETE FROM audit_events WHERE seq = 5`,
			`UPDATE audit_head SET seq = 4`}, 4, 4},
		{"hash swapped", []string{`UPDATE audit_events SET hash = (SELECT hash FROM audit_events WHERE seq = 4) WHERE seq = 2`}, 2, 1},
		{"rows reordered", []string{`UPDATE audit_events SET seq = 0 - 2 WHERE seq = 2`,
			`UPDATE audit_events SET seq = 2 WHERE seq = 3`, `UPDATE audit_events SET seq = 3 WHERE seq = 0 - 2`}, 2, 1},
		{"row replaced by a copy", []string{`DELETE FROM audit_events WHERE seq = 3`,
			`INSERT INTO audit_events SELECT 3, time, account_id, request_id, initiator_iam_id, initiator_kind, api_key_id,
			profile_id, source_addr, user_agent, action, target, outcome, reason, details, prev_hash, hash
			FROM audit_events WHERE seq = 2`}, 3, 2},
	}
	forEachBackend(t, func(t *testing.T, b backend) {
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				url := b.url(t)
				l := startLog(t, audit.Config{Store: openStore(t, url)})
				for i := range 5 {
					e := event(i)
					if i == 0 {
						e.Outcome, e.Reason = api.OutcomeDenied, "no policy grants the action"
					}
					mustWrite(t, l, e)
				}
				wantVerified(t, l, 5)
				raw := b.raw(t, url)
				for _, q := range tc.tamper {
					mustExec(t, raw, q)
				}
				rep, err := l.Verify(context.Background(), 0, 0)
				if err != nil || rep.FirstBroken == nil || *rep.FirstBroken != tc.broken || rep.Checked != tc.checked {
					t.Errorf("Verify(0, 0) after tampering = %+v (first broken %v), %v; want first broken %d after %d checked",
						rep, deref(rep.FirstBroken), err, tc.broken, tc.checked)
				}
				if rep.Reason == "" {
					t.Errorf("Verify(0, 0) after tampering gives no reason")
				}
				t.Logf("reason: %s", rep.Reason)
			})
		}
	})
}

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestVerifyRange checks partial verification and its arguments.
func TestVerifyRange(t *testing.T) {
	url := sqliteURL(t)
	l := startLog(t, audit.Config{Store: openStore(t, url)})
	for i := range 6 {
		mustWrite(t, l, event(i))
	}
	mustExec(t, openRaw(t, "sqlite", "file:"+url[len("sqlite:"):]), `UPDATE audit_events SET action = 'x' WHERE seq = 6`)
	tests := []struct {
		from, to int64
		checked  int64
		broken   any
	}{
		{2, 4, 3, nil},
		{1, 5, 5, nil},
		{4, 4, 1, nil},
		{5, 0, 1, int64(6)},
		{3, 100, 3, int64(6)},
		{7, 0, 0, nil}, // past the end: nothing to check
	}
	for _, tc := range tests {
		rep, err := l.Verify(context.Background(), tc.from, tc.to)
		if err != nil || rep.Checked != tc.checked || deref(rep.FirstBroken) != tc.broken {
			t.Errorf("Verify(%d, %d) = %+v (first broken %v), %v; want %d checked, first broken %v",
				tc.from, tc.to, rep, deref(rep.FirstBroken), err, tc.checked, tc.broken)
		}
	}
	_, err := l.Verify(context.Background(), 4, 2)
	wantKind(t, "Verify(4, 2)", err, api.ErrInvalid)
}

// TestVerifyEmpty checks that an empty log verifies.
func TestVerifyEmpty(t *testing.T) {
	l := startLog(t, audit.Config{Store: openStore(t, sqliteURL(t))})
	wantVerified(t, l, 0)
}
