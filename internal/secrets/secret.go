package secrets

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/events"
	"github.com/cofferhq/coffer/internal/secrets/secrettype"
	"github.com/cofferhq/coffer/internal/store"
)

// DefaultGroup is the id and name of every instance's implicit group.
const DefaultGroup = "default"

// CreateSecret creates a secret from a SecretPrototype body (discriminated
// by secret_type) with its first version, and returns it with its data
// (secrets-manager.secret.create on the target group). Errors: api.ErrInvalid
// (unknown type, missing, unknown or mistyped fields, invalid values),
// api.ErrNotFound (no such group), api.ErrAlreadyExists (the name is taken in
// the group for the type), api.ErrUnsupported (private_cert, public_cert).
func (s *Service) CreateSecret(ctx context.Context, cred authz.Credential, instance string, body []byte) (*api.Secret, error) {
	c, err := s.begin(ctx, cred, instance)
	if err != nil {
		return nil, err
	}
	p, err := decodePrototype(body)
	if err != nil {
		return nil, err
	}
	if p.SecretGroupID == "" {
		p.SecretGroupID = DefaultGroup
	}
	// The decision's event commits with the new secret (see authz.Grant).
	grant, err := s.gate.Begin(ctx, c.p, actSecretCreate, c.groupRes(p.SecretGroupID, ""))
	if err != nil {
		return nil, err
	}
	defer grant.Finish(ctx)
	if err := s.checkGroup(ctx, c, p.SecretGroupID); err != nil {
		return nil, err
	}
	t, err := secrettype.Lookup(p.SecretType)
	if err != nil {
		return nil, err
	}
	q := &taskQueue{s: s, c: c}
	ver, err := t.Create(ctx, p, s.env(c, q))
	if err != nil {
		return nil, err
	}
	return s.storeNewSecret(ctx, c, p, ver, q, grant)
}

func decodePrototype(body []byte) (*api.SecretPrototype, error) {
	typ, err := api.Discriminator(body, "secret_type")
	if err != nil {
		return nil, err
	}
	f, err := api.FieldsOf(typ, api.RepPrototype)
	if err != nil {
		return nil, err
	}
	p := new(api.SecretPrototype)
	if _, err := f.Decode(body, p); err != nil {
		return nil, err
	}
	return p, nil
}

// checkGroup answers api.ErrNotFound for a group that does not exist.
func (s *Service) checkGroup(ctx context.Context, c *call, group string) error {
	if group == DefaultGroup {
		return nil
	}
	_, err := s.st.SecretGroup(ctx, c.in.GUID, group)
	return storeErr(err, "secret group "+group)
}

func (s *Service) storeNewSecret(ctx context.Context, c *call, p *api.SecretPrototype, ver *secrettype.Version, q *taskQueue, grant *authz.Grant) (*api.Secret, error) {
	now := s.now()
	m := protoMetadata(p, now)
	ver.ApplyTo(m)
	x := &store.Secret{ID: newID(), InstanceGUID: c.in.GUID, State: api.StateActive, CreatedBy: c.p.IAMID}
	if ver.Pending {
		x.State = api.StatePreActivation
	}
	v := &store.SecretVersion{ID: newID(), PayloadAvailable: !ver.Pending, CreatedBy: c.p.IAMID,
		ExpirationDate: ver.ExpirationDate}
	vm := &api.SecretVersionMetadata{VersionCustomMetadata: p.VersionCustomMetadata}
	ver.ApplyToVersion(vm)
	v.Metadata = encodeMetadata(vm)
	rowFrom(x, m)
	var err error
	if v.Payload, err = s.seal(ctx, c.in.GUID, x.ID, v.ID, ver.Payload); err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx *store.Tx) error {
		if err := grant.Record(ctx, tx); err != nil {
			return err
		}
		if err := tx.CreateSecret(ctx, x, v); err != nil {
			return err
		}
		if err := q.store(ctx, tx, x.ID, v.ID); err != nil {
			return err
		}
		return s.publishTx(ctx, tx, c.in, x, events.SecretCreated, v.ID, nil)
	})
	if err != nil {
		return nil, storeErr(err, fmt.Sprintf("a %s secret named %q in group %s", p.SecretType, p.Name, p.SecretGroupID))
	}
	grant.Committed()
	out, err := s.metadataOf(c, x)
	if err != nil {
		return nil, err
	}
	secret := &api.Secret{SecretMetadata: *out}
	return secret, render(x.Type, ver.Payload, &secret.SecretData)
}

