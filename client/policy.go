package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/cofferhq/coffer/api"
)

// This file holds IBM's IAM Policy Management API (/v1/policies,
// /v2/policies, /v2/roles). Policies read or written carry their entity tag
// in ETag (from the ETag header); pass it back to Replace* and
// UpdatePolicyState ("" means "*"). Errors are *api.Error: api.ErrNotFound
// (code policy_not_found), api.ErrInvalid (code invalid_body) for a refused
// policy, api.ErrAlreadyExists (code policy_conflict_error) for a duplicate,
// api.ErrConflict for a stale entity tag.

// ListPoliciesOptions are the query parameters of a policy list.
// AccountID is required.
type ListPoliciesOptions struct {
	AccountID, IAMID, AccessGroupID string
	Type, ServiceType, ServiceName  string
	State, Sort, Format             string
	Limit                           int // 1-100; 0: the server's default (50)
	Start                           string
}

func (o ListPoliciesOptions) query() string {
	return encodeQuery(url.Values{"account_id": {o.AccountID}, "iam_id": {o.IAMID}, "access_group_id": {o.AccessGroupID},
		"type": {o.Type}, "service_type": {o.ServiceType}, "service_name": {o.ServiceName}, "state": {o.State},
		"sort": {o.Sort}, "format": {o.Format}, "limit": {itoa(o.Limit)}, "start": {o.Start}})
}

// doTag is doOpts that also returns the answer's ETag header.
func (c *Client) doTag(ctx context.Context, method, path string, in, out any, o reqOpts) (string, error) {
	var b []byte
	if in != nil {
		var err error
		if b, err = json.Marshal(in); err != nil {
			return "", err
		}
	}
	resp, raw, err := c.send(ctx, method, path, b, in != nil, o)
	if err == nil && resp.StatusCode == http.StatusUnauthorized && c.ts != nil && c.ts.invalidate() {
		resp, raw, err = c.send(ctx, method, path, b, in != nil, o)
	}
	if err != nil {
		return "", err
	}
	if resp.StatusCode >= 300 {
		return "", decodeError(resp.StatusCode, raw)
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return "", fmt.Errorf("decoding the answer of %s %s: %w", method, path, err)
		}
	}
	return resp.Header.Get("ETag"), nil
}

// CreatePolicy creates a v1 policy.
func (c *Client) CreatePolicy(ctx context.Context, p api.Policy) (*api.Policy, error) {
	var out api.Policy
	tag, err := c.doTag(ctx, "POST", "/v1/policies", p, &out, reqOpts{})
	out.ETag = tag
	return &out, err
}

// Policy returns policy id as a v1 policy.
func (c *Client) Policy(ctx context.Context, id string) (*api.Policy, error) {
	var out api.Policy
	tag, err := c.doTag(ctx, "GET", "/v1/policies/"+url.PathEscape(id), nil, &out, reqOpts{})
	out.ETag = tag
	return &out, err
}

// ListPolicies returns one page of v1 policies; see AllPolicies.
func (c *Client) ListPolicies(ctx context.Context, opts ListPoliciesOptions) (*api.PolicyList, error) {
	var l api.PolicyList
	return &l, c.do(ctx, "GET", "/v1/policies"+opts.query(), nil, &l)
}

// AllPolicies returns every v1 policy matching opts, following next.
func (c *Client) AllPolicies(ctx context.Context, opts ListPoliciesOptions) ([]api.Policy, error) {
	return pageAll(func(start string) ([]api.Policy, string, error) {
		opts.Start = start
		l, err := c.ListPolicies(ctx, opts)
		if err != nil || l.Next == nil {
			return l.Policies, "", err
		}
		return l.Policies, l.Next.Start, nil
	})
}

// ReplacePolicy replaces policy id with p if tag names its current version.
func (c *Client) ReplacePolicy(ctx context.Context, id, tag string, p api.Policy) (*api.Policy, error) {
	var out api.Policy
	tag, err := c.doTag(ctx, "PUT", "/v1/policies/"+url.PathEscape(id), p, &out, ifMatch(tag))
	out.ETag = tag
	return &out, err
}

// UpdatePolicyState sets policy id's state: "deleted" or "active".
func (c *Client) UpdatePolicyState(ctx context.Context, id, tag, state string) (*api.Policy, error) {
	var out api.Policy
	tag, err := c.doTag(ctx, "PATCH", "/v1/policies/"+url.PathEscape(id), api.UpdatePolicyStateRequest{State: state}, &out, ifMatch(tag))
	out.ETag = tag
	return &out, err
}

// DeletePolicy deletes policy id (of either API version).
func (c *Client) DeletePolicy(ctx context.Context, id string) error {
	return c.do(ctx, "DELETE", "/v1/policies/"+url.PathEscape(id), nil, nil)
}

