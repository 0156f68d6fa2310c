package access

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/store"
)

// Access group limits (IBM's): names of 1–100 characters, descriptions up
// to 250, at most 50 members per add call; pages of at most 100.
const (
	maxGroupName       = 100
	maxGroupDesc       = 250
	maxMembersPerAdd   = 50
	defaultGroupsLimit = 100
)

// GroupQuery is the query of a group or member list: limit and offset
// paging, and for groups the account (default: the caller's) and an
// optional member iam_id whose groups to list.
type GroupQuery struct {
	AccountID string
	IAMID     string
	Limit     int
	Offset    int
	URL       *url.URL // the request's absolute URL, for the links
}

// ParseGroupQuery reads a group or member list query from u. Errors:
// api.ErrInvalid for a bad limit or offset.
func ParseGroupQuery(u *url.URL) (GroupQuery, error) {
	v := u.Query()
	q := GroupQuery{AccountID: v.Get("account_id"), IAMID: v.Get("iam_id"), URL: u}
	for _, f := range []struct {
		name string
		dst  *int
		min  int
	}{{"limit", &q.Limit, 1}, {"offset", &q.Offset, 0}} {
		if s := v.Get(f.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n < f.min || f.name == "limit" && n > defaultGroupsLimit {
				return q, api.Errorf(api.ErrInvalid, "%s must be a number from %d (limit: to %d)", f.name, f.min, defaultGroupsLimit)
			}
			*f.dst = n
		}
	}
	return q, nil
}

func (s *Service) groupView(g *store.AccessGroup) *api.AccessGroup {
	return &api.AccessGroup{ID: g.ID, Name: g.Name, Description: g.Description, AccountID: g.AccountID,
		CreatedAt: policyTime(g.CreatedAt), CreatedByID: g.CreatedByID, LastModifiedAt: policyTime(g.UpdatedAt),
		LastModifiedByID: g.LastModifiedByID, Href: s.url + "/v2/groups/" + g.ID, ETag: strconv.FormatInt(g.Revision, 10)}
}

func errGroupNotFound(id string) error {
	return api.Errorf(api.ErrNotFound, "Access group %s not found.", id).WithCode(api.CodeAccessGroupNotFound)
}

func checkGroupFields(name, desc string) error {
	if n := utf8.RuneCountInString(strings.TrimSpace(name)); n < 1 || n > maxGroupName {
		return api.Errorf(api.ErrInvalid, "name must be 1–%d characters", maxGroupName)
	}
	if utf8.RuneCountInString(desc) > maxGroupDesc {
		return api.Errorf(api.ErrInvalid, "description must be at most %d characters", maxGroupDesc)
	}
	return nil
}

func nameTaken(err error, name string) error {
	if errors.Is(err, store.ErrAlreadyExists) {
		return api.Errorf(api.ErrAlreadyExists, "An access group named %q already exists in the account.", name).
			WithCode(api.CodeAccessGroupNameExists)
	}
	return err
}

// CreateAccessGroup creates an access group in accountID (or the caller's
// account) (iam-groups.group.create). Errors: api.ErrInvalid (name),
// api.ErrAlreadyExists (name taken in the account) and the gate's.
func (s *Service) CreateAccessGroup(ctx context.Context, cred authz.Credential, accountID string, req api.CreateAccessGroupRequest) (*api.AccessGroup, error) {
	p, err := s.authorize(ctx, cred, ActionGroupCreate, accountID)
	if err != nil {
		return nil, err
	}
	if err := checkGroupFields(req.Name, req.Description); err != nil {
		return nil, err
	}
	g := &store.AccessGroup{ID: newGroupID(), AccountID: or(accountID, p.AccountID), Name: strings.TrimSpace(req.Name),
		Description: req.Description, CreatedByID: p.IAMID, LastModifiedByID: p.IAMID}
	if err := s.st.CreateAccessGroup(ctx, g); err != nil {
		return nil, nameTaken(err, g.Name)
	}
	return s.groupView(g), nil
}

// group is the gate of an operation on access group id.
func (s *Service) group(ctx context.Context, cred authz.Credential, action, id string) (*authz.Principal, *store.AccessGroup, error) {
	p, err := s.gate.Authenticate(ctx, cred)
	if err != nil {
		return nil, nil, err
	}
	var g *store.AccessGroup
	err = s.authorizeObject(ctx, p, action, errGroupNotFound(id), func() (string, error) {
		var err error
		if g, err = s.st.AccessGroup(ctx, id); err != nil {
			return "", err
		}
		return g.AccountID, nil
	})
	return p, g, err
}

