package secrets

import (
	"context"
	"errors"
	"fmt"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/identity"
	"github.com/cofferhq/coffer/internal/store"
)

// serviceName is the serviceName attribute of every Secrets Manager action.
const serviceName = "secrets-manager"

// Actions (IBM's names, reference §4.2).
const (
	actGroupCreate        = "secrets-manager.secret-group.create"
	actGroupUpdate        = "secrets-manager.secret-group.update"
	actGroupDelete        = "secrets-manager.secret-group.delete"
	actGroupRead          = "secrets-manager.secret-group.read"
	actGroupsList         = "secrets-manager.secret-groups.list"
	actSecretCreate       = "secrets-manager.secret.create"
	actSecretRead         = "secrets-manager.secret.read"
	actSecretDelete       = "secrets-manager.secret.delete"
	actSecretsList        = "secrets-manager.secrets.list"
	actMetadataRead       = "secrets-manager.secret-metadata.read"
	actMetadataUpdate     = "secrets-manager.secret-metadata.update"
	actSecretAction       = "secrets-manager.secret-action.create"
	actVersionsList       = "secrets-manager.secret-versions.list"
	actVersionCreate      = "secrets-manager.secret-version.create"
	actVersionRead        = "secrets-manager.secret-version.read"
	actVersionMetaRead    = "secrets-manager.secret-version-metadata.read"
	actVersionMetaUpdate  = "secrets-manager.secret-version-metadata.update"
	actVersionDataDelete  = "secrets-manager.secret-version-data.delete"
	actVersionAction      = "secrets-manager.secret-version-action.create"
	actLocksCreate        = "secrets-manager.secret-locks.create"
	actLocksDelete        = "secrets-manager.secret-locks.delete"
	actLocksList          = "secrets-manager.secrets-locks.list"
	actVersionLocksCreate = "secrets-manager.secret-version-locks.create"
	actVersionLocksList   = "secrets-manager.secret-version-locks.list"
	actVersionLocksDelete = "secrets-manager.secret-version-locks.delete"
	actConfigCreate       = "secrets-manager.configuration.create"
	actConfigAction       = "secrets-manager.configuration-action.create"
	actConfigsList        = "secrets-manager.configurations.list"
	actConfigRead         = "secrets-manager.configuration.read"
	actConfigUpdate       = "secrets-manager.configuration.update"
	actConfigDelete       = "secrets-manager.configuration.delete"
	actNotifCreate        = "secrets-manager.notifications-registration.create"
	actNotifRead          = "secrets-manager.notifications-registration.read"
	actNotifDelete        = "secrets-manager.notifications-registration.delete"
	actNotifTest          = "secrets-manager.notifications-registration.test"
	actTasksList          = "secrets-manager.secret-tasks.list"
	actTaskRead           = "secrets-manager.secret-task.read"
	actTaskUpdate         = "secrets-manager.secret-task.update"
	actTaskDelete         = "secrets-manager.secret-task.delete"
)

// call is one authenticated request on one instance.
type call struct {
	p  *authz.Principal
	in *store.Instance
}

// begin authenticates cred and resolves the instance ("" = the caller's
// default instance).
func (s *Service) begin(ctx context.Context, cred authz.Credential, instance string) (*call, error) {
	p, err := s.gate.Authenticate(ctx, cred)
	if err != nil {
		return nil, err
	}
	in, err := s.instance(ctx, p.AccountID, instance)
	if err != nil {
		return nil, err
	}
	return &call{p: p, in: in}, nil
}

// instance returns the instance guid (or the account's default), cached for
// instanceCacheTTL.
func (s *Service) instance(ctx context.Context, account, guid string) (*store.Instance, error) {
	key := guid
	if guid == "" {
		key = "account:" + account
	}
	now := s.now()
	s.instMu.Lock()
	c, ok := s.instCache[key]
	s.instMu.Unlock()
	if ok && now.Before(c.expires) {
		return c.in, nil
	}
	var in *store.Instance
	var err error
	if guid == "" {
		in, err = s.instances.DefaultInstance(ctx, account)
	} else {
		in, err = s.instances.Instance(ctx, guid)
		err = instanceNotFoundErr(guid, err)
	}
	if err != nil {
		return nil, err
	}
	s.instMu.Lock()
	if len(s.instCache) > 10000 {
		clear(s.instCache)
	}
	s.instCache[key] = cachedInstance{in: in, expires: now.Add(instanceCacheTTL)}
	s.instMu.Unlock()
	return in, nil
}

func instanceNotFoundErr(guid string, err error) error {
	if err == nil {
		return nil
	}
	return instanceNotFound(guid, err)
}

// res returns the resource of an instance-wide action.
func (c *call) res() authz.Resource {
	return authz.Resource{AccountID: c.in.AccountID, ServiceName: serviceName, ServiceInstance: c.in.GUID,
		Region: c.in.Region, ResourceGroupID: c.in.ResourceGroupID, CRN: c.crn("", "")}
}

// groupRes returns the resource of an action on (an object of) a secret
// group; crn names the precise object.
func (c *call) groupRes(group, crn string) authz.Resource {
	r := c.res()
	r.ResourceType, r.ID = "secret-group", group
	if crn != "" {
		r.CRN = crn
	}
	return r
}

// crn returns the CRN of an object of the instance ("" type: the instance).
func (c *call) crn(resourceType, id string) string {
	return identity.CRN{CName: identity.CloudName, CType: identity.CloudType, Service: serviceName,
		Location: c.in.Region, Scope: "a/" + c.in.AccountID, ServiceInstance: c.in.GUID,
		ResourceType: resourceType, Resource: id}.String()
}

// authorize authorizes an instance-wide action.
func (s *Service) authorize(ctx context.Context, c *call, action string) error {
	return s.gate.Authorize(ctx, c.p, action, c.res())
}

// authorizeObject authorizes action on an object found by id: a denied
// caller that may not read the object's metadata gets notFound instead of
// 403, so that it cannot tell the object exists.
func (s *Service) authorizeObject(ctx context.Context, c *call, action string, res authz.Resource, metaAction string, notFound error) error {
	err := s.gate.Authorize(ctx, c.p, action, res)
	if err == nil || !errors.Is(err, api.ErrPermissionDenied) {
		return err
	}
	if metaAction != "" && metaAction != action && s.gate.Allowed(ctx, c.p, metaAction, res) {
		return err
	}
	return notFound
}

// errSecretNotFound is the answer for a secret that does not exist or that
// the caller may not see.
func errSecretNotFound(id string) error {
	return api.Errorf(api.ErrNotFound, "secret %s not found", id)
}

// storeErr turns store kinds into api errors with a safe message.
func storeErr(err error, what string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, store.ErrNotFound):
		return api.Errorf(api.ErrNotFound, "%s not found", what)
	case errors.Is(err, store.ErrAlreadyExists):
		return api.Errorf(api.ErrAlreadyExists, "%s already exists", what)
	case errors.Is(err, store.ErrConflict):
		return api.Errorf(api.ErrConflict, "%s was changed concurrently; retry", what)
	}
	return fmt.Errorf("%s: %w", what, err)
}
