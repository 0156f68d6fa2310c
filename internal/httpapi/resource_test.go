package httpapi_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/internal/servertest"
)

// rcCall sends one request with "Basic apikey:KEY" and returns the status,
// the Content-Type and the body.
func rcCall(tb testing.TB, srv *servertest.Server, key, method, path, body string, hdr ...string) (int, string, []byte) {
	tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("apikey:"+key)))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), raw
}

func createInstance(tb testing.TB, c *client.Client, name string) *api.ResourceInstance {
	tb.Helper()
	in, err := c.CreateResourceInstance(context.Background(), api.CreateResourceInstanceRequest{Name: name,
		Target: "us-south", ResourcePlanID: "standard"})
	if err != nil {
		tb.Fatalf("CreateResourceInstance(%q): %v", name, err)
	}
	return in
}

func TestResourceInstanceFields(t *testing.T) {
	srv := servertest.New(t)
	body := `{"name":"my-sm","target":"us-south","resource_plan_id":"` + api.StandardPlanID +
		`","parameters":{"allowed_network":"public-and-private"},"tags":["x"]}`
	status, ct, raw := rcCall(t, srv, srv.APIKey, "POST", "/v2/resource_instances", body)
	if status != http.StatusCreated || ct != "application/json" {
		t.Fatalf("POST /v2/resource_instances = %d %q %s, want 201 application/json", status, ct, raw)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"id", "guid", "url", "crn", "name", "region_id", "account_id", "resource_plan_id",
		"resource_group_id", "resource_group_crn", "target_crn", "state", "type", "resource_id", "dashboard_url",
		"created_at", "updated_at", "deleted_at", "scheduled_reclaim_at", "created_by", "last_operation", "locked",
		"extensions", "parameters", "plan_history"} {
		if _, ok := m[k]; !ok {
			t.Errorf("instance lacks IBM field %q: %s", k, raw)
		}
	}
	guid, _ := m["guid"].(string)
	want := map[string]any{
		"id":  "crn:v1:coffer:public:secrets-manager:us-south:a/" + m["account_id"].(string) + ":" + guid + "::",
		"url": "/v2/resource_instances/" + guid, "state": "active", "type": "service_instance",
		"resource_plan_id": api.StandardPlanID, "resource_id": api.SecretsManagerResourceID, "region_id": "us-south",
		"locked": false, "deleted_at": nil, "dashboard_url": srv.URL + "/console/instances/" + guid,
		"extensions": map[string]any{
			"endpoints":                 map[string]any{"public": srv.URL + "/instances/" + guid, "private": srv.URL + "/instances/" + guid},
			"virtual_private_endpoints": map[string]any{"dns_hosts": []any{guid}},
		},
		"parameters": map[string]any{"allowed_network": "public-and-private"},
	}
	for k, v := range want {
		if diff := cmp.Diff(v, m[k]); diff != "" {
			t.Errorf("field %s (-want +got):\n%s", k, diff)
		}
	}
	if m["crn"] != m["id"] {
		t.Errorf("crn = %v, want the id %v", m["crn"], m["id"])
	}
}

