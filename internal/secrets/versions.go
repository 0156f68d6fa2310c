package secrets

import (
	"context"
	"errors"
	"fmt"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/events"
	"github.com/cofferhq/coffer/internal/secrets/secrettype"
	"github.com/cofferhq/coffer/internal/store"
)

// versionOf returns the version ref of x: a version id, "current" or
// "previous". Errors: api.ErrNotFound.
func (s *Service) versionOf(ctx context.Context, q versionReader, x *store.Secret, ref string) (*store.SecretVersion, error) {
	var v *store.SecretVersion
	var err error
	switch ref {
	case "current":
		v, err = q.SecretVersionBySeq(ctx, x.ID, x.VersionsTotal)
	case "previous":
		if x.VersionsTotal < 2 {
			return nil, api.Errorf(api.ErrNotFound, "secret %s has no previous version", x.ID)
		}
		v, err = q.SecretVersionBySeq(ctx, x.ID, x.VersionsTotal-1)
	default:
		v, err = q.SecretVersion(ctx, x.ID, ref)
	}
	if errors.Is(err, store.ErrNotFound) {
		return nil, api.Errorf(api.ErrNotFound, "secret %s version %s not found", x.ID, ref)
	}
	return v, err
}

type versionReader interface {
	SecretVersion(ctx context.Context, secretID, id string) (*store.SecretVersion, error)
	SecretVersionBySeq(ctx context.Context, secretID string, seq int64) (*store.SecretVersion, error)
}

// versionFor authenticates, finds the secret and its version ref, and
// authorizes action.
func (s *Service) versionFor(ctx context.Context, cred authz.Credential, instance, secretID, ref, action string) (*call, *store.Secret, *store.SecretVersion, error) {
	c, x, err := s.secretFor(ctx, cred, instance, secretID, action)
	if err != nil {
		return nil, nil, nil, err
	}
	v, err := s.versionOf(ctx, s.st, x, ref)
	if err != nil {
		return nil, nil, nil, err
	}
	return c, x, v, nil
}

// CreateSecretVersion creates a new current version of the secret (a
// manual rotation) from a version prototype checked against the stored
// type's fields (secrets-manager.secret-version.create). It succeeds while
// the current version is locked; the data of versions beyond the history
// limit is destroyed unless they are locked. Errors: api.ErrNotFound,
// api.ErrInvalid, api.ErrUnsupported, api.ErrConflict.
func (s *Service) CreateSecretVersion(ctx context.Context, cred authz.Credential, instance, secretID string, body []byte) (*api.SecretVersion, error) {
	c, x, err := s.secretFor(ctx, cred, instance, secretID, actVersionCreate)
	if err != nil {
		return nil, err
	}
	return s.createVersion(ctx, c, x, body, false)
}

// createVersion is the one rotation path, for manual (CreateSecretVersion)
// and automatic (RotateSecret) rotations alike: auto marks the version
// auto_rotated and custom credentials tasks automatic_secret_rotation.
func (s *Service) createVersion(ctx context.Context, c *call, x *store.Secret, body []byte, auto bool) (*api.SecretVersion, error) {
	f, err := api.FieldsOf(x.Type, api.RepVersionPrototype)
	if err != nil {
		return nil, err
	}
	var p api.SecretVersionPrototype
	if _, err := f.Decode(body, &p); err != nil {
		return nil, err
	}
	var cur *store.SecretVersion
	if auto {
		cur, err = s.versionOf(ctx, s.st, x, "current")
	} else {
		// The secret with its current version in one read: concurrent
		// rotations may have moved x on, and dropped the data of what was
		// its current version, since x was read.
		id := x.ID
		x, cur, err = s.st.SecretWithCurrent(ctx, c.in.GUID, id)
		err = storeErr(err, "secret "+id)
	}
	if err != nil {
		return nil, err
	}
	m, err := s.metadataOf(c, x)
	if err != nil {
		return nil, err
	}
	var pt []byte
	if cur.PayloadAvailable {
		if pt, err = s.open(ctx, c.in.GUID, x.ID, cur); err != nil {
			return nil, err
		}
		defer zero(pt)
	}
	t, err := secrettype.Lookup(x.Type)
	if err != nil {
		return nil, err
	}
	q := &taskQueue{s: s, c: c, auto: auto}
	ver, err := t.NewVersion(ctx, &p, secrettype.Current{Metadata: m, Payload: pt}, s.env(c, q))
	if err != nil {
		return nil, err
	}
	if ver.RestoreFrom != "" {
		if err := s.restore(ctx, c, x, ver); err != nil {
			return nil, err
		}
	}
	return s.storeVersion(ctx, c, x, m, &p, ver, q)
}

