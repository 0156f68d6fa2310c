package resource

import (
	"context"
	"errors"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/store"
)

// ListGroups reads an account's groups in pages of groupPage, at most
// maxGroups of them.
const (
	groupPage = 1000
	maxGroups = 10000
)

// groupResource returns the attributes the gate sees of a resource group.
func groupResource(accountID, id string) authz.Resource {
	return authz.Resource{AccountID: accountID, ResourceType: "resource-group", ID: id, ResourceGroupID: id,
		CRN: GroupCRN(accountID, id)}
}

// CreateGroup creates a resource group in req.AccountID, by default the
// caller's account (resource-controller.group.create). Errors:
// api.ErrUnauthenticated, api.ErrPermissionDenied, api.ErrInvalid (bad
// name), api.ErrAlreadyExists (the account has a group of that name).
func (s *Service) CreateGroup(ctx context.Context, cred authz.Credential, req api.CreateResourceGroupRequest) (*api.ResourceGroup, error) {
	p, err := s.gate.Authenticate(ctx, cred)
	if err != nil {
		return nil, err
	}
	acct := req.AccountID
	if acct == "" {
		acct = p.AccountID
	}
	if err := s.gate.Authorize(ctx, p, ActionGroupCreate, authz.Resource{AccountID: acct, ResourceType: "resource-group"}); err != nil {
		return nil, err
	}
	if err := checkGroupName(req.Name); err != nil {
		return nil, err
	}
	if _, err := s.EnsureDefaultGroup(ctx, acct); err != nil {
		return nil, err
	}
	g := &store.ResourceGroup{ID: newGroupID(), AccountID: acct, Name: req.Name, State: api.ResourceGroupStateActive}
	err = s.st.CreateResourceGroup(ctx, g)
	if errors.Is(err, store.ErrAlreadyExists) {
		return nil, api.Errorf(api.ErrAlreadyExists, "a resource group named %q already exists in account %s", req.Name, acct)
	} else if err != nil {
		return nil, err
	}
	return groupView(g), nil
}

// GroupFilter holds the query parameters of GET /v2/resource_groups.
// AccountID defaults to the caller's account; Default, when set, keeps only
// the default group (true) or the others (false).
type GroupFilter struct {
	AccountID string
	Name      string
	Default   *bool
}

// ListGroups returns the groups of the account f names that match f and
// the caller may list (resource-controller.group.list, asked per group).
// Errors: api.ErrUnauthenticated.
func (s *Service) ListGroups(ctx context.Context, cred authz.Credential, f GroupFilter) (*api.ResourceGroupList, error) {
	p, err := s.gate.Authenticate(ctx, cred)
	if err != nil {
		return nil, err
	}
	acct := f.AccountID
	if acct == "" || acct == p.AccountID {
		acct = p.AccountID
		if _, err := s.EnsureDefaultGroup(ctx, acct); err != nil {
			return nil, err
		}
	}
	out := &api.ResourceGroupList{Resources: []api.ResourceGroup{}}
	opts := store.ListOptions{Limit: groupPage}
	for range maxGroups / groupPage {
		groups, next, err := s.st.ListResourceGroups(ctx, acct, opts)
		if err != nil {
			return nil, err
		}
		for _, g := range groups {
			if (f.Name == "" || g.Name == f.Name) && (f.Default == nil || *f.Default == g.IsDefault) &&
				s.gate.Allowed(ctx, p, ActionGroupList, groupResource(g.AccountID, g.ID)) {
				out.Resources = append(out.Resources, *groupView(g))
			}
		}
		if opts.PageToken = next; next == "" {
			break
		}
	}
	return out, nil
}

// groupFor authenticates the caller, finds the group and authorizes action
// on it; like instanceFor, a group the caller may not read is not found.
func (s *Service) groupFor(ctx context.Context, cred authz.Credential, action, id string) (*authz.Principal, *store.ResourceGroup, error) {
	p, err := s.gate.Authenticate(ctx, cred)
	if err != nil {
		return nil, nil, err
	}
	notFound := api.Errorf(api.ErrNotFound, "resource group %s not found", id)
	g, err := s.st.ResourceGroup(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, notFound
	} else if err != nil {
		return nil, nil, err
	}
	res := groupResource(g.AccountID, g.ID)
	err = s.gate.Authorize(ctx, p, action, res)
	if errors.Is(err, api.ErrPermissionDenied) && (action == ActionGroupRetrieve ||
		!s.gate.Allowed(ctx, p, ActionGroupRetrieve, res)) {
		return nil, nil, notFound
	}
	return p, g, err
}

// Group returns a resource group (resource-controller.group.retrieve).
// Errors: api.ErrUnauthenticated, api.ErrNotFound (also for a group the
// caller may not see).
func (s *Service) Group(ctx context.Context, cred authz.Credential, id string) (*api.ResourceGroup, error) {
	_, g, err := s.groupFor(ctx, cred, ActionGroupRetrieve, id)
	if err != nil {
		return nil, err
	}
	return groupView(g), nil
}

// UpdateGroup renames a resource group (resource-controller.group.update);
// State may only be "ACTIVE". Errors: api.ErrUnauthenticated,
// api.ErrNotFound, api.ErrPermissionDenied, api.ErrInvalid,
// api.ErrAlreadyExists (name taken), api.ErrConflict (a concurrent change).
func (s *Service) UpdateGroup(ctx context.Context, cred authz.Credential, id string, req api.UpdateResourceGroupRequest) (*api.ResourceGroup, error) {
	_, g, err := s.groupFor(ctx, cred, ActionGroupUpdate, id)
	if err != nil {
		return nil, err
	}
	if req.State != nil && *req.State != api.ResourceGroupStateActive {
		return nil, api.Errorf(api.ErrInvalid, "state %q: a resource group's state can only be %s", *req.State,
			api.ResourceGroupStateActive)
	}
	if req.Name != nil {
		if err := checkGroupName(*req.Name); err != nil {
			return nil, err
		}
		g.Name = *req.Name
	}
	err = s.st.UpdateResourceGroup(ctx, g)
	if errors.Is(err, store.ErrAlreadyExists) {
		return nil, api.Errorf(api.ErrAlreadyExists, "a resource group named %q already exists in account %s", g.Name, g.AccountID)
	} else if err != nil {
		return nil, err
	}
	return groupView(g), nil
}

// DeleteGroup deletes an empty resource group other than the default one
// (resource-controller.group.delete). Errors: api.ErrUnauthenticated,
// api.ErrNotFound, api.ErrPermissionDenied, api.ErrFailedPrecondition (the
// default group, or a group that still holds instances, including deleted
// ones not yet reclaimed).
func (s *Service) DeleteGroup(ctx context.Context, cred authz.Credential, id string) error {
	_, g, err := s.groupFor(ctx, cred, ActionGroupDelete, id)
	if err != nil {
		return err
	}
	if g.IsDefault {
		return api.Errorf(api.ErrFailedPrecondition, "resource group %s is the account's default group: it cannot be deleted", id)
	}
	err = s.st.DeleteResourceGroup(ctx, id)
	if errors.Is(err, api.ErrFailedPrecondition) {
		return api.Errorf(api.ErrFailedPrecondition, "resource group %s still holds instances: delete them first", id)
	}
	return err
}
