package httpapi_test

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cofferhq/coffer/api"
)

// policyError is the Policy Management error body; details is kept raw.
type policyError struct {
	Trace  string `json:"trace"`
	Errors []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details struct {
			ConflictsWith struct {
				ETag   string         `json:"etag"`
				Policy map[string]any `json:"policy"`
			} `json:"conflicts_with"`
		} `json:"details"`
	} `json:"errors"`
	StatusCode int `json:"status_code"`
}

// wantPolicyError fails unless r is a Policy Management error of status
// and code (any code when code is "").
func wantPolicyError(tb testing.TB, what string, r response, status int, code string) policyError {
	tb.Helper()
	if r.status != status {
		tb.Fatalf("%s = %d %s, want %d", what, r.status, r.body, status)
	}
	var e policyError
	r.decode(tb, &e)
	if e.Trace == "" || len(e.Errors) != 1 || e.Errors[0].Message == "" || e.StatusCode != status ||
		code != "" && e.Errors[0].Code != code {
		tb.Errorf("%s: error body %s, want the Policy shape with code %q", what, r.body, code)
	}
	return e
}

var policyTimeRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// createServiceID creates a service ID in the bootstrap account and returns its iam_id.
func (ts *idServer) createServiceID(tb testing.TB, name string) string {
	tb.Helper()
	var sid api.ServiceID
	ts.want(tb, 201, ts.key, "POST", "/v1/serviceids/", api.CreateServiceIDRequest{AccountID: ts.account, Name: name}).decode(tb, &sid)
	return sid.IAMID
}

// v1Policy is an access policy on a Secrets Manager instance.
func v1Policy(account, iamID, instance string, roles ...string) api.Policy {
	p := api.Policy{Type: "access",
		Subjects: []api.PolicySubject{{Attributes: []api.SubjectAttribute{{Name: "iam_id", Value: iamID}}}},
		Resources: []api.PolicyResource{{Attributes: []api.ResourceAttribute{{Name: "accountId", Value: account},
			{Name: "serviceName", Value: "secrets-manager"}, {Name: "serviceInstance", Value: instance}}}}}
	for _, r := range roles {
		p.Roles = append(p.Roles, api.PolicyRole{RoleID: r})
	}
	return p
}

const (
	bluemixSecretsReader = "crn:v1:bluemix:public:secrets-manager::::serviceRole:SecretsReader"
	bluemixReader        = "crn:v1:bluemix:public:iam::::serviceRole:Reader"
)

func (ts *idServer) countPolicies(tb testing.TB, query string) int {
	tb.Helper()
	var l api.PolicyList
	ts.want(tb, 200, ts.key, "GET", "/v1/policies?account_id="+ts.account+query, nil).decode(tb, &l)
	return len(l.Policies)
}