func TestResourceInstanceLifecycle(t *testing.T) {
	ctx := context.Background()
	srv := servertest.New(t)
	c := srv.Client
	in := createInstance(t, c, "lifecycle")
	for _, id := range []string{in.GUID, in.CRN} {
		got, err := c.ResourceInstance(ctx, id)
		if err != nil || got.GUID != in.GUID {
			t.Errorf("ResourceInstance(%q) = %v, %v, want %s", id, got, err, in.GUID)
		}
	}
	// The CRN URL-encoded by hand, as IBM's SDK sends it.
	if status, _, raw := rcCall(t, srv, srv.APIKey, "GET", "/v2/resource_instances/"+url.QueryEscape(in.CRN), ""); status != 200 {
		t.Errorf("GET by query-escaped CRN = %d %s, want 200", status, raw)
	}
	name := "renamed"
	up, err := c.UpdateResourceInstance(ctx, in.CRN, api.UpdateResourceInstanceRequest{Name: &name})
	if err != nil || up.Name != name || up.LastOperation.Type != "update" {
		t.Fatalf("UpdateResourceInstance = %+v, %v, want renamed", up, err)
	}
	status, _, raw := rcCall(t, srv, srv.APIKey, "DELETE", "/v2/resource_instances/"+in.GUID, "")
	var del api.ResourceInstance
	json.Unmarshal(raw, &del)
	if status != http.StatusAccepted || del.State != api.InstanceStatePendingReclamation || del.ScheduledReclaimAt == nil {
		t.Fatalf("DELETE = %d %s, want 202 with state pending_reclamation and scheduled_reclaim_at", status, raw)
	}
	if _, err := c.ResourceInstance(ctx, in.GUID); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("ResourceInstance after delete = %v, want not found", err)
	}
	if _, err := c.DeleteResourceInstance(ctx, in.GUID); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("second delete = %v, want not found", err)
	}
	all, err := c.AllResourceInstances(ctx, client.ListResourceInstancesOptions{})
	if err != nil || slices.ContainsFunc(all, func(r api.ResourceInstance) bool { return r.GUID == in.GUID }) {
		t.Errorf("list after delete = %d instances, %v; want the deleted one gone", len(all), err)
	}
	pending, _ := c.AllResourceInstances(ctx, client.ListResourceInstancesOptions{State: "pending_reclamation"})
	if len(pending) != 1 || pending[0].GUID != in.GUID {
		t.Errorf("list state=pending_reclamation = %d instances, want the deleted one", len(pending))
	}
	createInstance(t, c, "renamed") // the deleted instance's name is free
}

func TestResourceInstanceListPaging(t *testing.T) {
	ctx := context.Background()
	srv := servertest.New(t)
	c := srv.Client
	for _, n := range []string{"a", "b", "c", "d"} {
		createInstance(t, c, n)
	}
	var names []string
	opts := client.ListResourceInstancesOptions{Limit: 2}
	for page := 0; page < 5; page++ {
		l, err := c.ListResourceInstances(ctx, opts)
		if err != nil {
			t.Fatalf("ListResourceInstances: %v", err)
		}
		if l.RowsCount != len(l.Resources) {
			t.Errorf("rows_count = %d, want %d", l.RowsCount, len(l.Resources))
		}
		for _, r := range l.Resources {
			names = append(names, r.Name)
		}
		if l.NextURL == nil {
			break
		}
		if !strings.HasPrefix(*l.NextURL, "/v2/resource_instances?") || !strings.Contains(*l.NextURL, "limit=2") {
			t.Errorf("next_url = %q, want a path keeping limit=2", *l.NextURL)
		}
		opts.Start = client.StartOf(l.NextURL)
	}
	if diff := cmp.Diff([]string{"default", "a", "b", "c", "d"}, names); diff != "" {
		t.Errorf("paged names (-want +got):\n%s", diff)
	}
	filtered, _ := c.AllResourceInstances(ctx, client.ListResourceInstancesOptions{Name: "c", ResourceID: "secrets-manager"})
	if len(filtered) != 1 || filtered[0].Name != "c" {
		t.Errorf("list name=c = %v, want c", filtered)
	}
	other, _ := c.AllResourceInstances(ctx, client.ListResourceInstancesOptions{ResourceID: "cloud-object-storage"})
	if len(other) != 0 {
		t.Errorf("list resource_id=cloud-object-storage = %d instances, want 0", len(other))
	}
	if _, err := c.ListResourceInstances(ctx, client.ListResourceInstancesOptions{Start: "not-a-token"}); !errors.Is(err, api.ErrInvalid) {
		t.Errorf("list with a bad start = %v, want invalid", err)
	}
}