// protoMetadata returns the metadata a prototype sets (before the version's
// derived fields).
func protoMetadata(p *api.SecretPrototype, now time.Time) *api.SecretMetadata {
	m := &api.SecretMetadata{SecretType: p.SecretType, SecretGroupID: p.SecretGroupID, Name: p.Name,
		Description: p.Description, Labels: p.Labels, CustomMetadata: p.CustomMetadata, ExpirationDate: p.ExpirationDate}
	m.Rotation = p.Rotation
	switch p.SecretType {
	case api.SecretTypeUsernamePassword, api.SecretTypePublicCert:
		if m.Rotation == nil {
			m.Rotation = &api.RotationPolicy{}
		}
	case api.SecretTypeIAMCredentials:
		m.TTL, m.AccessGroups, m.ServiceID, m.AccountID, m.ReuseAPIKey = p.TTL, p.AccessGroups, p.ServiceID, p.AccountID, p.ReuseAPIKey
	case api.SecretTypeServiceCredentials:
		m.TTL, m.SourceService = p.TTL, p.SourceService
	case api.SecretTypeCustomCredentials:
		m.TTL, m.Configuration, m.Parameters = p.TTL, p.Configuration, p.Parameters
	}
	m.NextRotationDate = api.NewSecretsTime(secrettype.NextRotation(m.Rotation, now))
	return m
}

// secretFor authenticates, looks the secret up and authorizes action on it;
// a secret of another instance, or one the caller may not see, is
// api.ErrNotFound.
func (s *Service) secretFor(ctx context.Context, cred authz.Credential, instance, id, action string) (*call, *store.Secret, error) {
	c, err := s.begin(ctx, cred, instance)
	if err != nil {
		return nil, nil, err
	}
	x, err := s.st.Secret(ctx, c.in.GUID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil, errSecretNotFound(id)
	} else if err != nil {
		return nil, nil, err
	}
	if err := s.authorizeSecret(ctx, c, x, action); err != nil {
		return nil, nil, err
	}
	return c, x, nil
}

func (s *Service) authorizeSecret(ctx context.Context, c *call, x *store.Secret, action string) error {
	return s.authorizeObject(ctx, c, action, c.groupRes(x.GroupID, c.crn("secret", x.ID)), actMetadataRead, errSecretNotFound(x.ID))
}

// Secret returns the secret id with the data of its current version
// (secrets-manager.secret.read). It is the hot path: one point read of the
// secret with its current version, one decryption, and a write only the
// first time the secret is read (downloaded). Errors: api.ErrNotFound,
// api.ErrFailedPrecondition (the secret expired: its payload is no longer
// served).
func (s *Service) Secret(ctx context.Context, cred authz.Credential, instance, id string) (*api.Secret, error) {
	c, err := s.begin(ctx, cred, instance)
	if err != nil {
		return nil, err
	}
	x, v, err := s.st.SecretWithCurrent(ctx, c.in.GUID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, errSecretNotFound(id)
	} else if err != nil {
		return nil, err
	}
	if err := s.authorizeSecret(ctx, c, x, actSecretRead); err != nil {
		return nil, err
	}
	return s.full(ctx, c, x, v)
}

