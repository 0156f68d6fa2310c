package identity

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/envelope"
	"github.com/cofferhq/coffer/internal/kms"
	"github.com/cofferhq/coffer/internal/store"
)

// Actions of the API key operations (IBM's names).
const (
	ActionAPIKeyCreate  = "iam-identity.apikey.create"
	ActionAPIKeyGet     = "iam-identity.apikey.get"
	ActionAPIKeyList    = "iam-identity.apikey.list"
	ActionAPIKeyUpdate  = "iam-identity.apikey.update"
	ActionAPIKeyDelete  = "iam-identity.apikey.delete"
	ActionAPIKeyLock    = "iam-identity.apikey.lock"
	ActionAPIKeyDisable = "iam-identity.apikey.disable"
)

const (
	minOwnAPIKeyLen = 32
	maxOwnAPIKeyLen = 256
	leakNone        = "none"
)

// CreateOptions are the Entity-Lock and Entity-Disable headers of a create.
type CreateOptions struct {
	Locked   bool
	Disabled bool
}

// keySpec is what a new API key is made from.
type keySpec struct {
	Name, Description string
	Value             api.WireSecret // the caller's own value, or "" for a random one
	StoreValue        bool
	SupportSessions   bool
	ActionWhenLeaked  string
	ExpiresAt         string
	CreateOptions
}

// storedValueBinding binds the sealed value of a stored API key to the key.
func storedValueBinding(keyID string) envelope.Binding {
	return envelope.Binding{Instance: kms.SystemInstance, Secret: "apikey", Version: keyID}
}

// newAPIKey validates spec and returns the row of a new key of owner in
// account (not yet stored) and its value. The value is stored only as its
// hash, and sealed when spec.StoreValue (service ID keys only).
func (s *Service) newAPIKey(ctx context.Context, p *authz.Principal, owner, account string, spec keySpec) (*store.APIKey, api.Sensitive, error) {
	if strings.TrimSpace(spec.Name) == "" {
		return nil, "", api.Errorf(api.ErrInvalid, "the API key name is required")
	}
	isServiceID := strings.HasPrefix(owner, PrefixIAM+PrefixServiceID)
	if spec.StoreValue && !isServiceID {
		return nil, "", api.Errorf(api.ErrInvalid, "store_value is only allowed for API keys of service IDs")
	}
	if spec.SupportSessions && isServiceID {
		return nil, "", api.Errorf(api.ErrInvalid, "support_sessions is only allowed for API keys of users")
	}
	k := &store.APIKey{ID: NewAPIKeyID(), AccountID: account, IAMID: owner, Name: spec.Name, Description: spec.Description,
		CreatedBy: p.IAMID, Locked: spec.Locked, Disabled: spec.Disabled, SupportSessions: spec.SupportSessions}
	var err error
	if k.ActionWhenLeaked, err = leakAction(spec.ActionWhenLeaked); err != nil {
		return nil, "", err
	}
	if k.ExpiresAt, err = s.expiry(spec.ExpiresAt); err != nil {
		return nil, "", err
	}
	value := spec.Value.Sensitive()
	if value == "" {
		value = NewAPIKeyValue()
	} else if n := len(value); n < minOwnAPIKeyLen || n > maxOwnAPIKeyLen || strings.ContainsAny(value.Reveal(), " \t\r\n") {
		return nil, "", api.Errorf(api.ErrInvalid, "an API key value of your own must have %d to %d characters and no spaces",
			minOwnAPIKeyLen, maxOwnAPIKeyLen)
	}
	if k.Hash, err = s.HashKey(ctx, value.Reveal()); err != nil {
		return nil, "", err
	}
	if spec.StoreValue {
		if k.StoredValue, err = s.keys.Encrypt(ctx, storedValueBinding(k.ID), []byte(value.Reveal())); err != nil {
			return nil, "", err
		}
	}
	return k, value, nil
}

func leakAction(v string) (string, error) {
	switch v {
	case "":
		return leakNone, nil
	case leakNone, "disable", "delete":
		return v, nil
	}
	return "", api.Errorf(api.ErrInvalid, "action_when_leaked must be none, disable or delete")
}