func TestResourceInstanceBadInput(t *testing.T) {
	srv := servertest.New(t)
	createInstance(t, srv.Client, "taken")
	tests := []struct {
		name, body string
		hdr        []string
		status     int
	}{
		{"unknown plan", `{"name":"x","target":"us-south","resource_plan_id":"869c191a-3c2a-4faf-98be-18d48f95ba1f"}`, nil, 400},
		{"missing plan", `{"name":"x","target":"us-south"}`, nil, 400},
		{"bad region", `{"name":"x","target":"US South!","resource_plan_id":"standard"}`, nil, 400},
		{"missing region", `{"name":"x","resource_plan_id":"standard"}`, nil, 400},
		{"missing name", `{"target":"us-south","resource_plan_id":"standard"}`, nil, 400},
		{"bad name", `{"name":"a/b","target":"us-south","resource_plan_id":"standard"}`, nil, 400},
		{"long name", `{"name":"` + strings.Repeat("n", 181) + `","target":"us-south","resource_plan_id":"standard"}`, nil, 400},
		{"other service", `{"name":"x","target":"us-south","resource_plan_id":"standard","resource_id":"kms"}`, nil, 400},
		{"unknown group", `{"name":"x","target":"us-south","resource_plan_id":"standard","resource_group":"0123456789abcdef0123456789abcdef"}`, nil, 400},
		{"bad parameter", `{"name":"x","target":"us-south","resource_plan_id":"standard","parameters":{"allowed_network":"everywhere"}}`, nil, 400},
		{"unknown field", `{"name":"x","target":"us-south","resource_plan_id":"standard","colour":"blue"}`, nil, 400},
		{"wrong type", `{"name":7,"target":"us-south","resource_plan_id":"standard"}`, nil, 400},
		{"entity lock", `{"name":"x","target":"us-south","resource_plan_id":"standard"}`, []string{"Entity-Lock", "true"}, 400},
		{"duplicate name", `{"name":"taken","target":"us-south","resource_plan_id":"standard"}`, nil, 409},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, ct, raw := rcCall(t, srv, srv.APIKey, "POST", "/v2/resource_instances", tt.body, tt.hdr...)
			checkRCError(t, status, ct, raw, tt.status)
		})
	}
	all, _ := srv.Client.AllResourceInstances(context.Background(), client.ListResourceInstancesOptions{})
	if len(all) != 2 {
		t.Errorf("instances after refused creates = %d, want 2 (default, taken)", len(all))
	}
	status, ct, raw := rcCall(t, srv, srv.APIKey, "GET", "/v2/resource_instances?limit=0", "")
	checkRCError(t, status, ct, raw, 400)
	status, ct, raw = rcCall(t, srv, "not-a-key", "GET", "/v2/resource_instances", "")
	checkRCError(t, status, ct, raw, 401)
}

// checkRCError checks an error answer in the Resource Controller's shape.
func checkRCError(tb testing.TB, status int, ct string, raw []byte, want int) {
	tb.Helper()
	var e struct {
		ErrorCode     string `json:"error_code"`
		Message       string `json:"message"`
		StatusCode    int    `json:"status_code"`
		TransactionID string `json:"transaction_id"`
	}
	if err := json.Unmarshal(raw, &e); err != nil || status != want || ct != "application/json" ||
		!strings.HasPrefix(e.ErrorCode, "RC-") || e.Message == "" || e.StatusCode != want || e.TransactionID == "" {
		tb.Errorf("answer = %d %q %s, want %d in the Resource Controller error shape", status, ct, raw, want)
	}
}

func TestResourceTenancy(t *testing.T) {
	ctx := context.Background()
	srv := servertest.New(t)
	mine := createInstance(t, srv.Client, "mine")
	acct, err := srv.Client.CreateAccount(ctx, api.CreateAccountRequest{Name: "other"})
	if err != nil {
		t.Fatalf("CreateAccount: %v", err)
	}
	other := client.New(client.Config{URL: srv.URL, APIKey: api.Sensitive(acct.APIKey.APIKey.Reveal())})
	l, err := other.ListResourceInstances(ctx, client.ListResourceInstancesOptions{})
	if err != nil || len(l.Resources) != 0 {
		t.Errorf("other account's list = %v, %v, want nothing", l, err)
	}
	for _, id := range []string{mine.GUID, mine.CRN} {
		if _, err := other.ResourceInstance(ctx, id); !errors.Is(err, api.ErrNotFound) {
			t.Errorf("other account's get %s = %v, want not found", id, err)
		}
		if _, err := other.DeleteResourceInstance(ctx, id); !errors.Is(err, api.ErrNotFound) {
			t.Errorf("other account's delete %s = %v, want not found", id, err)
		}
	}
	name := "stolen"
	if _, err := other.UpdateResourceInstance(ctx, mine.GUID, api.UpdateResourceInstanceRequest{Name: &name}); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("other account's update = %v, want not found", err)
	}
	if got, err := srv.Client.ResourceInstance(ctx, mine.GUID); err != nil || got.Name != "mine" {
		t.Errorf("own instance after the other's attempts = %v, %v, want it unchanged", got, err)
	}
	// The other account's own instance lands in its own Default group.
	theirs := createInstance(t, other, "mine")
	groups, _ := other.ListResourceGroups(ctx, client.ListResourceGroupsOptions{})
	if len(groups.Resources) != 1 || groups.Resources[0].ID != theirs.ResourceGroupID || theirs.AccountID == mine.AccountID {
		t.Errorf("other account's groups = %+v, instance in %s; want its own Default group", groups.Resources, theirs.ResourceGroupID)
	}
	if _, err := other.ResourceGroup(ctx, mine.ResourceGroupID); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("other account's get of my group = %v, want not found", err)
	}
	if l, _ := other.ListResourceGroups(ctx, client.ListResourceGroupsOptions{AccountID: mine.AccountID}); len(l.Resources) != 0 {
		t.Errorf("other account's list of my groups = %v, want nothing", l.Resources)
	}
}

