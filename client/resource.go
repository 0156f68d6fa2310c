package client

import (
	"context"
	"net/url"

	"github.com/cofferhq/coffer/api"
)

// This file holds the Resource Controller API (/v2/resource_instances) and
// the Resource Manager API (/v2/resource_groups). An instance id is its
// GUID or its CRN. Errors are *api.Error with the server's kind:
// api.ErrNotFound for an unknown (or invisible) id, api.ErrInvalid for a
// refused body, api.ErrAlreadyExists for a name in use.

// ListResourceInstancesOptions are the query parameters of
// ListResourceInstances; empty fields are not sent. State "" lists active
// instances.
type ListResourceInstancesOptions struct {
	GUID, Name, ResourceGroupID, ResourceID, ResourcePlanID, Type, State string
	Limit                                                                int // 0: the server's default (100)
	Start                                                                string
}

func (o ListResourceInstancesOptions) query() string {
	return encodeQuery(url.Values{"guid": {o.GUID}, "name": {o.Name}, "resource_group_id": {o.ResourceGroupID},
		"resource_id": {o.ResourceID}, "resource_plan_id": {o.ResourcePlanID}, "type": {o.Type}, "state": {o.State},
		"limit": {itoa(o.Limit)}, "start": {o.Start}})
}

// CreateResourceInstance creates a Secrets Manager instance.
func (c *Client) CreateResourceInstance(ctx context.Context, req api.CreateResourceInstanceRequest) (*api.ResourceInstance, error) {
	var in api.ResourceInstance
	return &in, c.do(ctx, "POST", "/v2/resource_instances", req, &in)
}

// ListResourceInstances returns one page of instances; its NextURL holds
// the next page's start (see StartOf). AllResourceInstances follows them.
func (c *Client) ListResourceInstances(ctx context.Context, opts ListResourceInstancesOptions) (*api.ResourceInstanceList, error) {
	var l api.ResourceInstanceList
	return &l, c.do(ctx, "GET", "/v2/resource_instances"+opts.query(), nil, &l)
}

// AllResourceInstances returns every instance matching opts, following
// next_url.
func (c *Client) AllResourceInstances(ctx context.Context, opts ListResourceInstancesOptions) ([]api.ResourceInstance, error) {
	var all []api.ResourceInstance
	for range maxPages {
		l, err := c.ListResourceInstances(ctx, opts)
		if err != nil {
			return nil, err
		}
		all = append(all, l.Resources...)
		if opts.Start = StartOf(l.NextURL); opts.Start == "" {
			return all, nil
		}
	}
	return nil, api.Errorf(api.ErrInternal, "the listing did not end after %d pages", maxPages)
}

// StartOf returns the start token in a Resource Controller next_url, or ""
// when there is no next page.
func StartOf(nextURL *string) string {
	if nextURL == nil {
		return ""
	}
	u, err := url.Parse(*nextURL)
	if err != nil {
		return ""
	}
	return u.Query().Get("start")
}

// ResourceInstance returns an instance by GUID or CRN.
func (c *Client) ResourceInstance(ctx context.Context, id string) (*api.ResourceInstance, error) {
	var in api.ResourceInstance
	return &in, c.do(ctx, "GET", "/v2/resource_instances/"+url.PathEscape(id), nil, &in)
}

// UpdateResourceInstance renames an instance or replaces its parameters.
func (c *Client) UpdateResourceInstance(ctx context.Context, id string, req api.UpdateResourceInstanceRequest) (*api.ResourceInstance, error) {
	var in api.ResourceInstance
	return &in, c.do(ctx, "PATCH", "/v2/resource_instances/"+url.PathEscape(id), req, &in)
}

// DeleteResourceInstance deletes an instance: the server answers 202 and
// the instance, now pending reclamation; its secrets are destroyed when
// the reclamation window ends.
func (c *Client) DeleteResourceInstance(ctx context.Context, id string) (*api.ResourceInstance, error) {
	var in api.ResourceInstance
	return &in, c.do(ctx, "DELETE", "/v2/resource_instances/"+url.PathEscape(id), nil, &in)
}

// ListResourceGroupsOptions are the query parameters of ListResourceGroups.
// AccountID defaults to the caller's account; Default "true" or "false"
// keeps only the default group or the others.
type ListResourceGroupsOptions struct {
	AccountID, Name, Default string
}

// CreateResourceGroup creates a resource group.
func (c *Client) CreateResourceGroup(ctx context.Context, req api.CreateResourceGroupRequest) (*api.ResourceGroup, error) {
	var g api.ResourceGroup
	return &g, c.do(ctx, "POST", "/v2/resource_groups", req, &g)
}

// ListResourceGroups returns the resource groups matching opts.
func (c *Client) ListResourceGroups(ctx context.Context, opts ListResourceGroupsOptions) (*api.ResourceGroupList, error) {
	var l api.ResourceGroupList
	q := encodeQuery(url.Values{"account_id": {opts.AccountID}, "name": {opts.Name}, "default": {opts.Default}})
	return &l, c.do(ctx, "GET", "/v2/resource_groups"+q, nil, &l)
}

// ResourceGroup returns a resource group by id.
func (c *Client) ResourceGroup(ctx context.Context, id string) (*api.ResourceGroup, error) {
	var g api.ResourceGroup
	return &g, c.do(ctx, "GET", "/v2/resource_groups/"+url.PathEscape(id), nil, &g)
}

// UpdateResourceGroup renames a resource group.
func (c *Client) UpdateResourceGroup(ctx context.Context, id string, req api.UpdateResourceGroupRequest) (*api.ResourceGroup, error) {
	var g api.ResourceGroup
	return &g, c.do(ctx, "PATCH", "/v2/resource_groups/"+url.PathEscape(id), req, &g)
}

// DeleteResourceGroup deletes an empty resource group (not the default one).
func (c *Client) DeleteResourceGroup(ctx context.Context, id string) error {
	return c.do(ctx, "DELETE", "/v2/resource_groups/"+url.PathEscape(id), nil, nil)
}