func TestPolicyV1Lifecycle(t *testing.T) {
	ts := startServer(t)
	sid := ts.createServiceID(t, "app")
	before := ts.countPolicies(t, "")
	body := v1Policy(ts.account, sid, "guid-1", bluemixSecretsReader)
	r := ts.want(t, 201, ts.key, "POST", "/v1/policies", body)
	var p api.Policy
	r.decode(t, &p)
	if tag := r.header.Get("ETag"); !strings.HasPrefix(tag, "1-") || len(tag) != 34 {
		t.Errorf("ETag = %q, want 1-<md5>", tag)
	}
	if p.ID == "" || p.State != "active" || p.CreatedByID != ts.admin || !policyTimeRE.MatchString(p.CreatedAt) ||
		p.Href != ts.url+"/v1/policies/"+p.ID {
		t.Errorf("created policy = %+v", p)
	}
	wantRoles := []api.PolicyRole{{RoleID: "crn:v1:coffer:public:secrets-manager::::serviceRole:SecretsReader",
		DisplayName: "SecretsReader", Description: p.Roles[0].Description}}
	if diff := cmp.Diff(wantRoles, p.Roles); diff != "" || p.Roles[0].Description == "" {
		t.Errorf("roles (-want +got):\n%s", diff)
	}
	for _, a := range p.Resources[0].Attributes {
		if a.Operator != "stringEquals" {
			t.Errorf("resource attribute %+v: want operator stringEquals", a)
		}
	}
	// An identical policy (attributes in another order, other roles) conflicts.
	dup := v1Policy(ts.account, sid, "guid-1", bluemixReader)
	dup.Resources[0].Attributes[0], dup.Resources[0].Attributes[2] = dup.Resources[0].Attributes[2], dup.Resources[0].Attributes[0]
	e := wantPolicyError(t, "duplicate policy", ts.do(t, ts.key, "POST", "/v1/policies", dup), 409, "policy_conflict_error")
	if cw := e.Errors[0].Details.ConflictsWith; cw.ETag != r.header.Get("ETag") || cw.Policy["id"] != p.ID {
		t.Errorf("conflicts_with = %+v, want policy %s with its etag", cw, p.ID)
	}
	path := "/v1/policies/" + p.ID
	got := ts.want(t, 200, ts.key, "GET", path, nil)
	if got.header.Get("ETag") != r.header.Get("ETag") {
		t.Errorf("GET ETag = %q, want %q", got.header.Get("ETag"), r.header.Get("ETag"))
	}
	repl := v1Policy(ts.account, sid, "guid-1", bluemixReader)
	wantPolicyError(t, "PUT without If-Match", ts.do(t, ts.key, "PUT", path, repl), 400, "invalid_body")
	wantPolicyError(t, "PUT with a stale tag", ts.do(t, ts.key, "PUT", path, repl, "If-Match", "1-0"), 409, "")
	upd := ts.want(t, 200, ts.key, "PUT", path, repl, "If-Match", r.header.Get("ETag"))
	var up api.Policy
	upd.decode(t, &up)
	if up.Roles[0].DisplayName != "Reader" || !strings.HasPrefix(upd.header.Get("ETag"), "2-") {
		t.Errorf("after PUT: roles %+v, ETag %q", up.Roles, upd.header.Get("ETag"))
	}
	// Soft delete and restore.
	var del api.Policy
	ts.want(t, 200, ts.key, "PATCH", path, api.UpdatePolicyStateRequest{State: "deleted"}, "If-Match", "*").decode(t, &del)
	if del.State != "deleted" || ts.countPolicies(t, "") != before || ts.countPolicies(t, "&state=deleted") != 1 {
		t.Errorf("after PATCH deleted: state %q, lists %d active, want %d", del.State, ts.countPolicies(t, ""), before)
	}
	wantPolicyError(t, "PATCH to a bad state", ts.do(t, ts.key, "PATCH", path, api.UpdatePolicyStateRequest{State: "gone"}, "If-Match", "*"), 400, "invalid_body")
	ts.want(t, 200, ts.key, "PATCH", path, api.UpdatePolicyStateRequest{State: "active"}, "If-Match", "*")
	ts.want(t, 204, ts.key, "DELETE", path, nil)
	wantPolicyError(t, "GET deleted policy", ts.do(t, ts.key, "GET", path, nil), 404, "policy_not_found")
	wantPolicyError(t, "DELETE again", ts.do(t, ts.key, "DELETE", path, nil), 404, "policy_not_found")
	wantPolicyError(t, "list without account", ts.do(t, ts.key, "GET", "/v1/policies", nil), 400, "missing_required_query_parameter")
}

