package identity

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/store"
)

// SecretAPIKeyRequest asks for an API key behind a Secrets Manager secret
// (iam_credentials or service_credentials).
type SecretAPIKeyRequest struct {
	AccountID string // the account of the service ID; required
	CreatedBy string // iam_id of the caller the secrets service authorized; required
	// ServiceID is the service ID that gets the key; "" creates one named
	// ServiceIDName in AccountID.
	ServiceID          string
	ServiceIDName      string
	ServiceDescription string
	KeyName            string    // required
	KeyDescription     string    //
	ExpiresAt          time.Time // zero: the key never expires
}

// SecretAPIKey is what IssueSecretAPIKey created.
type SecretAPIKey struct {
	ServiceID    string // the service ID's id (ServiceId-…)
	ServiceIAMID string
	ServiceCRN   string
	APIKeyID     string
	APIKey       api.Sensitive
	Created      bool // the service ID was created by this call
}

// IssueSecretAPIKey creates an API key for a service ID of req.AccountID,
// creating the service ID first when req.ServiceID is empty, in one
// transaction.
//
// It does NOT pass the gate: it exists for the secrets service, which has
// already authorized its caller for the secret operation
// (secrets-manager.secret.create or secret-version.create) and issues the
// key on the secret's behalf. Nothing else may call it. Errors:
// api.ErrInvalid (missing fields, a service ID of another account or an
// unknown one).
func (s *Service) IssueSecretAPIKey(ctx context.Context, req SecretAPIKeyRequest) (*SecretAPIKey, error) {
	if req.AccountID == "" || req.CreatedBy == "" || req.KeyName == "" {
		return nil, fmt.Errorf("identity: IssueSecretAPIKey needs an account, a creator and a key name: %w", api.ErrInternal)
	}
	sid, created, err := s.secretServiceID(ctx, req)
	if err != nil {
		return nil, err
	}
	p := &authz.Principal{IAMID: req.CreatedBy, AccountID: req.AccountID}
	key, value, err := s.newAPIKey(ctx, p, sid.IAMID, sid.AccountID, keySpec{Name: req.KeyName,
		Description: req.KeyDescription, ActionWhenLeaked: "delete"})
	if err != nil {
		return nil, err
	}
	key.ExpiresAt = req.ExpiresAt
	err = s.st.Update(ctx, func(tx *store.Tx) error {
		if created {
			if err := tx.CreateServiceID(ctx, sid); err != nil {
				return err
			}
		}
		return tx.CreateAPIKey(ctx, key)
	})
	if err != nil {
		return nil, err
	}
	return &SecretAPIKey{ServiceID: sid.ID, ServiceIAMID: sid.IAMID,
		ServiceCRN: IdentityCRN(sid.AccountID, "serviceid", sid.ID).String(), APIKeyID: key.ID, APIKey: value,
		Created: created}, nil
}

// secretServiceID returns the service ID req names (checked to be of its
// account) or a new one to create.
func (s *Service) secretServiceID(ctx context.Context, req SecretAPIKeyRequest) (*store.ServiceID, bool, error) {
	if req.ServiceID != "" {
		v, err := s.st.ServiceID(ctx, req.ServiceID)
		if errors.Is(err, store.ErrNotFound) || (err == nil && v.AccountID != req.AccountID) {
			return nil, false, api.Errorf(api.ErrInvalid, "service ID %s does not exist in account %s", req.ServiceID, req.AccountID)
		}
		if err != nil {
			return nil, false, err
		}
		return v, false, nil
	}
	name := strings.TrimSpace(req.ServiceIDName)
	if name == "" {
		return nil, false, fmt.Errorf("identity: IssueSecretAPIKey needs a service ID name: %w", api.ErrInternal)
	}
	id := NewServiceID()
	return &store.ServiceID{ID: id, AccountID: req.AccountID, IAMID: IAMIDOf(id), Name: name,
		Description: req.ServiceDescription}, true, nil
}

// DeleteSecretAPIKey deletes API key apiKeyID of accountID that
// IssueSecretAPIKey created for a Secrets Manager secret whose version is
// retired. Like IssueSecretAPIKey it does NOT pass the gate: only the secrets
// service calls it, for a key id it recorded itself. A key that is already
// gone is not an error. Errors: api.ErrInvalid (the key belongs to another
// account), api.ErrConflict (the key is locked).
func (s *Service) DeleteSecretAPIKey(ctx context.Context, accountID, apiKeyID string) error {
	k, err := s.st.APIKey(ctx, apiKeyID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	} else if err != nil {
		return err
	}
	if k.AccountID != accountID {
		return api.Errorf(api.ErrInvalid, "API key %s is not of account %s", apiKeyID, accountID)
	}
	if k.Locked {
		return errLocked("API key", k.ID)
	}
	if err := s.st.DeleteAPIKey(ctx, apiKeyID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	s.invalidateSubject(k.IAMID)
	return nil
}
