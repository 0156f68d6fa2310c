package resource

import (
	"context"
	"errors"

	"github.com/google/uuid"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/store"
)

// instanceResource returns the attributes the gate sees of an instance.
func instanceResource(in *store.Instance) authz.Resource {
	return authz.Resource{AccountID: in.AccountID, ServiceName: api.SecretsManagerService,
		ServiceInstance: in.GUID, Region: in.Region, ResourceGroupID: in.ResourceGroupID, CRN: InstanceCRN(in)}
}

// CreateInstance creates a Secrets Manager instance in the caller's
// account (resource-controller.instance.create on the account, region and
// resource group). Errors: api.ErrUnauthenticated, api.ErrPermissionDenied,
// api.ErrInvalid (bad name, region, plan, service, parameters, or a
// resource group that is not the account's), api.ErrAlreadyExists (an
// active instance of the account has the name).
func (s *Service) CreateInstance(ctx context.Context, cred authz.Credential, req api.CreateResourceInstanceRequest) (*api.ResourceInstance, error) {
	p, err := s.gate.Authenticate(ctx, cred)
	if err != nil {
		return nil, err
	}
	ri, err := newInstance(p, req)
	if err != nil {
		return nil, err
	}
	if ri.ResourceGroupID == "" {
		g, err := s.EnsureDefaultGroup(ctx, p.AccountID)
		if err != nil {
			return nil, err
		}
		ri.ResourceGroupID = g.ID
	}
	if err := s.gate.Authorize(ctx, p, ActionInstanceCreate, instanceResource(&ri.Instance)); err != nil {
		return nil, err
	}
	if g, err := s.st.ResourceGroup(ctx, ri.ResourceGroupID); errors.Is(err, store.ErrNotFound) || err == nil && g.AccountID != p.AccountID {
		return nil, api.Errorf(api.ErrInvalid, "resource group %q was not found in account %s", ri.ResourceGroupID, p.AccountID)
	} else if err != nil {
		return nil, err
	}
	err = s.st.CreateResourceInstance(ctx, ri)
	if errors.Is(err, store.ErrAlreadyExists) {
		return nil, api.Errorf(api.ErrAlreadyExists, "an instance named %q already exists in account %s", ri.Name, p.AccountID)
	} else if err != nil {
		return nil, err
	}
	s.forget(ri.GUID, ri.AccountID)
	s.log.InfoContext(ctx, "instance created", "instance", ri.GUID, "account_id", ri.AccountID, "by", p.IAMID)
	return s.instanceView(ri), nil
}

// newInstance checks a create request and returns the row to store.
func newInstance(p *authz.Principal, req api.CreateResourceInstanceRequest) (*store.ResourceInstance, error) {
	if err := checkInstanceName(req.Name); err != nil {
		return nil, err
	}
	if err := checkRegion(req.Target); err != nil {
		return nil, err
	}
	plan, err := planName(req.ResourcePlanID)
	if err != nil {
		return nil, err
	}
	if req.ResourceID != "" && !isSecretsManager(req.ResourceID) {
		return nil, api.Errorf(api.ErrInvalid, "resource_id %q is not a service Coffer offers: use %s (%s)",
			req.ResourceID, api.SecretsManagerResourceID, api.SecretsManagerService)
	}
	params, err := encodeParameters(req.Parameters)
	if err != nil {
		return nil, err
	}
	return &store.ResourceInstance{
		Instance: store.Instance{GUID: uuid.NewString(), AccountID: p.AccountID, Name: req.Name, Region: req.Target,
			ResourceGroupID: req.ResourceGroup, Plan: plan, State: api.InstanceStateActive},
		CreatedBy: p.IAMID, UpdatedBy: p.IAMID, Parameters: params,
	}, nil
}

// instanceFor authenticates the caller, finds the active instance id names
// (a GUID or a CRN) and authorizes action on it. A missing instance and one
// the caller may not even read both answer the same api.ErrNotFound; one
// the caller may read but not act on answers api.ErrPermissionDenied.
func (s *Service) instanceFor(ctx context.Context, cred authz.Credential, action, id string) (*authz.Principal, *store.ResourceInstance, error) {
	p, err := s.gate.Authenticate(ctx, cred)
	if err != nil {
		return nil, nil, err
	}
	notFound := api.Errorf(api.ErrNotFound, "resource instance %s not found", id)
	guid, ok := guidOf(id)
	if !ok {
		return nil, nil, notFound
	}
	ri, err := s.activeInstance(ctx, guid)
	if errors.Is(err, api.ErrNotFound) || err == nil && guid != id && InstanceCRN(&ri.Instance) != id {
		return nil, nil, notFound
	} else if err != nil {
		return nil, nil, err
	}
	res := instanceResource(&ri.Instance)
	err = s.gate.Authorize(ctx, p, action, res)
	if errors.Is(err, api.ErrPermissionDenied) && (action == ActionInstanceRetrieve ||
		!s.gate.Allowed(ctx, p, ActionInstanceRetrieve, res)) {
		return nil, nil, notFound
	}
	return p, ri, err
}