func TestPolicyValidation(t *testing.T) {
	ts := startServer(t)
	sid := ts.createServiceID(t, "app")
	good := func() api.Policy { return v1Policy(ts.account, sid, "guid-1", bluemixSecretsReader) }
	tests := []struct {
		name string
		edit func(*api.Policy)
		want string // in the message
	}{
		{"no subject", func(p *api.Policy) { p.Subjects = nil }, "exactly one subject"},
		{"two resources", func(p *api.Policy) { p.Resources = append(p.Resources, p.Resources[0]) }, "exactly one subject and one resource"},
		{"unknown role", func(p *api.Policy) { p.Roles[0].RoleID = "crn:v1:bluemix:public:iam::::role:Wizard" }, "Wizard"},
		{"no role", func(p *api.Policy) { p.Roles = nil }, "role"},
		{"role of another service", func(p *api.Policy) { p.Resources[0].Attributes[1].Value = "iam-identity" }, "SecretsReader"},
		{"unknown service", func(p *api.Policy) { p.Resources[0].Attributes[1].Value = "nosuch" }, "nosuch"},
		{"no account", func(p *api.Policy) { p.Resources[0].Attributes = p.Resources[0].Attributes[1:] }, "accountId"},
		{"bad type", func(p *api.Policy) { p.Type = "deny" }, "deny"},
		{"bad operator", func(p *api.Policy) { p.Resources[0].Attributes[2].Operator = "stringLike" }, "stringLike"},
		{"subject elsewhere", func(p *api.Policy) { p.Subjects[0].Attributes[0].Value = "iam-ServiceId-nope" }, "not a user, service ID or trusted profile"},
		{"group elsewhere", func(p *api.Policy) { p.Subjects[0].Attributes[0].Name = "access_group_id" }, "not an access group"},
		{"iam-profile source", func(p *api.Policy) {
			p.Type = "authorization"
			p.Subjects[0].Attributes = []api.SubjectAttribute{{Name: "accountId", Value: ts.account}, {Name: "serviceName", Value: "iam-profile"}}
		}, "trusted-profile-policy-create"},
	}
	before := ts.countPolicies(t, "")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := good()
			tc.edit(&p)
			e := wantPolicyError(t, tc.name, ts.do(t, ts.key, "POST", "/v1/policies", p), 400, "invalid_body")
			if !strings.Contains(e.Errors[0].Message, tc.want) {
				t.Errorf("message %q does not mention %q", e.Errors[0].Message, tc.want)
			}
		})
	}
	wantPolicyError(t, "unknown field", ts.do(t, ts.key, "POST", "/v1/policies", map[string]any{"type": "access", "extra": 1}), 400, "")
	if n := ts.countPolicies(t, "&state=deleted") + ts.countPolicies(t, ""); n != before {
		t.Errorf("after refused creates the account has %d policies, want %d", n, before)
	}
	// A valid authorization policy between services is accepted.
	authz := api.Policy{Type: "authorization", Roles: []api.PolicyRole{{RoleID: bluemixSecretsReader}},
		Subjects:  []api.PolicySubject{{Attributes: []api.SubjectAttribute{{Name: "accountId", Value: ts.account}, {Name: "serviceName", Value: "codeengine"}}}},
		Resources: []api.PolicyResource{{Attributes: []api.ResourceAttribute{{Name: "accountId", Value: ts.account}, {Name: "serviceName", Value: "secrets-manager"}}}}}
	ts.want(t, 201, ts.key, "POST", "/v1/policies", authz)
}

