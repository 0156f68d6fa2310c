package secrets

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/authz"
	"github.com/cofferhq/coffer/internal/store"
)

// SystemIAMID is the initiator the scheduler's rotations, retirements and
// expiry records carry (created_by of automatic versions and tasks).
const SystemIAMID = "iam-ServiceId-coffer-scheduler"

// DefaultCredentialsGrace is how long a superseded version of an
// iam_credentials, service_credentials or custom_credentials secret keeps
// its credentials when Config.CredentialsGrace is zero.
const DefaultCredentialsGrace = 24 * time.Hour

// systemCall returns a call on the instance guid as the scheduler: no
// authentication and no authorization (the scheduler acts on what the
// secret's owner configured).
func (s *Service) systemCall(ctx context.Context, guid string) (*call, error) {
	in, err := s.instances.Instance(ctx, guid)
	if err != nil {
		return nil, instanceNotFound(guid, err)
	}
	return &call{p: &authz.Principal{IAMID: SystemIAMID, AccountID: in.AccountID}, in: in}, nil
}

// RotateSecret rotates secret id of instance on schedule: the same code path
// as CreateSecretVersion with an empty prototype, without the gate (the
// scheduler is trusted), marking the version auto_rotated. A secret whose
// auto_rotate was turned off in the meantime is not rotated (nil, nil).
// Errors: api.ErrNotFound, api.ErrUnsupported (private_cert, public_cert),
// api.ErrConflict (a concurrent change), and whatever the issuer returns
// (e.g. api.ErrUnavailable).
func (s *Service) RotateSecret(ctx context.Context, instance, id string) (*api.SecretVersionMetadata, error) {
	c, err := s.systemCall(ctx, instance)
	if err != nil {
		return nil, err
	}
	x, err := s.st.Secret(ctx, instance, id)
	if err != nil {
		return nil, storeErr(err, "secret "+id)
	}
	if x.NextRotationDate.IsZero() || x.NextRotationDate.After(s.now()) {
		return nil, nil
	}
	if s.expired(x.ExpirationDate) {
		return nil, api.Errorf(api.ErrFailedPrecondition, "secret %s expired: it is not rotated", x.ID)
	}
	v, err := s.createVersion(ctx, c, x, []byte("{}"), true)
	if err != nil {
		return nil, err
	}
	return &v.SecretVersionMetadata, nil
}

// rotationFailedPrefix starts the state_description of an active secret
// whose last automatic rotation failed; the next successful rotation
// (automatic or manual) clears it.
const rotationFailedPrefix = "active (automatic rotation failed"

// RecordRotationFailure marks secret id of instance as failing to rotate:
// its state stays active (the current version keeps serving) and its
// state_description becomes "active (automatic rotation failed: KIND;
// attempt N, next attempt at TIME)". It returns the secret's metadata (for
// the scheduler's audit event and notification). Errors: api.ErrNotFound,
// api.ErrConflict (a concurrent change: the description is not written).
func (s *Service) RecordRotationFailure(ctx context.Context, instance, id, kind string, attempt int64, retryAt time.Time) (*api.SecretMetadata, error) {
	c, err := s.systemCall(ctx, instance)
	if err != nil {
		return nil, err
	}
	x, err := s.st.Secret(ctx, instance, id)
	if err != nil {
		return nil, storeErr(err, "secret "+id)
	}
	m, err := s.metadataOf(c, x)
	if err != nil || m.State != api.StateActive {
		return m, err
	}
	m.StateDescription = fmt.Sprintf("%s: %s; attempt %d, next attempt at %s)", rotationFailedPrefix, kind, attempt,
		retryAt.UTC().Format(api.SecretsTimeLayout))
	rowFrom(x, m)
	return m, storeErr(s.st.UpdateSecret(ctx, x), "secret "+id)
}

// retiringTypes are the types whose superseded versions hold credentials
// that must be retired.
func retiringType(t string) bool {
	return t == api.SecretTypeIAMCredentials || t == api.SecretTypeServiceCredentials || t == api.SecretTypeCustomCredentials
}

// scheduleRetirement schedules the retirement of the credentials of
// version superseded of x (the version that was current before a rotation).
func (s *Service) scheduleRetirement(ctx context.Context, tx *store.Tx, x *store.Secret, superseded string) error {
	if superseded == "" || !retiringType(x.Type) {
		return nil
	}
	grace := s.cfg.CredentialsGrace
	if grace == 0 {
		grace = DefaultCredentialsGrace
	}
	return tx.SetRetireAfter(ctx, superseded, s.now().Add(grace))
}

