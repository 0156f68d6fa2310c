package authz_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/internal/server"
	"github.com/cofferhq/coffer/internal/servertest"
	"github.com/cofferhq/coffer/internal/store/storetest"

	_ "modernc.org/sqlite" // raw access for tampering
)

// account is an account of a test server, seen through its administrator.
type account struct {
	id    string
	admin *client.Client
	iamID string
}

func bootstrapAccount(s *servertest.Server) account {
	b := s.Bootstrap()
	return account{id: b.AccountID, admin: s.Client, iamID: b.AdminIAMID}
}

// newAccount creates another account through the API.
func newAccount(t *testing.T, s *servertest.Server, name string) account {
	t.Helper()
	res, err := s.Client.CreateAccount(context.Background(), api.CreateAccountRequest{Name: name})
	if err != nil {
		t.Fatalf("CreateAccount(%s): %v", name, err)
	}
	c := client.New(client.Config{URL: s.URL, APIKey: res.APIKey.APIKey.Sensitive()})
	return account{id: res.Account.ID, admin: c, iamID: res.Admin.IAMID}
}

// newServiceID creates a service ID in acct and returns it with a client
// authenticated with an API key of its own; it has no policies.
func newServiceID(t *testing.T, s *servertest.Server, acct account, name string) (*api.ServiceID, *client.Client) {
	t.Helper()
	ctx := context.Background()
	sid, err := acct.admin.CreateServiceID(ctx, api.CreateServiceIDRequest{AccountID: acct.id, Name: name}, client.CreateOptions{})
	if err != nil {
		t.Fatalf("CreateServiceID: %v", err)
	}
	k, err := acct.admin.CreateAPIKey(ctx, api.CreateAPIKeyRequest{Name: name, IAMID: sid.IAMID, AccountID: acct.id}, client.CreateOptions{})
	if err != nil {
		t.Fatalf("CreateAPIKey: %v", err)
	}
	return sid, client.New(client.Config{URL: s.URL, APIKey: k.APIKey.Sensitive()})
}

// TestE2ETenancy: account B's administrator can neither see, list, read
// nor change anything of account A, and has full access to its own.
func TestE2ETenancy(t *testing.T) {
	s := servertest.New(t)
	ctx := context.Background()
	a := bootstrapAccount(s)
	b := newAccount(t, s, "tenant-b")
	sidA, _ := newServiceID(t, s, a, "app-a")

	if _, err := b.admin.ListServiceIDs(ctx, client.ListServiceIDsOptions{AccountID: b.id}); err != nil {
		t.Errorf("B lists its own service IDs: %v, want nil (admin policies at account creation)", err)
	}
	tests := []struct {
		name string
		call func() error
		want *api.Kind
	}{
		{"list A's service IDs", func() error {
			_, err := b.admin.ListServiceIDs(ctx, client.ListServiceIDsOptions{AccountID: a.id})
			return err
		}, api.ErrPermissionDenied},
		{"read A's service ID", func() error { _, err := b.admin.ServiceID(ctx, sidA.ID); return err }, api.ErrNotFound},
		{"create in A", func() error {
			_, err := b.admin.CreateServiceID(ctx, api.CreateServiceIDRequest{AccountID: a.id, Name: "x"}, client.CreateOptions{})
			return err
		}, api.ErrPermissionDenied},
		{"list A's users", func() error {
			_, err := b.admin.ListUsers(ctx, client.ListOptions{AccountID: a.id})
			return err
		}, api.ErrPermissionDenied},
		{"create an account", func() error {
			_, err := b.admin.CreateAccount(ctx, api.CreateAccountRequest{Name: "c"})
			return err
		}, api.ErrPermissionDenied},
		{"verify the chain", func() error { _, err := b.admin.VerifyAudit(ctx); return err }, api.ErrPermissionDenied},
	}
	for _, tc := range tests {
		if err := tc.call(); !errors.Is(err, tc.want) {
			t.Errorf("B: %s = %v, want %s", tc.name, err, tc.want.Code)
		}
	}
	l, err := b.admin.AuditEvents(ctx, client.AuditQuery{Initiator: a.iamID})
	if err != nil || len(l.Events) != 0 {
		t.Errorf("B: AuditEvents(initiator A's admin) = %d events, %v; want none of A's", len(l.Events), err)
	}
}