// expiry parses expires_at ("" is never); a time in the past is refused.
func (s *Service) expiry(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := api.ParseIdentityTime(v)
	if err != nil {
		return time.Time{}, err
	}
	if !t.After(s.now()) {
		return time.Time{}, api.Errorf(api.ErrInvalid, "expires_at must be in the future")
	}
	return t, nil
}

// apiKeyView returns k as IBM shows it, with its stored value (service ID
// keys created with store_value) but never any other value.
func (s *Service) apiKeyView(ctx context.Context, k *store.APIKey) (api.APIKey, error) {
	v := api.APIKey{ID: k.ID, CRN: IdentityCRN(k.AccountID, "apikey", k.ID).String(), Locked: k.Locked,
		Disabled: k.Disabled, CreatedAt: api.FormatIdentityTime(k.CreatedAt), CreatedBy: k.CreatedBy,
		ModifiedAt: api.FormatIdentityTime(k.UpdatedAt), Name: k.Name, SupportSessions: k.SupportSessions,
		ActionWhenLeaked: k.ActionWhenLeaked, Description: k.Description, IAMID: k.IAMID, AccountID: k.AccountID}
	if !k.ExpiresAt.IsZero() {
		v.ExpiresAt = api.FormatIdentityTime(k.ExpiresAt)
	}
	v.EntityTag = entityTag(k.Revision, v)
	if k.StoredValue != nil {
		plain, err := s.keys.Decrypt(ctx, storedValueBinding(k.ID), k.StoredValue)
		if err != nil {
			return v, err
		}
		v.APIKey = api.WireSecret(plain)
	}
	return v, nil
}

// CreateAPIKey creates an API key for req.IAMID, a user or a service ID of
// req.AccountID (or of the caller's account), and returns it with its value,
// shown this once unless stored (iam-identity.apikey.create). opts are the
// Entity-Lock and Entity-Disable headers. Errors: api.ErrInvalid (bad
// field, or an iam_id that is no user or service ID of the account),
// api.ErrAlreadyExists (an own value already in use), and the gate's.
func (s *Service) CreateAPIKey(ctx context.Context, cred authz.Credential, req api.CreateAPIKeyRequest, opts CreateOptions) (*api.APIKey, error) {
	p, err := s.authorize(ctx, cred, ActionAPIKeyCreate, req.AccountID)
	if err != nil {
		return nil, err
	}
	account := or(req.AccountID, p.AccountID)
	if err := s.checkKeyOwner(ctx, account, req.IAMID); err != nil {
		return nil, err
	}
	k, value, err := s.newAPIKey(ctx, p, req.IAMID, account, keySpec{Name: req.Name, Description: req.Description,
		Value: req.APIKey, StoreValue: req.StoreValue, SupportSessions: req.SupportSessions,
		ActionWhenLeaked: req.ActionWhenLeaked, ExpiresAt: req.ExpiresAt, CreateOptions: opts})
	if err != nil {
		return nil, err
	}
	if err := s.st.CreateAPIKey(ctx, k); err != nil {
		if errors.Is(err, store.ErrAlreadyExists) {
			return nil, api.Errorf(api.ErrAlreadyExists, "this API key value is already in use")
		}
		return nil, err
	}
	v, err := s.apiKeyView(ctx, k)
	v.APIKey = api.WireSecret(value.Reveal())
	return &v, err
}

// checkKeyOwner checks that iamID is a user or a service ID of account.
func (s *Service) checkKeyOwner(ctx context.Context, account, iamID string) error {
	if iamID == "" {
		return api.Errorf(api.ErrInvalid, "iam_id is required")
	}
	kind, id, err := ParseIAMID(iamID)
	switch {
	case err != nil:
	case kind == SubjectUser:
		_, err = s.st.User(ctx, account, iamID)
	case kind == SubjectServiceID:
		var sid *store.ServiceID
		if sid, err = s.st.ServiceID(ctx, id); err == nil && sid.AccountID != account {
			err = store.ErrNotFound
		}
	default:
		err = store.ErrNotFound
	}
	if err != nil && (errors.Is(err, store.ErrNotFound) || errors.Is(err, api.ErrInvalid)) {
		return api.Errorf(api.ErrInvalid, "iam_id %s is not a user or service ID of account %s", iamID, account)
	}
	return err
}

