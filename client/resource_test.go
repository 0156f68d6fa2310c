package client_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
)

func TestResourceRequests(t *testing.T) {
	ctx := context.Background()
	auth := map[string]string{"Authorization": "Bearer tok"}
	crn := "crn:v1:coffer:public:secrets-manager:us-south:a/acct:guid-1::"
	tests := []struct {
		name string
		call func(*client.Client) error
		want recorded
	}{
		{"CreateResourceInstance", func(c *client.Client) error {
			_, err := c.CreateResourceInstance(ctx, api.CreateResourceInstanceRequest{Name: "sm", Target: "us-south",
				ResourceGroup: "rg", ResourcePlanID: api.StandardPlanID})
			return err
		}, recorded{"POST", "/v2/resource_instances", auth,
			`{"name":"sm","target":"us-south","resource_group":"rg","resource_plan_id":"7713c3a8-3be8-4a9a-81bb-ee822fcaac3d"}`}},
		{"ListResourceInstances", func(c *client.Client) error {
			_, err := c.ListResourceInstances(ctx, client.ListResourceInstancesOptions{Name: "my sm", Limit: 2, Start: "tok"})
			return err
		}, recorded{"GET", "/v2/resource_instances?limit=2&name=my+sm&start=tok", auth, ""}},
		{"ResourceInstance by CRN", func(c *client.Client) error { _, err := c.ResourceInstance(ctx, crn); return err },
			recorded{"GET", "/v2/resource_instances/crn:v1:coffer:public:secrets-manager:us-south:a%2Facct:guid-1::", auth, ""}},
		{"UpdateResourceInstance", func(c *client.Client) error {
			name := "new"
			_, err := c.UpdateResourceInstance(ctx, "guid-1", api.UpdateResourceInstanceRequest{Name: &name})
			return err
		}, recorded{"PATCH", "/v2/resource_instances/guid-1", auth, `{"name":"new"}`}},
		{"DeleteResourceInstance", func(c *client.Client) error { _, err := c.DeleteResourceInstance(ctx, "guid-1"); return err },
			recorded{"DELETE", "/v2/resource_instances/guid-1", auth, ""}},
		{"ListResourceGroups", func(c *client.Client) error {
			_, err := c.ListResourceGroups(ctx, client.ListResourceGroupsOptions{Default: "true"})
			return err
		}, recorded{"GET", "/v2/resource_groups?default=true", auth, ""}},
		{"CreateResourceGroup", func(c *client.Client) error {
			_, err := c.CreateResourceGroup(ctx, api.CreateResourceGroupRequest{Name: "dev"})
			return err
		}, recorded{"POST", "/v2/resource_groups", auth, `{"name":"dev"}`}},
		{"DeleteResourceGroup", func(c *client.Client) error { return c.DeleteResourceGroup(ctx, "rg-1") },
			recorded{"DELETE", "/v2/resource_groups/rg-1", auth, ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := recordOne(t, []string{"Authorization"}, 200, `{}`, tt.call)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("%s request (-want +got):\n%s", tt.name, d)
			}
		})
	}
}

func TestResourceErrorKinds(t *testing.T) {
	body := `{"error_code":"RC-already_exists","message":"an instance named \"x\" already exists","status_code":409,"transaction_id":"t"}`
	_, err := recordOne(t, nil, 409, body, func(c *client.Client) error {
		_, err := c.CreateResourceInstance(context.Background(), api.CreateResourceInstanceRequest{Name: "x"})
		return err
	})
	if !errors.Is(err, api.ErrAlreadyExists) || api.Message(err) != `an instance named "x" already exists` {
		t.Errorf("CreateResourceInstance error = %v, want already exists with the server's message", err)
	}
}

func TestAllResourceInstancesFollowsNextURL(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if calls.Add(1) == 1 {
			w.Write([]byte(`{"rows_count":1,"next_url":"/v2/resource_instances?limit=1&start=p2","resources":[{"guid":"a"}]}`))
			return
		}
		if r.URL.Query().Get("start") != "p2" || r.URL.Query().Get("limit") != "1" {
			t.Errorf("second page query = %q, want start=p2 and limit=1", r.URL.RawQuery)
		}
		w.Write([]byte(`{"rows_count":1,"next_url":null,"resources":[{"guid":"b"}]}`))
	}))
	defer srv.Close()
	c := client.New(client.Config{URL: srv.URL, Token: "tok"})
	all, err := c.AllResourceInstances(context.Background(), client.ListResourceInstancesOptions{Limit: 1})
	if err != nil || len(all) != 2 || all[0].GUID != "a" || all[1].GUID != "b" {
		t.Errorf("AllResourceInstances = %+v, %v, want a, b", all, err)
	}
	if next := "/v2/resource_instances?start=x%2By"; client.StartOf(&next) != "x+y" || client.StartOf(nil) != "" {
		t.Errorf("StartOf = %q, %q; want x+y and \"\"", client.StartOf(&next), client.StartOf(nil))
	}
}