// restore fills ver's payload from the version it restores.
func (s *Service) restore(ctx context.Context, c *call, x *store.Secret, ver *secrettype.Version) error {
	from, err := s.versionOf(ctx, s.st, x, ver.RestoreFrom)
	if err != nil {
		return api.Errorf(api.ErrInvalid, "restore_from_version: %s", api.Message(err))
	}
	if !from.PayloadAvailable {
		return api.Errorf(api.ErrInvalid, "restore_from_version: version %s has no data any more", from.ID)
	}
	if ver.Payload, err = s.open(ctx, c.in.GUID, x.ID, from); err != nil {
		return err
	}
	fm, err := versionMetaOf(x, from)
	if err != nil {
		return err
	}
	ver.APIKeyID, ver.ServiceID = fm.APIKeyID, fm.ServiceID
	return nil
}

// storeVersion stores ver as the new current version of x, whose metadata
// is m. A manual rotation applies to the secret as its transaction reads it
// (the caller named no revision, so the new version goes on top of whatever
// is current; on PostgreSQL, where another node may commit in between, it
// is tried again: store.RetryConflict). An automatic rotation
// applies to x as the scheduler read it, and fails with a conflict when the
// secret changed since: that tells the scheduler someone else rotated (or
// changed) it, which is how each due rotation happens once.
func (s *Service) storeVersion(ctx context.Context, c *call, x *store.Secret, m *api.SecretMetadata, p *api.SecretVersionPrototype, ver *secrettype.Version, q *taskQueue) (*api.SecretVersion, error) {
	auto := q != nil && q.auto
	v := &store.SecretVersion{ID: newID(), SecretID: x.ID, PayloadAvailable: !ver.Pending,
		CreatedBy: c.p.IAMID, ExpirationDate: ver.ExpirationDate, AutoRotated: auto}
	vm := &api.SecretVersionMetadata{VersionCustomMetadata: p.VersionCustomMetadata}
	ver.ApplyToVersion(vm)
	v.Metadata = encodeMetadata(vm)
	var err error
	if v.Payload, err = s.seal(ctx, c.in.GUID, x.ID, v.ID, ver.Payload); err != nil {
		return nil, err
	}
	attempts := store.ConflictAttempts
	if auto {
		attempts = 1
	}
	err = store.RetryConflict(attempts, func() error { return s.commitVersion(ctx, c, x, m, p, ver, q, v, !auto) },
		func() error { return nil }) // a manual rotation reads the secret in its transaction
	if err != nil {
		return nil, storeErr(err, "secret "+v.SecretID)
	}
	out, err := versionMetaOf(x, v)
	if err != nil {
		return nil, err
	}
	sv := &api.SecretVersion{SecretVersionMetadata: *out}
	return sv, render(x.Type, ver.Payload, &sv.SecretData)
}

// commitVersion commits v as the current version of x in one transaction,
// with x's metadata updated by ver: on x as the transaction reads it when
// fresh, otherwise on x and m as given (ErrConflict when x changed since).
func (s *Service) commitVersion(ctx context.Context, c *call, x *store.Secret, m *api.SecretMetadata, p *api.SecretVersionPrototype, ver *secrettype.Version, q *taskQueue, v *store.SecretVersion, fresh bool) error {
	return s.st.Update(ctx, func(tx *store.Tx) error {
		m := m
		if fresh {
			y, err := tx.Secret(ctx, c.in.GUID, x.ID)
			if err != nil {
				return err
			}
			*x = *y
			if m, err = s.metadataOf(c, x); err != nil {
				return err
			}
		}
		if p.CustomMetadata != nil {
			m.CustomMetadata = p.CustomMetadata
		}
		ver.ApplyTo(m)
		m.NextRotationDate = api.NewSecretsTime(secrettype.NextRotation(m.Rotation, s.now()))
		m.StateDescription = "" // a successful rotation clears a recorded failure
		superseded, oldExpiry := x.CurrentVersion, x.ExpirationDate
		v.Seq = x.VersionsTotal + 1
		if err := tx.CreateSecretVersion(ctx, v); errors.Is(err, store.ErrAlreadyExists) {
			// v's id is new: another version took the number, so x changed.
			return fmt.Errorf("version %d of secret %s: %w", v.Seq, x.ID, store.ErrConflict)
		} else if err != nil {
			return err
		}
		rowFrom(x, m)
		x.CurrentVersion, x.VersionsTotal = v.ID, v.Seq
		if x.State == api.StatePreActivation && !ver.Pending {
			x.State = api.StateActive
		}
		if err := tx.UpdateSecret(ctx, x); err != nil {
			return err
		}
		if err := q.store(ctx, tx, x.ID, v.ID); err != nil {
			return err
		}
		if err := s.scheduleRetirement(ctx, tx, x, superseded); err != nil {
			return err
		}
		if err := resetExpiry(ctx, tx, x, oldExpiry); err != nil {
			return err
		}
		if err := s.pruneData(ctx, tx, x); err != nil {
			return err
		}
		return s.publishTx(ctx, tx, c.in, x, events.SecretRotated, v.ID, rotatedData(superseded, v.AutoRotated))
	})
}