// SecretByName returns the secret of secretType named name in the group
// named groupName ("default" for the default group), with its data
// (secrets-manager.secret.read). Errors: api.ErrNotFound, api.ErrInvalid
// (unknown type), api.ErrFailedPrecondition (expired).
func (s *Service) SecretByName(ctx context.Context, cred authz.Credential, instance, groupName, secretType, name string) (*api.Secret, error) {
	c, err := s.begin(ctx, cred, instance)
	if err != nil {
		return nil, err
	}
	if _, err := secrettype.Lookup(secretType); err != nil {
		return nil, err
	}
	nf := api.Errorf(api.ErrNotFound, "%s secret %q not found in group %q", secretType, name, groupName)
	group := DefaultGroup
	if groupName != DefaultGroup {
		g, err := s.st.SecretGroupByName(ctx, c.in.GUID, groupName)
		if errors.Is(err, store.ErrNotFound) {
			return nil, nf
		} else if err != nil {
			return nil, err
		}
		group = g.ID
	}
	x, err := s.st.SecretByName(ctx, c.in.GUID, group, secretType, name)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nf
	} else if err != nil {
		return nil, err
	}
	if err := s.authorizeObject(ctx, c, actSecretRead, c.groupRes(x.GroupID, c.crn("secret", x.ID)), actMetadataRead, nf); err != nil {
		return nil, err
	}
	_, v, err := s.st.SecretWithCurrent(ctx, c.in.GUID, x.ID)
	if err != nil {
		return nil, storeErr(err, "secret "+x.ID)
	}
	return s.full(ctx, c, x, v)
}

// full renders a secret with the data of version v (its current one).
func (s *Service) full(ctx context.Context, c *call, x *store.Secret, v *store.SecretVersion) (*api.Secret, error) {
	m, err := s.metadataToRender(c, x)
	if err != nil {
		return nil, err
	}
	if s.expired(x.ExpirationDate) {
		return nil, api.Errorf(api.ErrFailedPrecondition, "secret %s expired on %s: its data is no longer available",
			x.ID, x.ExpirationDate.UTC().Format(api.SecretsTimeLayout))
	}
	out := &api.Secret{SecretMetadata: *m}
	pt, err := s.open(ctx, c.in.GUID, x.ID, v)
	if err != nil {
		return nil, err
	}
	err = render(x.Type, pt, &out.SecretData)
	zero(pt)
	if err != nil {
		return nil, err
	}
	if pt != nil && (!x.Downloaded || !v.Downloaded) {
		// One transaction (group-committed with concurrent writes on
		// SQLite) rather than two autocommit writes: one fsync, shared.
		err := s.st.Update(ctx, func(tx *store.Tx) error { return tx.MarkSecretDownloaded(ctx, x.ID, v.ID) })
		if err != nil {
			return nil, err
		}
		out.Downloaded = true
	}
	return out, nil
}

// SecretMetadata returns the secret's metadata
// (secrets-manager.secret-metadata.read). Errors: api.ErrNotFound.
func (s *Service) SecretMetadata(ctx context.Context, cred authz.Credential, instance, id string) (*api.SecretMetadata, error) {
	c, x, err := s.secretFor(ctx, cred, instance, id, actMetadataRead)
	if err != nil {
		return nil, err
	}
	return s.metadataOf(c, x)
}

// DeleteSecret deletes the secret with all its versions
// (secrets-manager.secret.delete). forceDelete is accepted for every type
// (IBM gives it a meaning for custom_credentials only). Errors:
// api.ErrNotFound, api.ErrFailedPrecondition (the secret has locks).
func (s *Service) DeleteSecret(ctx context.Context, cred authz.Credential, instance, id string, forceDelete bool) error {
	c, x, err := s.secretFor(ctx, cred, instance, id, actSecretDelete)
	if err != nil {
		return err
	}
	if x.LocksTotal > 0 {
		return api.Errorf(api.ErrFailedPrecondition,
			"secret %s has %d locks: delete its locks before deleting the secret", x.ID, x.LocksTotal).WithCode("secret_locked")
	}
	err = s.st.Update(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteSecret(ctx, c.in.GUID, x.ID); err != nil {
			return err
		}
		return s.publishTx(ctx, tx, c.in, x, events.SecretDeleted, x.CurrentVersion, nil)
	})
	return storeErr(err, "secret "+x.ID)
}