func TestResourceGroups(t *testing.T) {
	ctx := context.Background()
	srv := servertest.New(t)
	c := srv.Client
	l, err := c.ListResourceGroups(ctx, client.ListResourceGroupsOptions{})
	if err != nil || len(l.Resources) != 1 || l.Resources[0].Name != "Default" || !l.Resources[0].Default {
		t.Fatalf("ListResourceGroups = %+v, %v, want the Default group", l, err)
	}
	def := l.Resources[0]
	boot, _ := c.AllResourceInstances(ctx, client.ListResourceInstancesOptions{Name: "default"})
	if len(boot) != 1 || boot[0].ResourceGroupID != def.ID {
		t.Errorf("bootstrap instance = %+v, want it in the Default group %s", boot, def.ID)
	}
	g, err := c.CreateResourceGroup(ctx, api.CreateResourceGroupRequest{Name: "team-a"})
	if err != nil || len(g.ID) != 32 || g.CRN != "crn:v1:coffer:public:resource-controller::a/"+def.AccountID+"::resource-group:"+g.ID {
		t.Fatalf("CreateResourceGroup = %+v, %v", g, err)
	}
	for _, name := range []string{"team-a", "Default"} {
		if _, err := c.CreateResourceGroup(ctx, api.CreateResourceGroupRequest{Name: name}); !errors.Is(err, api.ErrAlreadyExists) {
			t.Errorf("CreateResourceGroup(%q) again = %v, want already exists", name, err)
		}
	}
	if _, err := c.CreateResourceGroup(ctx, api.CreateResourceGroupRequest{Name: "bad:name"}); !errors.Is(err, api.ErrInvalid) {
		t.Errorf("CreateResourceGroup(bad:name) = %v, want invalid", err)
	}
	in, err := c.CreateResourceInstance(ctx, api.CreateResourceInstanceRequest{Name: "in-a", Target: "eu-de",
		ResourcePlanID: "standard", ResourceGroup: g.ID})
	if err != nil || in.ResourceGroupID != g.ID || !strings.HasSuffix(in.ResourceGroupCRN, g.ID) {
		t.Fatalf("CreateResourceInstance in team-a = %+v, %v", in, err)
	}
	byName, _ := c.ListResourceGroups(ctx, client.ListResourceGroupsOptions{Name: "team-a"})
	if len(byName.Resources) != 1 || byName.Resources[0].ID != g.ID {
		t.Errorf("ListResourceGroups(name=team-a) = %+v", byName.Resources)
	}
	name := "team-b"
	if up, err := c.UpdateResourceGroup(ctx, g.ID, api.UpdateResourceGroupRequest{Name: &name}); err != nil || up.Name != name {
		t.Errorf("UpdateResourceGroup = %+v, %v", up, err)
	}
	if err := c.DeleteResourceGroup(ctx, g.ID); !errors.Is(err, api.ErrFailedPrecondition) {
		t.Errorf("DeleteResourceGroup(holding an instance) = %v, want failed precondition", err)
	}
	if err := c.DeleteResourceGroup(ctx, def.ID); !errors.Is(err, api.ErrFailedPrecondition) {
		t.Errorf("DeleteResourceGroup(Default) = %v, want failed precondition", err)
	}
	empty, _ := c.CreateResourceGroup(ctx, api.CreateResourceGroupRequest{Name: "empty"})
	if err := c.DeleteResourceGroup(ctx, empty.ID); err != nil {
		t.Errorf("DeleteResourceGroup(empty) = %v", err)
	}
	if _, err := c.ResourceGroup(ctx, empty.ID); !errors.Is(err, api.ErrNotFound) {
		t.Errorf("ResourceGroup(deleted) = %v, want not found", err)
	}
}
