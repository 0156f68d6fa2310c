package audit_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/audit"
)

// queryFixture writes 10 events that differ in every filtered field.
func queryFixture(tb testing.TB, l *audit.Log) {
	tb.Helper()
	for i := range 10 {
		e := event(i)
		e.AccountID = []string{"acct-1", "acct-2"}[i%2]
		e.Initiator.IAMID = []string{"IBMid-alice", "iam-ServiceId-bob"}[i%3%2]
		e.Action = []string{"secrets-manager.secret.read", "secrets-manager.secret-group.create", "iam-identity.apikey.create"}[i%3]
		e.Target = []string{"crn:a", "crn:b"}[i/5]
		if i%4 == 3 {
			e.Outcome, e.Reason = api.OutcomeDenied, "no policy"
		}
		mustWrite(tb, l, e)
	}
}

func ids(events []audit.Event) []int64 {
	var out []int64
	for _, e := range events {
		out = append(out, e.ID)
	}
	return out
}

func TestQuery(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		l := startLog(t, audit.Config{Store: openStore(t, b.url(t))})
		queryFixture(t, l)
		tests := []struct {
			name string
			f    audit.Filter
			want []int64
		}{
			{"all", audit.Filter{}, []int64{10, 9, 8, 7, 6, 5, 4, 3, 2, 1}},
			{"account", audit.Filter{AccountID: "acct-2"}, []int64{10, 8, 6, 4, 2}},
			{"initiator", audit.Filter{InitiatorIAMID: "iam-ServiceId-bob"}, []int64{8, 5, 2}},
			{"action", audit.Filter{Action: "iam-identity.apikey.create"}, []int64{9, 6, 3}},
			{"action prefix", audit.Filter{Action: "secrets-manager.secret.*"}, []int64{10, 7, 4, 1}},
			{"action prefix, narrower", audit.Filter{Action: "secrets-manager.secret-*"}, []int64{8, 5, 2}},
			{"target", audit.Filter{Target: "crn:b"}, []int64{10, 9, 8, 7, 6}},
			{"outcome", audit.Filter{Outcome: api.OutcomeDenied}, []int64{8, 4}},
			{"time window", audit.Filter{From: epoch.Add(2 * time.Second), To: epoch.Add(5 * time.Second)}, []int64{5, 4, 3}},
			{"no match", audit.Filter{AccountID: "acct-3"}, nil},
		}
		for _, tc := range tests {
			got, next, err := l.Query(context.Background(), tc.f)
			if err != nil || next != "" {
				t.Errorf("%s: Query(%+v) next = %q, %v; want one page", tc.name, tc.f, next, err)
				continue
			}
			if diff := cmp.Diff(tc.want, ids(got)); diff != "" {
				t.Errorf("%s: Query(%+v) ids mismatch (-want +got):\n%s", tc.name, tc.f, diff)
			}
		}
	})
}

func TestQueryPaging(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		l := startLog(t, audit.Config{Store: openStore(t, b.url(t))})
		queryFixture(t, l)
		f := audit.Filter{Action: "secrets-manager.*", Limit: 2}
		var got []int64
		for pages := 1; ; pages++ {
			events, next, err := l.Query(context.Background(), f)
			if err != nil || pages > 10 || len(events) > f.Limit {
				t.Fatalf("Query page %d = %d events, %v", pages, len(events), err)
			}
			got = append(got, ids(events)...)
			if next == "" {
				break
			}
			mustWrite(t, l, event(100+pages)) // a new event never shifts a page
			f.PageToken = next
		}
		if diff := cmp.Diff([]int64{10, 8, 7, 5, 4, 2, 1}, got); diff != "" {
			t.Errorf("paged ids mismatch (-want +got):\n%s", diff)
		}
		_, _, err := l.Query(context.Background(), audit.Filter{PageToken: "garbage"})
		wantKind(t, "Query with a bad page token", err, api.ErrInvalid)
	})
}