// rotatedData is the data of a secret.rotated event.
func rotatedData(previous string, auto bool) map[string]string {
	d := map[string]string{"trigger": "manual", "previous_version_id": previous}
	if auto {
		d["trigger"] = "automatic"
	}
	return d
}

// pruneData destroys the data of the oldest unlocked versions of x beyond
// the history limit.
func (s *Service) pruneData(ctx context.Context, tx *store.Tx, x *store.Secret) error {
	versions, err := tx.SecretVersions(ctx, x.ID)
	if err != nil {
		return err
	}
	locked, err := lockedVersions(ctx, tx, x.ID)
	if err != nil {
		return err
	}
	kept := 0
	for _, v := range versions { // newest first
		if !v.PayloadAvailable {
			continue
		}
		if kept < s.maxData || locked[v.ID] {
			kept++
			continue
		}
		if err := tx.DestroySecretVersionData(ctx, x.ID, v.ID); err != nil {
			return err
		}
	}
	return nil
}

func lockedVersions(ctx context.Context, tx *store.Tx, secretID string) (map[string]bool, error) {
	locks, err := tx.SecretLocks(ctx, secretID)
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, l := range locks {
		out[l.VersionID] = true
	}
	return out, nil
}

// ListSecretVersions returns the metadata of every version of the secret,
// newest first (secrets-manager.secret-versions.list).
func (s *Service) ListSecretVersions(ctx context.Context, cred authz.Credential, instance, secretID string) (*api.SecretVersionList, error) {
	_, x, err := s.secretFor(ctx, cred, instance, secretID, actVersionsList)
	if err != nil {
		return nil, err
	}
	rows, err := s.st.SecretVersions(ctx, x.ID)
	if err != nil {
		return nil, err
	}
	out := &api.SecretVersionList{Versions: make(api.List[api.SecretVersionMetadata], 0, len(rows)), TotalCount: int64(len(rows))}
	for _, v := range rows {
		m, err := versionMetaOf(x, v)
		if err != nil {
			return nil, err
		}
		out.Versions = append(out.Versions, *m)
	}
	return out, nil
}

// SecretVersion returns version ref (an id, "current" or "previous") with
// its data (secrets-manager.secret-version.read). Errors: api.ErrNotFound,
// api.ErrFailedPrecondition (the version's data was destroyed, or the
// secret expired).
func (s *Service) SecretVersion(ctx context.Context, cred authz.Credential, instance, secretID, ref string) (*api.SecretVersion, error) {
	c, x, v, err := s.versionFor(ctx, cred, instance, secretID, ref, actVersionRead)
	if err != nil {
		return nil, err
	}
	if s.expired(x.ExpirationDate) {
		return nil, api.Errorf(api.ErrFailedPrecondition, "secret %s expired: its data is no longer available", x.ID)
	}
	m, err := versionMetaOf(x, v)
	if err != nil {
		return nil, err
	}
	out := &api.SecretVersion{SecretVersionMetadata: *m}
	if !v.PayloadAvailable {
		return nil, api.Errorf(api.ErrFailedPrecondition, "secret %s version %s: its data is no longer available", x.ID, v.ID)
	}
	pt, err := s.open(ctx, c.in.GUID, x.ID, v)
	if err != nil {
		return nil, err
	}
	err = render(x.Type, pt, &out.SecretData)
	zero(pt)
	if err != nil {
		return nil, err
	}
	if !v.Downloaded || !x.Downloaded {
		if err := s.st.MarkSecretDownloaded(ctx, x.ID, v.ID); err != nil {
			return nil, err
		}
		out.Downloaded = true
	}
	return out, nil
}

// SecretVersionMetadata returns version ref's metadata
// (secrets-manager.secret-version-metadata.read). Errors: api.ErrNotFound.
func (s *Service) SecretVersionMetadata(ctx context.Context, cred authz.Credential, instance, secretID, ref string) (*api.SecretVersionMetadata, error) {
	_, x, v, err := s.versionFor(ctx, cred, instance, secretID, ref, actVersionMetaRead)
	if err != nil {
		return nil, err
	}
	return versionMetaOf(x, v)
}