func TestPolicyV2(t *testing.T) {
	ts := startServer(t)
	sid := ts.createServiceID(t, "app")
	body := api.V2Policy{Type: "access", Description: "office hours",
		Subject: &api.V2PolicySubject{Attributes: []api.V2PolicyAttribute{{Key: "iam_id", Operator: "stringEquals", Value: sid}}},
		Resource: &api.V2PolicyResource{Attributes: []api.V2PolicyAttribute{{Key: "accountId", Operator: "stringEquals", Value: ts.account},
			{Key: "serviceName", Operator: "stringEquals", Value: "secrets-manager"},
			{Key: "resource", Operator: "stringMatchAnyOf", Value: []string{"prod-*", "staging-?"}}}},
		Pattern: "time-based-conditions:weekly:custom-hours",
		Rule: &api.V2PolicyRule{Operator: "and", Conditions: []api.V2PolicyRule{
			{Key: "{{environment.attributes.current_time}}", Operator: "timeGreaterThanOrEquals", Value: "09:00:00+00:00"},
			{Key: "{{environment.attributes.current_time}}", Operator: "timeLessThanOrEquals", Value: "17:00:00+00:00"}}},
		Control: api.V2PolicyControl{Grant: api.V2PolicyGrant{Roles: []api.V2PolicyRole{{RoleID: bluemixSecretsReader}}}}}
	r := ts.want(t, 201, ts.key, "POST", "/v2/policies", body)
	var p api.V2Policy
	r.decode(t, &p)
	if p.Rule == nil || len(p.Rule.Conditions) != 2 || p.Href != ts.url+"/v2/policies/"+p.ID || r.header.Get("ETag") == "" {
		t.Fatalf("created v2 policy = %s", r.body)
	}
	var disp api.V2Policy
	g := ts.want(t, 200, ts.key, "GET", "/v2/policies/"+p.ID+"?format=display", nil)
	g.decode(t, &disp)
	role := disp.Control.Grant.Roles[0]
	if role.DisplayName != "SecretsReader" || !containsAction(role.Actions, "secrets-manager.secret.read") || g.header.Get("ETag") != r.header.Get("ETag") {
		t.Errorf("format=display role = %+v, ETag %q", role, g.header.Get("ETag"))
	}
	e := wantPolicyError(t, "v2 duplicate", ts.do(t, ts.key, "POST", "/v2/policies", body), 409, "policy_conflict_error")
	if _, ok := e.Errors[0].Details.ConflictsWith.Policy["control"]; !ok {
		t.Errorf("v2 conflict names the policy in v1 form: %+v", e.Errors[0].Details.ConflictsWith.Policy)
	}
	var l api.V2PolicyList
	ts.want(t, 200, ts.key, "GET", "/v2/policies?account_id="+ts.account+"&iam_id="+sid+"&service_name=secrets-manager", nil).decode(t, &l)
	if len(l.Policies) != 1 || l.Policies[0].ID != p.ID {
		t.Errorf("filtered v2 list = %d policies, want %s", len(l.Policies), p.ID)
	}
	var v1 api.Policy
	ts.want(t, 200, ts.key, "GET", "/v1/policies/"+p.ID, nil).decode(t, &v1)
	if got := v1.Resources[0].Attributes[2]; got.Value != "prod-*,staging-?" || got.Operator != "stringMatchAnyOf" {
		t.Errorf("v1 view of a list attribute = %+v", got)
	}
	bad := body
	bad.Pattern = ""
	wantPolicyError(t, "rule without pattern", ts.do(t, ts.key, "POST", "/v2/policies", bad), 400, "invalid_body")
	ts.want(t, 204, ts.key, "DELETE", "/v2/policies/"+p.ID, nil)
}

func containsAction(actions []api.RoleAction, id string) bool {
	for _, a := range actions {
		if a.ID == id {
			return true
		}
	}
	return false
}

func TestPolicyListPaging(t *testing.T) {
	ts := startServer(t)
	sid := ts.createServiceID(t, "app")
	var ids []string
	for i := range 5 {
		var p api.Policy
		ts.want(t, 201, ts.key, "POST", "/v1/policies", v1Policy(ts.account, sid, fmt.Sprint("guid-", i), bluemixReader)).decode(t, &p)
		ids = append(ids, p.ID)
	}
	var got []string
	path := "/v1/policies?account_id=" + ts.account + "&iam_id=" + sid + "&limit=2&sort=-created_at"
	for range 5 {
		var l api.PolicyList
		ts.want(t, 200, ts.key, "GET", path, nil).decode(t, &l)
		for _, p := range l.Policies {
			got = append(got, p.ID)
		}
		if l.Limit != 2 || l.First == nil {
			t.Errorf("page = limit %d, first %v", l.Limit, l.First)
		}
		if l.Next == nil {
			break
		}
		path = strings.TrimPrefix(l.Next.Href, ts.url)
	}
	want := []string{ids[4], ids[3], ids[2], ids[1], ids[0]}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paged list newest first (-want +got):\n%s", diff)
	}
	wantPolicyError(t, "bad sort", ts.do(t, ts.key, "GET", "/v1/policies?account_id="+ts.account+"&sort=color", nil), 400, "invalid_body")
}