// TestE2EAuditTrail: decisions are audited (allowed, denied, anonymous),
// the API filters them, verify passes, and catches an edited row.
func TestE2EAuditTrail(t *testing.T) {
	s := servertest.New(t)
	ctx := context.Background()
	a := bootstrapAccount(s)
	sid, sidClient := newServiceID(t, s, a, "no-access")
	if _, err := sidClient.ListServiceIDs(ctx, client.ListServiceIDsOptions{AccountID: a.id}); !errors.Is(err, api.ErrPermissionDenied) {
		t.Fatalf("service ID without policies lists service IDs: %v, want permission denied", err)
	}
	anon := client.New(client.Config{URL: s.URL})
	if _, err := anon.ListUsers(ctx, client.ListOptions{}); !errors.Is(err, api.ErrUnauthenticated) {
		t.Fatalf("anonymous ListUsers = %v, want unauthenticated", err)
	}
	denied, err := a.admin.AuditEvents(ctx, client.AuditQuery{Outcome: api.OutcomeDenied, Initiator: sid.IAMID})
	if err != nil {
		t.Fatalf("AuditEvents(denied): %v", err)
	}
	if len(denied.Events) != 1 || denied.Events[0].Action != "iam-identity.serviceid.list" ||
		denied.Events[0].Initiator.Kind != api.InitiatorServiceID || denied.Events[0].RequestID == "" {
		t.Errorf("denied events of %s = %+v, want one iam-identity.serviceid.list by a serviceid with a request id", sid.IAMID, denied.Events)
	}
	failed, err := a.admin.AuditEvents(ctx, client.AuditQuery{Outcome: api.OutcomeFailure, Action: "coffer.user.*"})
	if err != nil || len(failed.Events) != 1 || failed.Events[0].Initiator.Kind != api.InitiatorAnonymous {
		t.Errorf("anonymous failures = %+v, %v; want one anonymous coffer.user.list", failed, err)
	}
	if _, err := sidClient.AuditEvents(ctx, client.AuditQuery{}); !errors.Is(err, api.ErrPermissionDenied) {
		t.Errorf("service ID without policies reads the audit trail: %v, want permission denied", err)
	}
	rep, err := a.admin.VerifyAudit(ctx)
	if err != nil || !rep.OK || rep.Checked < 5 {
		t.Fatalf("VerifyAudit = %+v, %v; want an intact chain of several events", rep, err)
	}
	tamper(t, filepath.Join(s.DataDir, "coffer.db"), denied.Events[0].ID)
	rep, err = a.admin.VerifyAudit(ctx)
	if err != nil || rep.OK || rep.FirstBroken == nil || *rep.FirstBroken != denied.Events[0].ID {
		t.Errorf("VerifyAudit after editing event %d = %+v, %v; want it reported as the first broken link",
			denied.Events[0].ID, rep, err)
	}
}

// tamper turns a denied event into a success behind the store's back.
func tamper(t *testing.T, path string, seq int64) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)")
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	defer db.Close()
	res, err := db.Exec(`UPDATE audit_events SET outcome = 'success', reason = '' WHERE seq = ?`, seq)
	if n, _ := res.RowsAffected(); err != nil || n != 1 {
		t.Fatalf("editing audit event %d: %v (%d rows)", seq, err, n)
	}
}

// TestE2EReadyz: /readyz reports the audit trail.
func TestE2EReadyz(t *testing.T) {
	s := servertest.New(t)
	h, err := s.Client.Health(context.Background())
	if err != nil || h.Checks["audit"] != "ok" {
		t.Errorf("Health = %+v, %v; want an audit check that is ok", h, err)
	}
}

// TestE2EExplain: the explain API tells allowed from denied and why; it
// needs iam-access-management.policy.read.
func TestE2EExplain(t *testing.T) {
	s := servertest.New(t)
	ctx := context.Background()
	a := bootstrapAccount(s)
	sid, sidClient := newServiceID(t, s, a, "explained")
	got, err := a.admin.Explain(ctx, api.ExplainRequest{Subject: api.ExplainSubject{IAMID: a.iamID},
		Action: "iam-identity.serviceid.create"})
	if err != nil || !got.Allowed || len(got.Matched) == 0 || len(got.Matched[0].GrantingRoles) == 0 {
		t.Errorf("Explain(admin creates service IDs) = %+v, %v; want allowed by a matched policy", got, err)
	}
	got, err = a.admin.Explain(ctx, api.ExplainRequest{Subject: api.ExplainSubject{IAMID: sid.IAMID},
		Action: "secrets-manager.secret.read", Resource: map[string]string{"serviceInstance": s.Bootstrap().DefaultInstance}})
	if err != nil || got.Allowed || len(got.Reasons) == 0 || got.Reasons[0].Code != "no_policies" || got.Summary == "" {
		t.Errorf("Explain(service ID reads a secret) = %+v, %v; want denied with reason no_policies", got, err)
	}
	_, err = a.admin.Explain(ctx, api.ExplainRequest{Action: "x.y"})
	if !errors.Is(err, api.ErrInvalid) {
		t.Errorf("Explain(no subject) = %v, want invalid", err)
	}
	_, err = sidClient.Explain(ctx, api.ExplainRequest{Subject: api.ExplainSubject{IAMID: a.iamID}, Action: "x.y"})
	if !errors.Is(err, api.ErrPermissionDenied) {
		t.Errorf("Explain by a caller without policy.read = %v, want permission denied", err)
	}
}

// TestE2EPolicyRemoval: a policy granted through the Policy API takes
// effect on the next request, and so does its removal.
func TestE2EPolicyRemoval(t *testing.T) {
	s := servertest.New(t)
	policyRemovalFlow(t, s, s, 0)
}