// UpdateSecretVersionMetadata applies a merge patch of
// version_custom_metadata (null removes it)
// (secrets-manager.secret-version-metadata.update). Errors: api.ErrNotFound,
// api.ErrInvalid, api.ErrConflict.
func (s *Service) UpdateSecretVersionMetadata(ctx context.Context, cred authz.Credential, instance, secretID, ref string, body []byte) (*api.SecretVersionMetadata, error) {
	_, x, v, err := s.versionFor(ctx, cred, instance, secretID, ref, actVersionMetaUpdate)
	if err != nil {
		return nil, err
	}
	var p api.SecretVersionMetadataPatch
	nulls, err := decodeStrict(body, "secret version metadata patch", []string{"version_custom_metadata"}, nil, &p)
	if err != nil {
		return nil, err
	}
	if err := secrettype.ValidateCustomMetadata("version_custom_metadata", p.VersionCustomMetadata); err != nil {
		return nil, err
	}
	m, err := versionMetaOf(x, v)
	if err != nil {
		return nil, err
	}
	if p.VersionCustomMetadata != nil || len(nulls) > 0 {
		m.VersionCustomMetadata = p.VersionCustomMetadata
	}
	v.Metadata = encodeMetadata(m)
	if err := s.st.UpdateSecretVersion(ctx, v); err != nil {
		return nil, storeErr(err, fmt.Sprintf("secret %s version %s", x.ID, v.ID))
	}
	return versionMetaOf(x, v)
}

// DeleteSecretVersionData destroys the data of version ref
// (secrets-manager.secret-version-data.delete): allowed, as IBM, for the
// current version of an iam_credentials secret and the current and previous
// versions of a custom_credentials secret. Errors: api.ErrNotFound,
// api.ErrInvalid (other types or versions), api.ErrFailedPrecondition (the
// version is locked).
//
// Deleting the data also ends the credentials it holds: the version's API
// key is deleted (iam_credentials), or a delete_credentials task is queued
// for the provider (custom_credentials), so a leaked credential stops
// working, not only its stored copy.
func (s *Service) DeleteSecretVersionData(ctx context.Context, cred authz.Credential, instance, secretID, ref string) error {
	c, x, v, err := s.versionFor(ctx, cred, instance, secretID, ref, actVersionDataDelete)
	if err != nil {
		return err
	}
	a := alias(x, v.Seq)
	switch {
	case x.Type == api.SecretTypeIAMCredentials && a == "current":
	case x.Type == api.SecretTypeCustomCredentials && (a == "current" || a == "previous"):
	default:
		return api.Errorf(api.ErrInvalid, "the data of this version cannot be deleted: only the current version of iam_credentials secrets and the current and previous versions of custom_credentials secrets")
	}
	locks, err := s.st.SecretLocks(ctx, x.ID)
	if err != nil {
		return err
	}
	for _, l := range locks {
		if l.VersionID == v.ID {
			return errVersionLocked(x.ID, v.ID)
		}
	}
	if err := s.endCredentials(ctx, c, x, v); err != nil {
		return err
	}
	return storeErr(s.st.DestroySecretVersionData(ctx, x.ID, v.ID), "secret "+x.ID+" version "+v.ID)
}

// endCredentials revokes what a version's data grants before the data is
// destroyed: its API key, or (through a task) its database user.
func (s *Service) endCredentials(ctx context.Context, c *call, x *store.Secret, v *store.SecretVersion) error {
	switch x.Type {
	case api.SecretTypeIAMCredentials:
		m, err := versionMetaOf(x, v)
		if err != nil || m.APIKeyID == "" {
			return err
		}
		return s.ids.DeleteSecretAPIKey(ctx, c.in.AccountID, m.APIKeyID)
	case api.SecretTypeCustomCredentials:
		return s.queueDeleteCredentials(ctx, c, x, v)
	}
	return nil
}

func errVersionLocked(secret, version string) error {
	return api.Errorf(api.ErrFailedPrecondition,
		"The requested action can't be completed because the secret version is locked (secret %s version %s).", secret, version).
		WithCode("secret_version_locked")
}

// CreateSecretVersionAction runs a version action
// (secrets-manager.secret-version-action.create): only
// private_cert_action_revoke_certificate, on private_cert secrets. Errors:
// api.ErrNotFound, api.ErrInvalid, api.ErrUnsupported.
func (s *Service) CreateSecretVersionAction(ctx context.Context, cred authz.Credential, instance, secretID, ref string, a api.SecretActionPrototype) (*api.SecretAction, error) {
	_, x, _, err := s.versionFor(ctx, cred, instance, secretID, ref, actVersionAction)
	if err != nil {
		return nil, err
	}
	if a.ActionType != api.ActionRevokeCertificate {
		return nil, api.Errorf(api.ErrInvalid, "action_type %q is not a version action", a.ActionType)
	}
	if x.Type != api.SecretTypePrivateCert {
		return nil, api.Errorf(api.ErrInvalid, "action %s applies to private_cert secrets, not %s", a.ActionType, x.Type)
	}
	return nil, api.Errorf(api.ErrUnsupported, "action %s is not yet supported", a.ActionType)
}
