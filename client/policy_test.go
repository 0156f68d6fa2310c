package client_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
)

func TestPolicyAndGroupRequests(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name, method, uri, ifMatch string
		call                       func(*client.Client) error
	}{
		{"CreatePolicy", "POST", "/v1/policies", "", func(c *client.Client) error { _, err := c.CreatePolicy(ctx, api.Policy{}); return err }},
		{"ListPolicies", "GET", "/v1/policies?account_id=a&iam_id=i&limit=5&start=10", "", func(c *client.Client) error {
			_, err := c.ListPolicies(ctx, client.ListPoliciesOptions{AccountID: "a", IAMID: "i", Limit: 5, Start: "10"})
			return err
		}},
		{"ReplacePolicy", "PUT", "/v1/policies/p1", "1-x", func(c *client.Client) error { _, err := c.ReplacePolicy(ctx, "p1", "1-x", api.Policy{}); return err }},
		{"UpdatePolicyState", "PATCH", "/v1/policies/p1", "*", func(c *client.Client) error { _, err := c.UpdatePolicyState(ctx, "p1", "", "deleted"); return err }},
		{"V2Policy", "GET", "/v2/policies/p1?format=display", "", func(c *client.Client) error { _, err := c.V2Policy(ctx, "p1", "display"); return err }},
		{"ListRoles", "GET", "/v2/roles?service_name=secrets-manager", "", func(c *client.Client) error {
			_, err := c.ListRoles(ctx, client.ListRolesOptions{ServiceName: "secrets-manager"})
			return err
		}},
		{"CreateAccessGroup", "POST", "/v2/groups?account_id=a", "", func(c *client.Client) error {
			_, err := c.CreateAccessGroup(ctx, "a", api.CreateAccessGroupRequest{Name: "g"})
			return err
		}},
		{"UpdateAccessGroup", "PATCH", "/v2/groups/g1", "2", func(c *client.Client) error {
			_, err := c.UpdateAccessGroup(ctx, "g1", "2", api.UpdateAccessGroupRequest{})
			return err
		}},
		{"DeleteAccessGroup", "DELETE", "/v2/groups/g1?force=true", "", func(c *client.Client) error { return c.DeleteAccessGroup(ctx, "g1", true) }},
		{"RemoveGroupMember", "DELETE", "/v2/groups/g1/members/iam-Profile-1", "", func(c *client.Client) error { return c.RemoveGroupMember(ctx, "g1", "iam-Profile-1") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := recordOne(t, []string{"If-Match"}, 200, `{}`, tc.call)
			if err != nil || got.Method != tc.method || got.URI != tc.uri || got.Header["If-Match"] != tc.ifMatch {
				t.Errorf("%s sent %s %s If-Match %q (err %v); want %s %s If-Match %q", tc.name, got.Method, got.URI,
					got.Header["If-Match"], err, tc.method, tc.uri, tc.ifMatch)
			}
		})
	}
}

func TestPolicyETagAndConflict(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == "POST" {
			w.WriteHeader(409)
			w.Write([]byte(`{"trace":"t","errors":[{"code":"policy_conflict_error","message":"dup","details":{"conflicts_with":{"etag":"1-a"}}}],"status_code":409}`))
			return
		}
		w.Header().Set("ETag", "3-abc")
		w.Write([]byte(`{"id":"p1","type":"access"}`))
	}))
	defer srv.Close()
	c := client.New(client.Config{URL: srv.URL, Token: "tok"})
	p, err := c.Policy(context.Background(), "p1")
	if err != nil || p.ETag != "3-abc" || p.ID != "p1" {
		t.Errorf("Policy = %+v, %v; want ETag 3-abc from the header", p, err)
	}
	_, err = c.CreatePolicy(context.Background(), api.Policy{})
	var e *api.Error
	if api.KindOf(err) != api.ErrAlreadyExists || !asAPIError(err, &e) || e.Code != "policy_conflict_error" || e.Message != "dup" {
		t.Errorf("CreatePolicy conflict = %#v, want ErrAlreadyExists with code policy_conflict_error", err)
	}
}

func asAPIError(err error, e **api.Error) bool {
	v, ok := err.(*api.Error)
	*e = v
	return ok
}