// UpdateSecretMetadata applies a merge patch (no discriminator: checked
// against the stored type's SecretMetadataPatch fields) and returns the new
// metadata (secrets-manager.secret-metadata.update). Errors:
// api.ErrNotFound, api.ErrInvalid, api.ErrAlreadyExists (new name taken),
// api.ErrConflict, api.ErrUnsupported (managed_csr).
func (s *Service) UpdateSecretMetadata(ctx context.Context, cred authz.Credential, instance, id string, body []byte) (*api.SecretMetadata, error) {
	c, x, err := s.secretFor(ctx, cred, instance, id, actMetadataUpdate)
	if err != nil {
		return nil, err
	}
	f, err := api.FieldsOf(x.Type, api.RepMetadataPatch)
	if err != nil {
		return nil, err
	}
	var p api.SecretMetadataPatch
	nulls, err := f.Decode(body, &p)
	if err != nil {
		return nil, err
	}
	// The patch applies to the secret as its transaction reads it (the
	// caller named no revision); on PostgreSQL, where another node may
	// commit in between, it is tried again.
	err = store.RetryConflict(store.ConflictAttempts, func() error { return s.patchMetadata(ctx, c, x, &p, nulls) },
		func() error { return nil })
	if err != nil {
		return nil, storeErr(err, fmt.Sprintf("secret %s (a %s secret named %q in its group)", x.ID, x.Type, x.Name))
	}
	return s.metadataOf(c, x)
}

// patchMetadata applies p to the metadata of x as the transaction reads
// it and commits it; x is then the secret as written. Errors:
// api.ErrInvalid (p does not apply), the store's (ErrConflict when another
// node changed x during the transaction).
func (s *Service) patchMetadata(ctx context.Context, c *call, x *store.Secret, p *api.SecretMetadataPatch, nulls []string) error {
	return s.st.Update(ctx, func(tx *store.Tx) error {
		y, err := tx.Secret(ctx, c.in.GUID, x.ID)
		if err != nil {
			return err
		}
		*x = *y
		m, err := s.metadataOf(c, x)
		if err != nil {
			return err
		}
		if err := secrettype.ApplyPatch(p, nulls, m, s.env(c, nil)); err != nil {
			return err
		}
		oldExpiry := x.ExpirationDate
		rowFrom(x, m)
		if err := tx.UpdateSecret(ctx, x); err != nil {
			return err
		}
		return resetExpiry(ctx, tx, x, oldExpiry)
	})
}

// CreateSecretAction runs a secret action (secrets-manager.secret-action.create):
// private_cert_action_revoke_certificate on a private_cert secret,
// public_cert_action_validate_dns_challenge on a public_cert secret. Errors:
// api.ErrNotFound, api.ErrInvalid (unknown action or not for this type),
// api.ErrUnsupported (certificates are not issued yet).
func (s *Service) CreateSecretAction(ctx context.Context, cred authz.Credential, instance, id string, a api.SecretActionPrototype) (*api.SecretAction, error) {
	_, x, err := s.secretFor(ctx, cred, instance, id, actSecretAction)
	if err != nil {
		return nil, err
	}
	want := map[string]string{api.ActionRevokeCertificate: api.SecretTypePrivateCert,
		api.ActionValidateDNSChallenge: api.SecretTypePublicCert}[a.ActionType]
	switch {
	case want == "":
		return nil, api.Errorf(api.ErrInvalid, "action_type %q is not a secret action", a.ActionType)
	case want != x.Type:
		return nil, api.Errorf(api.ErrInvalid, "action %s applies to %s secrets, not %s", a.ActionType, want, x.Type)
	}
	return nil, api.Errorf(api.ErrUnsupported, "action %s is not yet supported", a.ActionType)
}

// resetExpiry forgets the expiry notices sent for x (and a recorded
// expiry) when its expiration date is no longer old: the scheduler then
// starts over from the new date.
func resetExpiry(ctx context.Context, tx *store.Tx, x *store.Secret, old time.Time) error {
	if x.ExpirationDate.Equal(old) {
		return nil
	}
	return tx.ResetExpiry(ctx, x.ID)
}

// newID returns the id of a new secret or version: a UUID version 7, whose
// leading 48 bits are the creation time in milliseconds (already shown as
// created_at) and the other 74 random. Ids created one after another sort
// together, so the store's indexes on them take new rows at their end
// rather than one random page each.
func newID() string {
	id, err := uuid.NewV7()
	if err != nil {
		panic("secrets: reading random bytes for an id: " + err.Error()) // crypto/rand does not fail
	}
	return id.String()
}