// ResourceInstance returns the active instance id names, a GUID or a CRN
// (resource-controller.instance.retrieve). Errors: api.ErrUnauthenticated,
// api.ErrNotFound (also for an instance the caller may not see).
func (s *Service) ResourceInstance(ctx context.Context, cred authz.Credential, id string) (*api.ResourceInstance, error) {
	_, ri, err := s.instanceFor(ctx, cred, ActionInstanceRetrieve, id)
	if err != nil {
		return nil, err
	}
	return s.instanceView(ri), nil
}

// UpdateInstance renames an instance or replaces its parameters
// (resource-controller.instance.update). Errors: api.ErrUnauthenticated,
// api.ErrNotFound, api.ErrPermissionDenied, api.ErrInvalid (bad name, plan
// or parameters), api.ErrAlreadyExists (name taken), api.ErrConflict (a
// concurrent change).
func (s *Service) UpdateInstance(ctx context.Context, cred authz.Credential, id string, req api.UpdateResourceInstanceRequest) (*api.ResourceInstance, error) {
	p, ri, err := s.instanceFor(ctx, cred, ActionInstanceUpdate, id)
	if err != nil {
		return nil, err
	}
	if err := applyUpdate(ri, req); err != nil {
		return nil, err
	}
	ri.UpdatedBy = p.IAMID
	err = s.st.UpdateResourceInstance(ctx, ri)
	s.forget(ri.GUID, ri.AccountID)
	if errors.Is(err, store.ErrAlreadyExists) {
		return nil, api.Errorf(api.ErrAlreadyExists, "an instance named %q already exists in account %s", ri.Name, ri.AccountID)
	} else if err != nil {
		return nil, err
	}
	return s.instanceView(ri), nil
}

func applyUpdate(ri *store.ResourceInstance, req api.UpdateResourceInstanceRequest) error {
	if req.Name != nil {
		if err := checkInstanceName(*req.Name); err != nil {
			return err
		}
		ri.Name = *req.Name
	}
	if req.ResourcePlanID != nil {
		if _, err := planName(*req.ResourcePlanID); err != nil {
			return err
		}
	}
	if req.Parameters != nil {
		params, err := encodeParameters(req.Parameters)
		if err != nil {
			return err
		}
		ri.Parameters = params
	}
	return nil
}

// DeleteInstance deletes an instance (resource-controller.instance.delete):
// it moves to state pending_reclamation, leaves lists and lookups at once,
// frees its name, and is reclaimed (data keys shredded, secrets deleted)
// after the reclamation window. The answer shows it as deleted. Errors:
// api.ErrUnauthenticated, api.ErrNotFound, api.ErrPermissionDenied,
// api.ErrConflict (a concurrent change).
func (s *Service) DeleteInstance(ctx context.Context, cred authz.Credential, id string) (*api.ResourceInstance, error) {
	p, ri, err := s.instanceFor(ctx, cred, ActionInstanceDelete, id)
	if err != nil {
		return nil, err
	}
	now := s.now()
	name := ri.Name
	ri.State, ri.DeletedAt, ri.DeletedBy, ri.UpdatedBy = api.InstanceStatePendingReclamation, now, p.IAMID, p.IAMID
	ri.ReclaimAt = now.Add(max(s.window, 0))
	ri.Name = "deleted/" + ri.GUID // frees the name: no instance name holds a slash
	err = s.st.UpdateResourceInstance(ctx, ri)
	s.forget(ri.GUID, ri.AccountID)
	if err != nil {
		return nil, err
	}
	if s.window <= 0 {
		select {
		case s.kick <- struct{}{}:
		default:
		}
	}
	s.log.InfoContext(ctx, "instance deleted", "instance", ri.GUID, "reclaim_at", ri.ReclaimAt, "by", p.IAMID)
	ri.Name = name
	return s.instanceView(ri), nil
}