// apiKeyFor is the gate of an operation on API key id: see authorizeObject.
func (s *Service) apiKeyFor(ctx context.Context, cred authz.Credential, action, id string) (*store.APIKey, error) {
	var k *store.APIKey
	_, err := s.authorizeObject(ctx, cred, action, api.Errorf(api.ErrNotFound, "API key %s not found", id),
		func() (string, error) {
			var err error
			k, err = s.st.APIKey(ctx, id)
			if err != nil {
				return "", err
			}
			return k.AccountID, nil
		})
	return k, err
}

// APIKey returns API key id (iam-identity.apikey.get), with its value only
// if it was stored. The caller must be allowed on the key's account; a key
// of another account answers api.ErrNotFound exactly as a missing one.
func (s *Service) APIKey(ctx context.Context, cred authz.Credential, id string) (*api.APIKey, error) {
	k, err := s.apiKeyFor(ctx, cred, ActionAPIKeyGet, id)
	if err != nil {
		return nil, err
	}
	v, err := s.apiKeyView(ctx, k)
	return &v, err
}

// APIKeyDetails returns the API key whose value is given (GET
// /v1/apikeys/details). Any authenticated caller may ask, but only about
// keys of its own account: any other value answers api.ErrNotFound.
func (s *Service) APIKeyDetails(ctx context.Context, cred authz.Credential, value api.Sensitive) (*api.APIKey, error) {
	p, err := s.Authenticate(ctx, cred)
	if err != nil {
		return nil, err
	}
	notFound := api.Errorf(api.ErrNotFound, "API key not found")
	if value == "" {
		return nil, &api.Error{Kind: api.ErrInvalid, Code: codePropertyMissing, Message: "the IAM-ApiKey header is required"}
	}
	h, err := s.HashKey(ctx, value.Reveal())
	if err != nil {
		return nil, err
	}
	k, err := s.st.APIKeyByHash(ctx, h)
	if errors.Is(err, store.ErrNotFound) || err == nil && k.AccountID != p.AccountID {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	v, err := s.apiKeyView(ctx, k)
	return &v, err
}

// ListAPIKeys returns a page of API keys of an account
// (iam-identity.apikey.list): those of r.IAMID if set, else every key of the
// account with scope "account", else the caller's own keys.
func (s *Service) ListAPIKeys(ctx context.Context, cred authz.Credential, r ListRequest) (*api.APIKeyList, error) {
	pg, err := openPage(r)
	if err != nil {
		return nil, err
	}
	p, err := s.authorize(ctx, cred, ActionAPIKeyList, pg.Account)
	if err != nil {
		return nil, err
	}
	pg.Account = or(pg.Account, p.AccountID)
	if pg.IAMID == "" && pg.Scope != "account" {
		pg.IAMID = p.IAMID
	}
	keys, next, err := s.st.ListAPIKeys(ctx, pg.Account, pg.IAMID, pg.options())
	if err != nil {
		return nil, err
	}
	info := pg.links(r, len(keys), next)
	out := &api.APIKeyList{Offset: info.offset, Limit: info.limit, First: info.first, Next: info.next, APIKeys: []api.APIKey{}}
	for _, k := range keys {
		v, err := s.apiKeyView(ctx, k)
		if err != nil {
			return nil, err
		}
		out.APIKeys = append(out.APIKeys, v)
	}
	return out, nil
}

// UpdateAPIKey changes the fields req sets on API key id
// (iam-identity.apikey.update). ifMatch is the If-Match header. Errors:
// api.ErrInvalid (no If-Match, bad field), api.ErrConflict (stale tag,
// locked key), api.ErrNotFound.
func (s *Service) UpdateAPIKey(ctx context.Context, cred authz.Credential, id, ifMatch string, req api.UpdateAPIKeyRequest) (*api.APIKey, error) {
	k, err := s.apiKeyFor(ctx, cred, ActionAPIKeyUpdate, id)
	if err != nil {
		return nil, err
	}
	err = store.RetryAnyVersion(ifMatch, func() error {
		if err := s.checkKeyChange(ctx, k, ifMatch); err != nil {
			return err
		}
		if err := s.applyKeyUpdate(k, req); err != nil {
			return err
		}
		return s.st.UpdateAPIKey(ctx, k)
	}, func() (err error) { k, err = s.st.APIKey(ctx, id); return err })
	if err != nil {
		return nil, err
	}
	s.invalidateSubject(k.IAMID)
	v, err := s.apiKeyView(ctx, k)
	return &v, err
}

// checkKeyChange refuses a change of a locked key or at a stale tag.
func (s *Service) checkKeyChange(ctx context.Context, k *store.APIKey, ifMatch string) error {
	if k.Locked {
		return errLocked("API key", k.ID)
	}
	cur, err := s.apiKeyView(ctx, k)
	if err != nil {
		return err
	}
	return checkIfMatch(ifMatch, cur.EntityTag)
}

func (s *Service) applyKeyUpdate(k *store.APIKey, req api.UpdateAPIKeyRequest) error {
	if req.Name != nil {
		if strings.TrimSpace(*req.Name) == "" {
			return api.Errorf(api.ErrInvalid, "the API key name cannot be empty")
		}
		k.Name = *req.Name
	}
	if req.Description != nil {
		k.Description = *req.Description
	}
	if req.SupportSessions != nil {
		if *req.SupportSessions && strings.HasPrefix(k.IAMID, PrefixIAM+PrefixServiceID) {
			return api.Errorf(api.ErrInvalid, "support_sessions is only allowed for API keys of users")
		}
		k.SupportSessions = *req.SupportSessions
	}
	var err error
	if req.ActionWhenLeaked != nil {
		if k.ActionWhenLeaked, err = leakAction(*req.ActionWhenLeaked); err != nil {
			return err
		}
	}
	if req.ExpiresAt != nil {
		k.ExpiresAt, err = s.expiry(*req.ExpiresAt)
	}
	return err
}

// DeleteAPIKey deletes API key id (iam-identity.apikey.delete). Errors:
// api.ErrNotFound, api.ErrConflict (locked).
func (s *Service) DeleteAPIKey(ctx context.Context, cred authz.Credential, id string) error {
	k, err := s.apiKeyFor(ctx, cred, ActionAPIKeyDelete, id)
	if err != nil {
		return err
	}
	if k.Locked {
		return errLocked("API key", k.ID)
	}
	if err := s.st.DeleteAPIKey(ctx, id); err != nil {
		return err
	}
	s.invalidateSubject(k.IAMID)
	return nil
}

// LockAPIKey locks (locked true) or unlocks API key id
// (iam-identity.apikey.lock). A locked key can be neither changed nor
// deleted. Errors: api.ErrNotFound, api.ErrConflict.
func (s *Service) LockAPIKey(ctx context.Context, cred authz.Credential, id string, locked bool) error {
	return s.setKeyFlag(ctx, cred, ActionAPIKeyLock, id, func(k *store.APIKey) { k.Locked = locked })
}

// DisableAPIKey disables (disabled true) or enables API key id
// (iam-identity.apikey.disable). A disabled key cannot log in; even a locked
// key may be disabled, so that a leaked key can always be stopped.
func (s *Service) DisableAPIKey(ctx context.Context, cred authz.Credential, id string, disabled bool) error {
	return s.setKeyFlag(ctx, cred, ActionAPIKeyDisable, id, func(k *store.APIKey) { k.Disabled = disabled })
}

func (s *Service) setKeyFlag(ctx context.Context, cred authz.Credential, action, id string, set func(*store.APIKey)) error {
	k, err := s.apiKeyFor(ctx, cred, action, id)
	if err != nil {
		return err
	}
	set(k)
	if err := s.st.UpdateAPIKey(ctx, k); err != nil {
		return err
	}
	s.invalidateSubject(k.IAMID)
	return nil
}
