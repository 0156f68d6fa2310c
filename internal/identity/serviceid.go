package identity

import (
	"context"
	"strings"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/store"
)

// Actions of the service ID operations (IBM's names).
const (
	ActionServiceIDCreate = "iam-identity.serviceid.create"
	ActionServiceIDGet    = "iam-identity.serviceid.get"
	ActionServiceIDList   = "iam-identity.serviceid.list"
	ActionServiceIDUpdate = "iam-identity.serviceid.update"
	ActionServiceIDDelete = "iam-identity.serviceid.delete"
	ActionServiceIDLock   = "iam-identity.serviceid.lock"
)

func serviceIDView(v *store.ServiceID) api.ServiceID {
	out := api.ServiceID{ID: v.ID, IAMID: v.IAMID, CRN: IdentityCRN(v.AccountID, "serviceid", v.ID).String(),
		Locked: v.Locked, CreatedAt: api.FormatIdentityTime(v.CreatedAt), ModifiedAt: api.FormatIdentityTime(v.UpdatedAt),
		AccountID: v.AccountID, Name: v.Name, Description: v.Description, UniqueInstanceCRNs: v.UniqueInstanceCRNs}
	out.EntityTag = entityTag(v.Revision, out)
	return out
}

func checkCRNs(crns []string) error {
	for _, c := range crns {
		if _, err := ParseCRN(c); err != nil {
			return api.Errorf(api.ErrInvalid, "unique_instance_crns: %s", api.Message(err))
		}
	}
	return nil
}

// CreateServiceID creates a service ID in req.AccountID (or the caller's
// account) and, when req.APIKey is set, an API key for it in the same
// transaction, whose value the answer shows (iam-identity.serviceid.create).
// opts.Locked is the Entity-Lock header. Errors: api.ErrInvalid and the
// gate's.
func (s *Service) CreateServiceID(ctx context.Context, cred authz.Credential, req api.CreateServiceIDRequest, opts CreateOptions) (*api.ServiceID, error) {
	p, err := s.authorize(ctx, cred, ActionServiceIDCreate, req.AccountID)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(req.Name) == "" {
		return nil, api.Errorf(api.ErrInvalid, "name is required")
	}
	if err := checkCRNs(req.UniqueInstanceCRNs); err != nil {
		return nil, err
	}
	id := NewServiceID()
	v := &store.ServiceID{ID: id, AccountID: or(req.AccountID, p.AccountID), IAMID: IAMIDOf(id), Name: req.Name,
		Description: req.Description, UniqueInstanceCRNs: req.UniqueInstanceCRNs, Locked: opts.Locked}
	var key *store.APIKey
	var value api.Sensitive
	if r := req.APIKey; r != nil {
		key, value, err = s.newAPIKey(ctx, p, v.IAMID, v.AccountID, keySpec{Name: r.Name, Description: r.Description,
			Value: r.APIKey, StoreValue: r.StoreValue, ActionWhenLeaked: r.ActionWhenLeaked, ExpiresAt: r.ExpiresAt})
		if err != nil {
			return nil, err
		}
	}
	err = s.st.Update(ctx, func(tx *store.Tx) error {
		if err := tx.CreateServiceID(ctx, v); err != nil || key == nil {
			return err
		}
		return tx.CreateAPIKey(ctx, key)
	})
	if err != nil {
		return nil, err
	}
	out := serviceIDView(v)
	if key != nil {
		kv, err := s.apiKeyView(ctx, key)
		if err != nil {
			return nil, err
		}
		kv.APIKey = api.WireSecret(value.Reveal())
		out.APIKey = &kv
	}
	return &out, nil
}

// serviceIDFor is the gate of an operation on service ID id: see
// authorizeObject.
func (s *Service) serviceIDFor(ctx context.Context, cred authz.Credential, action, id string) (*store.ServiceID, error) {
	var v *store.ServiceID
	_, err := s.authorizeObject(ctx, cred, action, api.Errorf(api.ErrNotFound, "Service ID %s not found", id),
		func() (string, error) {
			var err error
			v, err = s.st.ServiceID(ctx, id)
			if err != nil {
				return "", err
			}
			return v.AccountID, nil
		})
	return v, err
}

// ServiceID returns service ID id (iam-identity.serviceid.get). The caller
// is authenticated first, the service ID looked up, and only then is
// permission checked on its account: a service ID of an account the caller
// may not read answers api.ErrNotFound with the same message as a missing
// one.
func (s *Service) ServiceID(ctx context.Context, cred authz.Credential, id string) (*api.ServiceID, error) {
	v, err := s.serviceIDFor(ctx, cred, ActionServiceIDGet, id)
	if err != nil {
		return nil, err
	}
	out := serviceIDView(v)
	return &out, nil
}