// TestE2EPolicyRemovalTwoNodes: the same across two servers sharing one
// PostgreSQL schema: the change is made on one node and takes effect on the
// other (LISTEN/NOTIFY).
func TestE2EPolicyRemovalTwoNodes(t *testing.T) {
	url := storetest.PostgresSchema(t)
	key := make([]byte, 32)
	rand.Read(key)
	shared := func(c *server.Config) {
		c.Storage, c.Seal, c.MasterKey = url, "master-key", base64.StdEncoding.EncodeToString(key)
	}
	n1 := servertest.New(t, servertest.WithConfig(shared))
	n2 := servertest.New(t, servertest.WithConfig(func(c *server.Config) {
		shared(c)
		c.BootstrapAPIKey = n1.APIKey
	}))
	policyRemovalFlow(t, n1, n2, 5*time.Second)
}

// policyRemovalFlow grants a service ID Viewer on iam-identity through the
// Policy API of admin, checks it on node use, deletes the policy and checks
// again: at once on one node; across nodes within settle, the time a
// notification takes to arrive.
func policyRemovalFlow(t *testing.T, admin, use *servertest.Server, settle time.Duration) {
	ctx := context.Background()
	a := bootstrapAccount(admin)
	sid, _ := newServiceID(t, admin, a, "reader")
	sidKey := sidAPIKey(t, admin, a, sid)
	onUse := client.New(client.Config{URL: use.URL, APIKey: sidKey})
	list := func() error {
		_, err := onUse.ListServiceIDs(ctx, client.ListServiceIDsOptions{AccountID: a.id})
		return err
	}
	if settle > 0 {
		list = eventually(list, settle)
	}
	if err := list(); !errors.Is(err, api.ErrPermissionDenied) {
		t.Fatalf("before the policy: list = %v, want permission denied", err)
	}
	id := createPolicy(t, admin, a, sid.IAMID)
	if err := list(); err != nil {
		t.Fatalf("with the policy: list = %v, want nil", err)
	}
	doJSON(t, admin, a.admin, "DELETE", "/v1/policies/"+id, nil, http.StatusNoContent)
	if err := list(); !errors.Is(err, api.ErrPermissionDenied) {
		t.Errorf("the request right after deleting the policy: list = %v, want permission denied", err)
	}
}

// eventually retries call every 20ms until its answer changes from the
// first one or d passes, and returns the last answer: nodes converge once
// the notification arrives.
func eventually(call func() error, d time.Duration) func() error {
	var last error
	first := true
	return func() error {
		err := call()
		if first {
			first, last = false, err
			return err
		}
		for deadline := time.Now().Add(d); errors.Is(err, api.ErrPermissionDenied) == errors.Is(last, api.ErrPermissionDenied) && time.Now().Before(deadline); {
			time.Sleep(20 * time.Millisecond)
			err = call()
		}
		last = err
		return err
	}
}

func sidAPIKey(t *testing.T, s *servertest.Server, a account, sid *api.ServiceID) api.Sensitive {
	t.Helper()
	k, err := a.admin.CreateAPIKey(context.Background(), api.CreateAPIKeyRequest{Name: "k", IAMID: sid.IAMID, AccountID: a.id}, client.CreateOptions{})
	if err != nil {
		t.Fatalf("CreateAPIKey: %v", err)
	}
	return k.APIKey.Sensitive()
}

// createPolicy grants iamID Viewer on iam-identity in a with POST /v1/policies.
func createPolicy(t *testing.T, s *servertest.Server, a account, iamID string) string {
	t.Helper()
	body := map[string]any{
		"type":     "access",
		"subjects": []any{map[string]any{"attributes": []any{map[string]string{"name": "iam_id", "value": iamID}}}},
		"roles":    []any{map[string]string{"role_id": "crn:v1:bluemix:public:iam::::role:Viewer"}},
		"resources": []any{map[string]any{"attributes": []any{
			map[string]string{"name": "accountId", "value": a.id},
			map[string]string{"name": "serviceName", "value": "iam-identity"}}}},
	}
	var out struct {
		ID string `json:"id"`
	}
	doJSON(t, s, a.admin, "POST", "/v1/policies", body, http.StatusCreated, &out)
	return out.ID
}

// doJSON makes a raw API call with c's token and checks the status.
func doJSON(t *testing.T, s *servertest.Server, c *client.Client, method, path string, in any, status int, out ...any) {
	t.Helper()
	tok, err := c.Token(context.Background())
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	var body bytes.Buffer
	if in != nil {
		json.NewEncoder(&body).Encode(in)
	}
	req, _ := http.NewRequest(method, s.URL+path, &body)
	req.Header.Set("Authorization", "Bearer "+tok.Reveal())
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != status {
		var e bytes.Buffer
		e.ReadFrom(resp.Body)
		t.Fatalf("%s %s = %d %s, want %d", method, path, resp.StatusCode, e.String(), status)
	}
	for _, o := range out {
		if err := json.NewDecoder(resp.Body).Decode(o); err != nil {
			t.Fatalf("decoding %s %s: %v", method, path, err)
		}
	}
}