// CreateV2Policy creates a v2 policy.
func (c *Client) CreateV2Policy(ctx context.Context, p api.V2Policy) (*api.V2Policy, error) {
	var out api.V2Policy
	tag, err := c.doTag(ctx, "POST", "/v2/policies", p, &out, reqOpts{})
	out.ETag = tag
	return &out, err
}

// V2Policy returns policy id as a v2 policy; format "display" adds role
// names and actions.
func (c *Client) V2Policy(ctx context.Context, id, format string) (*api.V2Policy, error) {
	var out api.V2Policy
	tag, err := c.doTag(ctx, "GET", "/v2/policies/"+url.PathEscape(id)+encodeQuery(url.Values{"format": {format}}), nil, &out, reqOpts{})
	out.ETag = tag
	return &out, err
}

// ListV2Policies returns one page of v2 policies.
func (c *Client) ListV2Policies(ctx context.Context, opts ListPoliciesOptions) (*api.V2PolicyList, error) {
	var l api.V2PolicyList
	return &l, c.do(ctx, "GET", "/v2/policies"+opts.query(), nil, &l)
}

// ReplaceV2Policy replaces policy id with p if tag names its current version.
func (c *Client) ReplaceV2Policy(ctx context.Context, id, tag string, p api.V2Policy) (*api.V2Policy, error) {
	var out api.V2Policy
	tag, err := c.doTag(ctx, "PUT", "/v2/policies/"+url.PathEscape(id), p, &out, ifMatch(tag))
	out.ETag = tag
	return &out, err
}

// ListRolesOptions are the query parameters of ListRoles.
type ListRolesOptions struct {
	AccountID, ServiceName, SourceServiceName, PolicyType string
}

// ListRoles lists the system and service roles of a service (all system
// roles when ServiceName is "").
func (c *Client) ListRoles(ctx context.Context, opts ListRolesOptions) (*api.RoleList, error) {
	var l api.RoleList
	q := encodeQuery(url.Values{"account_id": {opts.AccountID}, "service_name": {opts.ServiceName},
		"source_service_name": {opts.SourceServiceName}, "policy_type": {opts.PolicyType}})
	return &l, c.do(ctx, "GET", "/v2/roles"+q, nil, &l)
}

// RoleID resolves a role name ("Reader", "SecretsReader", any case) or id
// for a service ("" for the system roles) through ListRoles. Errors:
// api.ErrInvalid naming the valid roles.
func (c *Client) RoleID(ctx context.Context, accountID, service, name string) (string, error) {
	l, err := c.ListRoles(ctx, ListRolesOptions{AccountID: accountID, ServiceName: service})
	if err != nil {
		return "", err
	}
	var names []string
	for _, r := range append(l.SystemRoles, l.ServiceRoles...) {
		if strings.EqualFold(r.DisplayName, name) || r.CRN == name {
			return r.CRN, nil
		}
		names = append(names, r.DisplayName)
	}
	where := "a system role"
	if service != "" {
		where = "a role of " + service
	}
	return "", api.Errorf(api.ErrInvalid, "%q is not %s; valid roles: %s", name, where, strings.Join(names, ", "))
}

// ResolveInstanceName returns the GUID of the resource instance named name
// (GET /v2/resource_instances?name=). Errors: api.ErrNotFound for no such
// instance, api.ErrInvalid when several have the name.
func (c *Client) ResolveInstanceName(ctx context.Context, name string) (string, error) {
	return c.resolveRCName(ctx, "/v2/resource_instances", "service instance", name)
}

// ResolveResourceGroupName returns the id of the resource group named name
// (GET /v2/resource_groups?name=); errors as ResolveInstanceName.
func (c *Client) ResolveResourceGroupName(ctx context.Context, accountID, name string) (string, error) {
	return c.resolveRCName(ctx, "/v2/resource_groups"+encodeQuery(url.Values{"account_id": {accountID}}), "resource group", name)
}

func (c *Client) resolveRCName(ctx context.Context, path, kind, name string) (string, error) {
	var l struct {
		Resources []struct {
			ID   string `json:"id"`
			GUID string `json:"guid"`
			Name string `json:"name"`
		} `json:"resources"`
	}
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	if err := c.do(ctx, "GET", path+sep+"name="+url.QueryEscape(name), nil, &l); err != nil {
		return "", err
	}
	var found []string
	for _, r := range l.Resources {
		if r.Name == name {
			found = append(found, cmpOr(r.GUID, r.ID))
		}
	}
	switch len(found) {
	case 0:
		return "", api.Errorf(api.ErrNotFound, "%s %q was not found", kind, name)
	case 1:
		return found[0], nil
	}
	return "", api.Errorf(api.ErrInvalid, "%d %ss are named %q (%s): give the ID instead", len(found), kind, name, strings.Join(found, ", "))
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
