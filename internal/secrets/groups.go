package secrets

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/secrets/secrettype"
	"github.com/cofferhq/coffer/internal/store"
)

func groupView(g *store.SecretGroup) api.SecretGroup {
	return api.SecretGroup{ID: g.ID, Name: g.Name, Description: g.Description, CreatedBy: g.CreatedBy,
		CreatedAt: api.NewSecretsTime(g.CreatedAt), UpdatedAt: api.NewSecretsTime(g.UpdatedAt)}
}

// defaultGroupView is the implicit default group, dated with the instance.
func defaultGroupView(in *store.Instance) api.SecretGroup {
	return api.SecretGroup{ID: DefaultGroup, Name: DefaultGroup, Description: "The default secret group.",
		CreatedBy: "system", CreatedAt: api.NewSecretsTime(in.CreatedAt), UpdatedAt: api.NewSecretsTime(in.CreatedAt)}
}

func errGroupNotFound(id string) error {
	return api.Errorf(api.ErrNotFound, "secret group %s not found", id)
}

func validateGroup(name string, description *string) error {
	if err := secrettype.ValidateName(name); err != nil {
		return err
	}
	if description != nil {
		return secrettype.ValidateDescription(*description)
	}
	return nil
}

// CreateSecretGroup creates a group (secrets-manager.secret-group.create).
// Errors: api.ErrInvalid (name), api.ErrAlreadyExists (name taken, or
// "default").
func (s *Service) CreateSecretGroup(ctx context.Context, cred authz.Credential, instance string, p api.SecretGroupPrototype) (*api.SecretGroup, error) {
	c, err := s.begin(ctx, cred, instance)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, actGroupCreate); err != nil {
		return nil, err
	}
	if err := validateGroup(p.Name, &p.Description); err != nil {
		return nil, err
	}
	if p.Name == DefaultGroup {
		return nil, api.Errorf(api.ErrAlreadyExists, "secret group %q already exists", p.Name)
	}
	g := &store.SecretGroup{InstanceGUID: c.in.GUID, ID: uuid.NewString(), Name: p.Name, Description: p.Description,
		CreatedBy: c.p.IAMID}
	if err := s.st.CreateSecretGroup(ctx, g); err != nil {
		return nil, storeErr(err, "secret group named "+p.Name)
	}
	v := groupView(g)
	return &v, nil
}

// ListSecretGroups returns the instance's groups, the default one first
// (secrets-manager.secret-groups.list), keeping only those the caller may
// read.
func (s *Service) ListSecretGroups(ctx context.Context, cred authz.Credential, instance string) (*api.SecretGroupList, error) {
	c, err := s.begin(ctx, cred, instance)
	if err != nil {
		return nil, err
	}
	if err := s.authorize(ctx, c, actGroupsList); err != nil {
		return nil, err
	}
	rows, err := s.st.SecretGroups(ctx, c.in.GUID)
	if err != nil {
		return nil, err
	}
	out := &api.SecretGroupList{SecretGroups: api.List[api.SecretGroup]{}}
	if s.gate.Allowed(ctx, c.p, actGroupRead, c.groupRes(DefaultGroup, "")) {
		out.SecretGroups = append(out.SecretGroups, defaultGroupView(c.in))
	}
	for _, g := range rows {
		if s.gate.Allowed(ctx, c.p, actGroupRead, c.groupRes(g.ID, "")) {
			out.SecretGroups = append(out.SecretGroups, groupView(g))
		}
	}
	out.TotalCount = int64(len(out.SecretGroups))
	return out, nil
}

// groupFor authenticates, authorizes action on group id and returns it.
func (s *Service) groupFor(ctx context.Context, cred authz.Credential, instance, id, action string) (*call, *store.SecretGroup, error) {
	c, err := s.begin(ctx, cred, instance)
	if err != nil {
		return nil, nil, err
	}
	res := c.groupRes(id, c.crn("secret-group", id))
	if err := s.authorizeObject(ctx, c, action, res, actGroupRead, errGroupNotFound(id)); err != nil {
		return nil, nil, err
	}
	if id == DefaultGroup {
		return c, nil, nil
	}
	g, err := s.st.SecretGroup(ctx, c.in.GUID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, errGroupNotFound(id)
	}
	return c, g, err
}

// SecretGroup returns group id (secrets-manager.secret-group.read). Errors:
// api.ErrNotFound.
func (s *Service) SecretGroup(ctx context.Context, cred authz.Credential, instance, id string) (*api.SecretGroup, error) {
	c, g, err := s.groupFor(ctx, cred, instance, id, actGroupRead)
	if err != nil {
		return nil, err
	}
	v := defaultGroupView(c.in)
	if g != nil {
		v = groupView(g)
	}
	return &v, nil
}

// UpdateSecretGroup changes a group's name or description
// (secrets-manager.secret-group.update). Errors: api.ErrNotFound,
// api.ErrInvalid (also for the default group, which cannot change),
// api.ErrAlreadyExists, api.ErrConflict.
func (s *Service) UpdateSecretGroup(ctx context.Context, cred authz.Credential, instance, id string, p api.SecretGroupPatch) (*api.SecretGroup, error) {
	c, g, err := s.groupFor(ctx, cred, instance, id, actGroupUpdate)
	if err != nil {
		return nil, err
	}
	if g == nil {
		return nil, api.Errorf(api.ErrInvalid, "the default secret group cannot be changed")
	}
	// The patch names no revision: when another change of the group
	// commits first, it applies again to the group as it is then.
	err = store.RetryConflict(store.ConflictAttempts, func() error {
		if p.Name != nil {
			g.Name = *p.Name
		}
		if p.Description != nil {
			g.Description = *p.Description
		}
		if err := validateGroup(g.Name, &g.Description); err != nil {
			return err
		}
		if g.Name == DefaultGroup {
			return api.Errorf(api.ErrAlreadyExists, "secret group %q already exists", g.Name)
		}
		return s.st.UpdateSecretGroup(ctx, g)
	}, func() (err error) { g, err = s.st.SecretGroup(ctx, c.in.GUID, id); return err })
	if err != nil {
		return nil, storeErr(err, "secret group "+id)
	}
	v := groupView(g)
	return &v, nil
}

// DeleteSecretGroup deletes an empty group (secrets-manager.secret-group.delete).
// Errors: api.ErrNotFound, api.ErrFailedPrecondition (the group holds
// secrets), api.ErrInvalid (the default group).
func (s *Service) DeleteSecretGroup(ctx context.Context, cred authz.Credential, instance, id string) error {
	c, g, err := s.groupFor(ctx, cred, instance, id, actGroupDelete)
	if err != nil {
		return err
	}
	if g == nil {
		return api.Errorf(api.ErrInvalid, "the default secret group cannot be deleted")
	}
	n, err := s.st.CountSecretsInGroup(ctx, c.in.GUID, id)
	if err != nil {
		return err
	}
	if n > 0 {
		return api.Errorf(api.ErrFailedPrecondition, "secret group %s holds %d secrets: delete or move them first", id, n)
	}
	return storeErr(s.st.DeleteSecretGroup(ctx, c.in.GUID, id), "secret group "+id)
}