func TestRoles(t *testing.T) {
	ts := startServer(t)
	var l api.RoleList
	ts.want(t, 200, ts.key, "GET", "/v2/roles?service_name=secrets-manager&account_id="+ts.account, nil).decode(t, &l)
	var service, system []string
	for _, r := range l.ServiceRoles {
		service = append(service, r.DisplayName)
	}
	for _, r := range l.SystemRoles {
		system = append(system, r.DisplayName)
	}
	if diff := cmp.Diff([]string{"SecretsReader", "SecretTaskUpdater"}, service); diff != "" {
		t.Errorf("service roles (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Viewer", "Operator", "Editor", "Administrator", "Reader", "Writer", "Manager"}, system); diff != "" {
		t.Errorf("system roles (-want +got):\n%s", diff)
	}
	if l.CustomRoles == nil || len(l.CustomRoles) != 0 || !strings.HasSuffix(l.ServiceRoles[0].CRN, "serviceRole:SecretsReader") {
		t.Errorf("roles = %s", ts.do(t, ts.key, "GET", "/v2/roles?service_name=secrets-manager", nil).body)
	}
	wantPolicyError(t, "unknown service", ts.do(t, ts.key, "GET", "/v2/roles?service_name=nope", nil), 400, "invalid_body")
}

// TestPolicyTenancy: another account's administrator sees and changes
// nothing of this account's policies and groups.
func TestPolicyTenancy(t *testing.T) {
	ts := startServer(t)
	sid := ts.createServiceID(t, "app")
	var p api.Policy
	ts.want(t, 201, ts.key, "POST", "/v1/policies", v1Policy(ts.account, sid, "guid-1", bluemixReader)).decode(t, &p)
	var g api.AccessGroup
	ts.want(t, 201, ts.key, "POST", "/v2/groups?account_id="+ts.account, api.CreateAccessGroupRequest{Name: "ops"}).decode(t, &g)
	var acct api.CreateAccountResponse
	ts.want(t, 201, ts.key, "POST", "/coffer/v1/accounts", api.CreateAccountRequest{Name: "tenant", AdminName: "bob"}).decode(t, &acct)
	bob := acct.APIKey.APIKey.Reveal()
	ts.remember(acct.APIKey.APIKey)
	wantPolicyError(t, "bob reads A's policy", ts.do(t, bob, "GET", "/v1/policies/"+p.ID, nil), 404, "policy_not_found")
	wantPolicyError(t, "bob lists A's policies", ts.do(t, bob, "GET", "/v1/policies?account_id="+ts.account, nil), 403, "")
	wantPolicyError(t, "bob deletes A's policy", ts.do(t, bob, "DELETE", "/v2/policies/"+p.ID, nil), 404, "")
	wantPolicyError(t, "bob grants in A", ts.do(t, bob, "POST", "/v1/policies", v1Policy(ts.account, sid, "guid-2", bluemixReader)), 403, "")
	wantPolicyError(t, "bob grants to A's service ID", ts.do(t, bob, "POST", "/v1/policies",
		v1Policy(acct.Account.ID, sid, "guid-2", bluemixReader)), 400, "invalid_body")
	wantPolicyError(t, "bob reads A's group", ts.do(t, bob, "GET", "/v2/groups/"+g.ID, nil), 404, "")
	wantPolicyError(t, "bob adds to A's group", ts.do(t, bob, "PUT", "/v2/groups/"+g.ID+"/members",
		api.AddGroupMembersRequest{Members: []api.AddGroupMember{{IAMID: acct.Account.OwnerIAMID, Type: "user"}}}), 404, "")
	var mine api.AccessGroupList
	ts.want(t, 200, bob, "GET", "/v2/groups", nil).decode(t, &mine)
	if len(mine.Groups) != 0 {
		t.Errorf("bob's group list = %+v, want only his account's (none)", mine.Groups)
	}
	wantPolicyError(t, "no credential", ts.do(t, "", "GET", "/v1/policies?account_id="+ts.account, nil), 401, "")
	// A's policy is unchanged.
	var still api.Policy
	ts.want(t, 200, ts.key, "GET", "/v1/policies/"+p.ID, nil).decode(t, &still)
	if still.LastModifiedAt != p.LastModifiedAt {
		t.Errorf("A's policy changed: %+v", still)
	}
}
