package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/cofferhq/coffer/api"
)

// This file holds IBM's IAM Access Groups API v2 (/v2/groups and members).
// Groups read or written carry their entity tag (a revision number) in
// ETag; pass it to UpdateAccessGroup ("" means "*"). Errors are *api.Error:
// api.ErrNotFound for an unknown group or member, api.ErrAlreadyExists for a
// taken name, api.ErrFailedPrecondition for deleting a group with members
// without force.

// ListAccessGroupsOptions are the query parameters of ListAccessGroups.
type ListAccessGroupsOptions struct {
	AccountID string // "": the caller's account
	IAMID     string // only the groups this iam_id is a member of
	Limit     int    // 1-100; 0: 100
	Offset    int
}

func groupPath(id string, more ...string) string {
	p := "/v2/groups/" + url.PathEscape(id)
	for _, m := range more {
		p += "/" + url.PathEscape(m)
	}
	return p
}

// CreateAccessGroup creates an access group in accountID ("" for the
// caller's account).
func (c *Client) CreateAccessGroup(ctx context.Context, accountID string, req api.CreateAccessGroupRequest) (*api.AccessGroup, error) {
	var g api.AccessGroup
	tag, err := c.doTag(ctx, "POST", "/v2/groups"+encodeQuery(url.Values{"account_id": {accountID}}), req, &g, reqOpts{})
	g.ETag = tag
	return &g, err
}

// AccessGroup returns access group id.
func (c *Client) AccessGroup(ctx context.Context, id string) (*api.AccessGroup, error) {
	var g api.AccessGroup
	tag, err := c.doTag(ctx, "GET", groupPath(id), nil, &g, reqOpts{})
	g.ETag = tag
	return &g, err
}

// ListAccessGroups returns one page of access groups; see AllAccessGroups.
func (c *Client) ListAccessGroups(ctx context.Context, opts ListAccessGroupsOptions) (*api.AccessGroupList, error) {
	var l api.AccessGroupList
	q := encodeQuery(url.Values{"account_id": {opts.AccountID}, "iam_id": {opts.IAMID}, "limit": {itoa(opts.Limit)},
		"offset": {itoa(opts.Offset)}})
	return &l, c.do(ctx, "GET", "/v2/groups"+q, nil, &l)
}

// AllAccessGroups returns every access group matching opts.
func (c *Client) AllAccessGroups(ctx context.Context, opts ListAccessGroupsOptions) ([]api.AccessGroup, error) {
	var all []api.AccessGroup
	for range maxPages {
		l, err := c.ListAccessGroups(ctx, opts)
		if err != nil {
			return nil, err
		}
		all = append(all, l.Groups...)
		if l.Next == nil || len(l.Groups) == 0 {
			return all, nil
		}
		opts.Offset += len(l.Groups)
	}
	return nil, api.Errorf(api.ErrInternal, "the listing did not end after %d pages", maxPages)
}

// UpdateAccessGroup changes the name or description of group id if tag
// names its current revision.
func (c *Client) UpdateAccessGroup(ctx context.Context, id, tag string, req api.UpdateAccessGroupRequest) (*api.AccessGroup, error) {
	var g api.AccessGroup
	tag, err := c.doTag(ctx, "PATCH", groupPath(id), req, &g, ifMatch(tag))
	g.ETag = tag
	return &g, err
}

// DeleteAccessGroup deletes group id with its policies; force also removes
// its members (without it, a group with members is not deleted).
func (c *Client) DeleteAccessGroup(ctx context.Context, id string, force bool) error {
	return c.do(ctx, "DELETE", groupPath(id)+encodeQuery(url.Values{"force": {btoa(force)}}), nil, nil)
}

// AddGroupMembers adds members to group id; each has its own outcome in
// the answer (status_code 200 or an error).
func (c *Client) AddGroupMembers(ctx context.Context, id string, members ...api.AddGroupMember) (*api.AddGroupMembersResponse, error) {
	var out api.AddGroupMembersResponse
	return &out, c.do(ctx, "PUT", groupPath(id, "members"), api.AddGroupMembersRequest{Members: members}, &out)
}

// GroupMembers returns every member of group id.
func (c *Client) GroupMembers(ctx context.Context, id string) ([]api.GroupMember, error) {
	var all []api.GroupMember
	offset := 0
	for range maxPages {
		var l api.GroupMemberList
		q := encodeQuery(url.Values{"offset": {itoa(offset)}})
		if err := c.do(ctx, "GET", groupPath(id, "members")+q, nil, &l); err != nil {
			return nil, err
		}
		all = append(all, l.Members...)
		if l.Next == nil || len(l.Members) == 0 {
			return all, nil
		}
		offset += len(l.Members)
	}
	return nil, api.Errorf(api.ErrInternal, "the listing did not end after %d pages", maxPages)
}

// IsGroupMember reports whether iamID is a member of group id; a missing
// group also answers false.
func (c *Client) IsGroupMember(ctx context.Context, id, iamID string) (bool, error) {
	resp, _, err := c.send(ctx, "HEAD", groupPath(id, "members", iamID), nil, false, reqOpts{})
	if err != nil {
		return false, err
	}
	switch resp.StatusCode {
	case http.StatusNoContent, http.StatusOK:
		return true, nil
	case http.StatusNotFound:
		return false, nil
	}
	return false, decodeError(resp.StatusCode, nil)
}

// RemoveGroupMember removes iamID from group id.
func (c *Client) RemoveGroupMember(ctx context.Context, id, iamID string) error {
	return c.do(ctx, "DELETE", groupPath(id, "members", iamID), nil, nil)
}