// AccessGroup returns access group id (iam-groups.group.read); a group of
// an account the caller may not read answers api.ErrNotFound like a
// missing one.
func (s *Service) AccessGroup(ctx context.Context, cred authz.Credential, id string) (*api.AccessGroup, error) {
	_, g, err := s.group(ctx, cred, ActionGroupRead, id)
	if err != nil {
		return nil, err
	}
	return s.groupView(g), nil
}

// ListAccessGroups returns a page of the account's access groups
// (iam-groups.group.list), only those q.IAMID is a member of when set.
func (s *Service) ListAccessGroups(ctx context.Context, cred authz.Credential, q GroupQuery) (*api.AccessGroupList, error) {
	p, err := s.authorize(ctx, cred, ActionGroupList, q.AccountID)
	if err != nil {
		return nil, err
	}
	acct := or(q.AccountID, p.AccountID)
	var all []*store.AccessGroup
	opts := store.ListOptions{Limit: 1000}
	for {
		items, next, err := s.st.ListAccessGroups(ctx, acct, "", opts)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if opts.PageToken = next; next == "" {
			break
		}
	}
	if q.IAMID != "" {
		mine, err := s.st.AccessGroupsOf(ctx, acct, q.IAMID)
		if err != nil {
			return nil, err
		}
		all = keep(all, func(g *store.AccessGroup) bool { return contains(mine, g.ID) })
	}
	out := &api.AccessGroupList{Groups: []api.AccessGroup{}, TotalCount: len(all)}
	var lo, hi int
	out.Limit, out.Offset, lo, hi, out.First, out.Previous, out.Next, out.Last = offsetPage(q, len(all))
	for _, g := range all[lo:hi] {
		out.Groups = append(out.Groups, *s.groupView(g))
	}
	return out, nil
}

// UpdateAccessGroup changes the name and description req sets
// (iam-groups.group.update). ifMatch (required) is the group's ETag or "*".
// Errors: api.ErrInvalid, api.ErrConflict (stale ETag),
// api.ErrAlreadyExists (name taken), api.ErrNotFound.
func (s *Service) UpdateAccessGroup(ctx context.Context, cred authz.Credential, id, ifMatch string, req api.UpdateAccessGroupRequest) (*api.AccessGroup, error) {
	p, g, err := s.group(ctx, cred, ActionGroupUpdate, id)
	if err != nil {
		return nil, err
	}
	err = store.RetryAnyVersion(ifMatch, func() error {
		if err := checkIfMatch(ifMatch, strconv.FormatInt(g.Revision, 10)); err != nil {
			return err
		}
		if req.Name != nil {
			g.Name = strings.TrimSpace(*req.Name)
		}
		if req.Description != nil {
			g.Description = *req.Description
		}
		if err := checkGroupFields(g.Name, g.Description); err != nil {
			return err
		}
		g.LastModifiedByID = p.IAMID
		if err := s.st.UpdateAccessGroup(ctx, g); err != nil {
			return nameTaken(err, g.Name)
		}
		return nil
	}, func() (err error) { g, err = s.st.AccessGroup(ctx, id); return err })
	if err != nil {
		return nil, err
	}
	return s.groupView(g), nil
}

// DeleteAccessGroup deletes access group id with its policies
// (iam-groups.group.delete). A group with members is deleted only with
// force, and then its members go too. Errors: api.ErrFailedPrecondition
// (members without force), api.ErrNotFound and the gate's.
func (s *Service) DeleteAccessGroup(ctx context.Context, cred authz.Credential, id string, force bool) error {
	_, g, err := s.group(ctx, cred, ActionGroupDelete, id)
	if err != nil {
		return err
	}
	err = s.st.Update(ctx, func(tx *store.Tx) error {
		members, err := tx.ListAccessGroupMembers(ctx, id)
		if err != nil {
			return err
		}
		if len(members) > 0 && !force {
			return api.Errorf(api.ErrFailedPrecondition, "access group %s has %d members: remove them first or delete with force=true", id, len(members))
		}
		if _, err := tx.DeletePoliciesOfGroup(ctx, g.AccountID, id); err != nil {
			return err
		}
		return tx.DeleteAccessGroup(ctx, id)
	})
	if errors.Is(err, store.ErrNotFound) {
		return errGroupNotFound(id)
	}
	if err != nil {
		return err
	}
	s.invalidate(ctx)
	return nil
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func keep[T any](in []T, f func(T) bool) []T {
	var out []T
	for _, v := range in {
		if f(v) {
			out = append(out, v)
		}
	}
	return out
}

func contains(l []string, s string) bool {
	for _, v := range l {
		if v == s {
			return true
		}
	}
	return false
}
