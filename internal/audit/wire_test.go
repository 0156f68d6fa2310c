package audit_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/internal/audit"
)

// TestWireJSON pins the wire shape of an event and of a verify report.
func TestWireJSON(t *testing.T) {
	e := event(1)
	e.ID, e.Hash = 7, []byte{0xab, 0x01}
	e.Time = time.Date(2026, 3, 1, 12, 0, 1, 123456789, time.UTC)
	e.Details = map[string]string{"secret_id": "s-1"}
	b, err := json.Marshal(e.Wire())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"id":7,"time":"2026-03-01T12:00:01.123Z","request_id":"req-1","initiator":{"iam_id":"iam-ServiceId-1",` +
		`"kind":"serviceid","api_key_id":"ApiKey-1","source_address":"192.0.2.7","user_agent":"coffer-test"},` +
		`"action":"secrets-manager.secret.read","target":"crn:v1:coffer:public:secrets-manager:local:a/acct-1:inst-1:secret:s-1",` +
		`"account_id":"acct-1","outcome":"success","details":{"secret_id":"s-1"},"hash":"ab01"}`
	if diff := cmp.Diff(want, string(b)); diff != "" {
		t.Errorf("event JSON mismatch (-want +got):\n%s", diff)
	}
	broken := int64(3)
	tests := []struct {
		rep  audit.VerifyReport
		want string
	}{
		{audit.VerifyReport{Checked: 5}, `{"checked":5,"ok":true}`},
		{audit.VerifyReport{Checked: 2, FirstBroken: &broken, Reason: "r"}, `{"checked":2,"ok":false,"first_broken":3,"reason":"r"}`},
	}
	for _, tc := range tests {
		b, _ := json.Marshal(tc.rep.Wire())
		if string(b) != tc.want {
			t.Errorf("report JSON = %s, want %s", b, tc.want)
		}
	}
	if b, _ := json.Marshal(audit.WireList(nil, "")); string(b) != `{"events":[]}` {
		t.Errorf("empty list JSON = %s, want {\"events\":[]}", b)
	}
}

// TestClient checks the client's requests against a fake server.
func TestClient(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/coffer/v1/audit/events":
			json.NewEncoder(w).Encode(audit.WireList([]audit.Event{{ID: 9, Action: "a"}}, "tok"))
		case "/coffer/v1/audit/verify":
			json.NewEncoder(w).Encode(audit.VerifyReport{Checked: 9}.Wire())
		}
	}))
	defer srv.Close()
	c := client.New(client.Config{URL: srv.URL, Token: "t"})
	ctx := context.Background()
	list, err := c.AuditEvents(ctx, client.AuditQuery{From: epoch, To: epoch.Add(time.Hour), Initiator: "IBMid-1",
		Action: "secrets-manager.*", Target: "crn:x", Outcome: "denied", Start: "tok0", Limit: 5})
	if err != nil || len(list.Events) != 1 || list.Events[0].ID != 9 || list.Next != "tok" {
		t.Errorf("AuditEvents = %+v, %v; want event 9 and next tok", list, err)
	}
	if _, err := c.AuditEvents(ctx, client.AuditQuery{}); err != nil {
		t.Errorf("AuditEvents(no filter) = %v", err)
	}
	rep, err := c.VerifyAudit(ctx)
	if err != nil || !rep.OK || rep.Checked != 9 {
		t.Errorf("VerifyAudit = %+v, %v; want ok, 9 checked", rep, err)
	}
	want := []string{
		"GET /coffer/v1/audit/events?action=secrets-manager.%2A&from=2026-03-01T12%3A00%3A00Z&initiator=IBMid-1" +
			"&limit=5&outcome=denied&start=tok0&target=crn%3Ax&to=2026-03-01T13%3A00%3A00Z",
		"GET /coffer/v1/audit/events?",
		"POST /coffer/v1/audit/verify?",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("requests mismatch (-want +got):\n%s", diff)
	}
	var _ api.AuditEventList = *list
}