// RetireVersion retires the credentials of a superseded version of secret
// id whose grace period ended and that holds no lock: iam_credentials and
// service_credentials have the version's API key deleted and its data
// destroyed; custom_credentials get a delete_credentials task for the
// provider. A version still locked, or still current, is left alone
// (api.ErrFailedPrecondition). Errors: api.ErrNotFound, and the identity
// service's errors.
func (s *Service) RetireVersion(ctx context.Context, instance, secretID, versionID string) error {
	c, err := s.systemCall(ctx, instance)
	if err != nil {
		return err
	}
	x, err := s.st.Secret(ctx, instance, secretID)
	if err != nil {
		return storeErr(err, "secret "+secretID)
	}
	v, err := s.st.SecretVersion(ctx, x.ID, versionID)
	if err != nil {
		return storeErr(err, "secret "+secretID+" version "+versionID)
	}
	if err := s.checkRetirable(ctx, x, v); err != nil {
		return err
	}
	switch x.Type {
	case api.SecretTypeIAMCredentials, api.SecretTypeServiceCredentials:
		return s.retireAPIKey(ctx, c, x, v)
	case api.SecretTypeCustomCredentials:
		return s.queueDeleteCredentials(ctx, c, x, v)
	}
	return nil
}

func (s *Service) checkRetirable(ctx context.Context, x *store.Secret, v *store.SecretVersion) error {
	if v.ID == x.CurrentVersion {
		return api.Errorf(api.ErrFailedPrecondition, "version %s is current", v.ID)
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
	return nil
}

// retireAPIKey deletes the version's API key unless the current version
// uses the same key (restore_from_version), then destroys its data.
func (s *Service) retireAPIKey(ctx context.Context, c *call, x *store.Secret, v *store.SecretVersion) error {
	m, err := versionMetaOf(x, v)
	if err != nil {
		return err
	}
	keyID := m.APIKeyID
	if x.Type == api.SecretTypeServiceCredentials && m.ResourceKey != nil {
		keyID = serviceKeyID(ctx, s, c, x, v)
	}
	if keyID != "" && !s.keyInUse(ctx, x, keyID) {
		if err := s.ids.DeleteSecretAPIKey(ctx, c.in.AccountID, keyID); err != nil {
			return err
		}
	}
	err = s.st.DestroySecretVersionData(ctx, x.ID, v.ID)
	if errors.Is(err, store.ErrNotFound) {
		return nil
	}
	return err
}

// serviceKeyID reads the iam_apikey_id of a service_credentials version.
func serviceKeyID(ctx context.Context, s *Service, c *call, x *store.Secret, v *store.SecretVersion) string {
	if !v.PayloadAvailable {
		return ""
	}
	pt, err := s.open(ctx, c.in.GUID, x.ID, v)
	if err != nil {
		return ""
	}
	defer zero(pt)
	var d api.SecretData
	if render(x.Type, pt, &d) != nil || len(d.Credentials) == 0 {
		return ""
	}
	var creds struct {
		ID string `json:"iam_apikey_id"`
	}
	if json.Unmarshal(d.Credentials.Reveal(), &creds) != nil {
		return ""
	}
	return creds.ID
}

// keyInUse reports whether the current version of x uses API key id.
func (s *Service) keyInUse(ctx context.Context, x *store.Secret, id string) bool {
	cur, err := s.st.SecretVersion(ctx, x.ID, x.CurrentVersion)
	if err != nil {
		return true // be safe: never delete a key we cannot check
	}
	m, err := versionMetaOf(x, cur)
	return err != nil || m.APIKeyID == id
}

// queueDeleteCredentials queues the delete_credentials task of a
// superseded custom_credentials version (once).
func (s *Service) queueDeleteCredentials(ctx context.Context, c *call, x *store.Secret, v *store.SecretVersion) error {
	tasks, err := s.st.SecretTasks(ctx, x.ID)
	if err != nil {
		return err
	}
	for _, t := range tasks {
		if t.VersionID == v.ID && t.Type == api.TaskTypeDeleteCredentials {
			return nil
		}
	}
	return storeErr(s.st.CreateSecretTask(ctx, &store.SecretTask{ID: "sm-task-" + uuid.NewString(), SecretID: x.ID, VersionID: v.ID,
		Type: api.TaskTypeDeleteCredentials, Status: api.TaskStatusQueued, Trigger: api.TaskTriggerVersionDataDeletion,
		CreatedBy: c.p.IAMID, UpdatedBy: c.p.IAMID}), "task of secret "+x.ID)
}

// ExpiredState returns the state an expired secret of secretType moves to,
// as IBM: destroyed for the types whose data the user supplied, deactivated
// for issued credentials and certificates.
func ExpiredState(secretType string) int64 { return expiredState(secretType) }

// RecordExpiry records that secret id of instance expired: its state column
// moves to ExpiredState (reads already stop serving the payload at the
// expiration date). It returns the secret as stored. Errors:
// api.ErrNotFound, api.ErrFailedPrecondition (not expired yet),
// api.ErrConflict.
func (s *Service) RecordExpiry(ctx context.Context, instance, id string) (*store.Secret, error) {
	x, err := s.st.Secret(ctx, instance, id)
	if err != nil {
		return nil, storeErr(err, "secret "+id)
	}
	if !s.expired(x.ExpirationDate) {
		return nil, api.Errorf(api.ErrFailedPrecondition, "secret %s has not expired", id)
	}
	if st := expiredState(x.Type); x.State != st {
		x.State = st
		if err := s.st.UpdateSecret(ctx, x); err != nil {
			return nil, storeErr(err, "secret "+id)
		}
	}
	return x, nil
}