// ListServiceIDs returns a page of the service IDs of r.AccountID (or the
// caller's account), only those named r.Name if set
// (iam-identity.serviceid.list).
func (s *Service) ListServiceIDs(ctx context.Context, cred authz.Credential, r ListRequest) (*api.ServiceIDList, error) {
	pg, err := openPage(r)
	if err != nil {
		return nil, err
	}
	p, err := s.authorize(ctx, cred, ActionServiceIDList, pg.Account)
	if err != nil {
		return nil, err
	}
	pg.Account = or(pg.Account, p.AccountID)
	items, next, err := s.st.ListServiceIDs(ctx, pg.Account, pg.Name, pg.options())
	if err != nil {
		return nil, err
	}
	info := pg.links(r, len(items), next)
	out := &api.ServiceIDList{Offset: info.offset, Limit: info.limit, First: info.first, Next: info.next,
		ServiceIDs: []api.ServiceID{}}
	for _, v := range items {
		out.ServiceIDs = append(out.ServiceIDs, serviceIDView(v))
	}
	return out, nil
}

// UpdateServiceID changes the fields req sets on service ID id
// (iam-identity.serviceid.update); ifMatch is the If-Match header. Errors:
// api.ErrInvalid (no If-Match, bad field), api.ErrConflict (stale tag or
// locked), api.ErrNotFound.
func (s *Service) UpdateServiceID(ctx context.Context, cred authz.Credential, id, ifMatch string, req api.UpdateServiceIDRequest) (*api.ServiceID, error) {
	v, err := s.serviceIDFor(ctx, cred, ActionServiceIDUpdate, id)
	if err != nil {
		return nil, err
	}
	err = store.RetryAnyVersion(ifMatch, func() error {
		if v.Locked {
			return errLocked("Service ID", id)
		}
		if err := checkIfMatch(ifMatch, serviceIDView(v).EntityTag); err != nil {
			return err
		}
		if req.Name != nil {
			if strings.TrimSpace(*req.Name) == "" {
				return api.Errorf(api.ErrInvalid, "name cannot be empty")
			}
			v.Name = *req.Name
		}
		if req.Description != nil {
			v.Description = *req.Description
		}
		if req.UniqueInstanceCRNs != nil {
			if err := checkCRNs(*req.UniqueInstanceCRNs); err != nil {
				return err
			}
			v.UniqueInstanceCRNs = *req.UniqueInstanceCRNs
		}
		return s.st.UpdateServiceID(ctx, v)
	}, func() (err error) { v, err = s.st.ServiceID(ctx, id); return err })
	if err != nil {
		return nil, err
	}
	out := serviceIDView(v)
	return &out, nil
}

// DeleteServiceID deletes service ID id and all its API keys in one
// transaction (their refresh tokens go with them) and forgets its cached
// tokens (iam-identity.serviceid.delete). Errors: api.ErrNotFound,
// api.ErrConflict (locked).
func (s *Service) DeleteServiceID(ctx context.Context, cred authz.Credential, id string) error {
	v, err := s.serviceIDFor(ctx, cred, ActionServiceIDDelete, id)
	if err != nil {
		return err
	}
	if v.Locked {
		return errLocked("Service ID", id)
	}
	err = s.st.Update(ctx, func(tx *store.Tx) error {
		if _, err := tx.DeleteAPIKeysByOwner(ctx, v.AccountID, v.IAMID); err != nil {
			return err
		}
		return tx.DeleteServiceID(ctx, id)
	})
	if err != nil {
		return err
	}
	s.invalidateSubject(v.IAMID)
	return nil
}

// LockServiceID locks (locked true) or unlocks service ID id
// (iam-identity.serviceid.lock). A locked service ID can be neither changed
// nor deleted. Errors: api.ErrNotFound, api.ErrConflict.
func (s *Service) LockServiceID(ctx context.Context, cred authz.Credential, id string, locked bool) error {
	v, err := s.serviceIDFor(ctx, cred, ActionServiceIDLock, id)
	if err != nil {
		return err
	}
	v.Locked = locked
	if err := s.st.UpdateServiceID(ctx, v); err != nil {
		return err
	}
	s.invalidateSubject(v.IAMID)
	return nil
}
