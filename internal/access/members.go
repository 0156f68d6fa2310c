package access

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/store"
)

// memberType returns the member type an iam_id has: service for service
// IDs, profile for trusted profiles, user for the rest.
func memberType(iamID string) string {
	switch {
	case strings.HasPrefix(iamID, "iam-ServiceId-"):
		return api.MemberTypeService
	case strings.HasPrefix(iamID, "iam-Profile-"):
		return api.MemberTypeProfile
	}
	return api.MemberTypeUser
}

// AddGroupMembers adds users, service IDs and trusted profiles of the
// group's account to access group id (iam-groups.member.add). Each member
// has its own outcome in the answer: status_code 200 when it is now a
// member (also when it was already), 400 for a wrong type or an iam_id
// that is no identity of the account. Errors (for the whole call):
// api.ErrInvalid (no members, more than 50), api.ErrNotFound and the
// gate's.
func (s *Service) AddGroupMembers(ctx context.Context, cred authz.Credential, id string, req api.AddGroupMembersRequest) (*api.AddGroupMembersResponse, error) {
	p, g, err := s.group(ctx, cred, ActionMemberAdd, id)
	if err != nil {
		return nil, err
	}
	if n := len(req.Members); n == 0 || n > maxMembersPerAdd {
		return nil, api.Errorf(api.ErrInvalid, "members must list 1–%d members, not %d", maxMembersPerAdd, n)
	}
	out := &api.AddGroupMembersResponse{Members: []api.AddGroupMemberResult{}}
	changed := false
	for _, m := range req.Members {
		res := api.AddGroupMemberResult{IAMID: m.IAMID, Type: m.Type, StatusCode: http.StatusOK}
		if msg, err := s.checkMember(ctx, g.AccountID, m); err != nil {
			return nil, err
		} else if msg != "" {
			res.StatusCode, res.Errors = http.StatusBadRequest, []api.GroupItemError{{Code: "invalid_member", Message: msg}}
			out.Members = append(out.Members, res)
			continue
		}
		row := &store.GroupMember{GroupID: id, IAMID: m.IAMID, Type: m.Type, CreatedByID: p.IAMID}
		added, err := s.st.AddAccessGroupMember(ctx, row)
		if err != nil {
			return nil, err
		}
		changed = changed || added
		if !added {
			if row, err = s.st.AccessGroupMember(ctx, id, m.IAMID); err != nil {
				return nil, err
			}
		}
		res.Href, res.CreatedAt, res.CreatedByID = s.memberHref(id, m.IAMID), policyTime(row.CreatedAt), row.CreatedByID
		out.Members = append(out.Members, res)
	}
	if changed {
		s.invalidate(ctx)
	}
	return out, nil
}

// checkMember returns why m cannot join a group of the account, or "".
func (s *Service) checkMember(ctx context.Context, accountID string, m api.AddGroupMember) (string, error) {
	switch m.Type {
	case api.MemberTypeUser, api.MemberTypeService, api.MemberTypeProfile:
	default:
		return "type must be user, service or profile", nil
	}
	if want := memberType(m.IAMID); want != m.Type {
		return "iam_id " + m.IAMID + " is of type " + want + ", not " + m.Type, nil
	}
	ok, err := s.isIdentityOf(ctx, accountID, m.IAMID)
	if err != nil || ok {
		return "", err
	}
	return "iam_id " + m.IAMID + " is not a " + m.Type + " of account " + accountID, nil
}

func (s *Service) memberHref(groupID, iamID string) string {
	return s.url + "/v2/groups/" + groupID + "/members/" + url.PathEscape(iamID)
}

// ListGroupMembers returns a page of the members of access group id
// (iam-groups.member.list), in the order they were added.
func (s *Service) ListGroupMembers(ctx context.Context, cred authz.Credential, id string, q GroupQuery) (*api.GroupMemberList, error) {
	_, _, err := s.group(ctx, cred, ActionMemberList, id)
	if err != nil {
		return nil, err
	}
	all, err := s.st.ListAccessGroupMembers(ctx, id)
	if err != nil {
		return nil, err
	}
	out := &api.GroupMemberList{Members: []api.GroupMember{}, TotalCount: len(all)}
	var lo, hi int
	out.Limit, out.Offset, lo, hi, out.First, out.Previous, out.Next, out.Last = offsetPage(q, len(all))
	for _, m := range all[lo:hi] {
		out.Members = append(out.Members, api.GroupMember{IAMID: m.IAMID, Type: m.Type, MembershipType: "static",
			Href: s.memberHref(id, m.IAMID), CreatedAt: policyTime(m.CreatedAt), CreatedByID: m.CreatedByID})
	}
	return out, nil
}

// IsGroupMember answers nil when iamID is a member of access group id
// (iam-groups.member.list), api.ErrNotFound when it is not or the group
// does not exist.
func (s *Service) IsGroupMember(ctx context.Context, cred authz.Credential, id, iamID string) error {
	if _, _, err := s.group(ctx, cred, ActionMemberList, id); err != nil {
		return err
	}
	_, err := s.st.AccessGroupMember(ctx, id, iamID)
	if errors.Is(err, store.ErrNotFound) {
		return api.Errorf(api.ErrNotFound, "%s is not a member of access group %s", iamID, id).WithCode(api.CodeAccessGroupNotFound)
	}
	return err
}

// RemoveGroupMember removes iamID from access group id
// (iam-groups.member.remove). Errors: api.ErrNotFound (no such group or
// member) and the gate's.
func (s *Service) RemoveGroupMember(ctx context.Context, cred authz.Credential, id, iamID string) error {
	if _, _, err := s.group(ctx, cred, ActionMemberRemove, id); err != nil {
		return err
	}
	err := s.st.DeleteAccessGroupMember(ctx, id, iamID)
	if errors.Is(err, store.ErrNotFound) {
		return api.Errorf(api.ErrNotFound, "%s is not a member of access group %s", iamID, id).WithCode(api.CodeAccessGroupNotFound)
	}
	if err != nil {
		return err
	}
	s.invalidate(ctx)
	return nil
}

// offsetPage computes the bounds and links of an offset-paged list.
func offsetPage(q GroupQuery, total int) (limit, offset, lo, hi int, first, prev, next, last *api.HrefLink) {
	limit = q.Limit
	if limit <= 0 {
		limit = defaultGroupsLimit
	}
	offset = min(q.Offset, total)
	lo, hi = offset, min(offset+limit, total)
	link := func(at int) *api.HrefLink {
		if q.URL == nil {
			return nil
		}
		u := *q.URL
		v := u.Query()
		v.Set("offset", strconv.Itoa(at))
		v.Set("limit", strconv.Itoa(limit))
		u.RawQuery = v.Encode()
		return &api.HrefLink{Href: u.String()}
	}
	first, last = link(0), link(max(0, (total-1)/limit*limit))
	if offset > 0 {
		prev = link(max(0, offset-limit))
	}
	if hi < total {
		next = link(hi)
	}
	return
}
