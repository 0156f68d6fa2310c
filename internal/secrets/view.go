package secrets

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/envelope"
	"github.com/cofferhq/coffer/internal/secrets/secrettype"
	"github.com/cofferhq/coffer/internal/store"
)

// Stored metadata format, version 1: secrets.metadata holds the JSON of
// api.SecretMetadata and secret_versions.metadata the JSON of
// api.SecretVersionMetadata (wire names). Only the type-specific fields are
// authoritative: the common ones (id, name, labels, state, dates, counts,
// ...) come from the row's columns when read.

// metadataOf returns the api metadata of a stored secret.
func (s *Service) metadataOf(c *call, x *store.Secret) (*api.SecretMetadata, error) {
	m, err := decodeMetadata(x)
	if err != nil {
		return nil, err
	}
	return s.completeMetadata(c, x, m), nil
}

// decodeMetadata decodes the metadata stored with x.
func decodeMetadata(x *store.Secret) (*api.SecretMetadata, error) {
	m := new(api.SecretMetadata)
	if len(x.Metadata) > 0 {
		if err := json.Unmarshal(x.Metadata, m); err != nil {
			return nil, fmt.Errorf("secret %s: stored metadata: %v: %w", x.ID, err, api.ErrInternal)
		}
	}
	return m, nil
}

// metadataToRender is metadataOf for a caller that only renders the result:
// the stored metadata is decoded once per secret revision and later calls
// share its nested values (maps, slices, pointers), which the caller must
// not change.
func (s *Service) metadataToRender(c *call, x *store.Secret) (*api.SecretMetadata, error) {
	if m, ok := s.decoded.get(x.ID, x.Revision); ok {
		return s.completeMetadata(c, x, m), nil
	}
	m, err := decodeMetadata(x)
	if err != nil {
		return nil, err
	}
	s.decoded.put(x.ID, x.Revision, m)
	return s.completeMetadata(c, x, m), nil
}

// completeMetadata sets the fields of m kept in columns of x and those
// computed at read time.
func (s *Service) completeMetadata(c *call, x *store.Secret, m *api.SecretMetadata) *api.SecretMetadata {
	m.ID, m.SecretType, m.SecretGroupID, m.Name, m.Description = x.ID, x.Type, x.GroupID, x.Name, x.Description
	m.Labels = x.Labels
	m.CRN = c.crn("secret", x.ID)
	m.CreatedBy, m.CreatedAt, m.UpdatedAt = x.CreatedBy, api.NewSecretsTime(x.CreatedAt), api.NewSecretsTime(x.UpdatedAt)
	m.Downloaded, m.LocksTotal, m.VersionsTotal = x.Downloaded, x.LocksTotal, x.VersionsTotal
	m.ExpirationDate, m.NextRotationDate = api.NewSecretsTime(x.ExpirationDate), api.NewSecretsTime(x.NextRotationDate)
	m.State = x.State
	if s.expired(x.ExpirationDate) {
		m.State = expiredState(x.Type)
	}
	stored := m.StateDescription
	m.StateDescription = api.StateDescription(m.State)
	if m.State == api.StateActive && strings.HasPrefix(stored, rotationFailedPrefix) {
		m.StateDescription = stored // see RecordRotationFailure
	}
	return m
}

// decodedMetadata holds the stored metadata of recently read secrets,
// decoded, by secret id and revision: a secret's stored metadata changes
// only with its revision, so an entry of the same revision is exact.
type decodedMetadata struct {
	mu sync.Mutex
	m  map[string]decodedEntry
}

type decodedEntry struct {
	rev int64
	m   api.SecretMetadata // as decoded, before completeMetadata
}

// maxDecoded bounds decodedMetadata; past it the map starts over.
const maxDecoded = 50000

// get returns a copy of the entry for id at revision rev.
func (d *decodedMetadata) get(id string, rev int64) (*api.SecretMetadata, bool) {
	d.mu.Lock()
	e, ok := d.m[id]
	d.mu.Unlock()
	if !ok || e.rev != rev {
		return nil, false
	}
	return &e.m, true
}

// put records m, decoded from the stored metadata of id at revision rev,
// before it is completed.
func (d *decodedMetadata) put(id string, rev int64, m *api.SecretMetadata) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.m == nil || len(d.m) >= maxDecoded {
		d.m = make(map[string]decodedEntry)
	}
	d.m[id] = decodedEntry{rev: rev, m: *m}
}

// expired reports whether an expiration date has passed.
func (s *Service) expired(t time.Time) bool { return !t.IsZero() && !s.now().Before(t) }

// expiredState is the state of an expired secret, as IBM: secrets whose
// data the user supplied are destroyed, issued credentials and certificates
// deactivated.
func expiredState(secretType string) int64 {
	switch secretType {
	case api.SecretTypeArbitrary, api.SecretTypeUsernamePassword, api.SecretTypeKV:
		return api.StateDestroyed
	}
	return api.StateDeactivated
}

// encodeMetadata returns the stored form of m.
func encodeMetadata(m any) []byte {
	b, err := json.Marshal(m)
	if err != nil {
		panic(fmt.Sprintf("secrets: encoding metadata: %T", err)) // only unencodable types get here
	}
	return b
}

// rowFrom copies the columns of m into x.
func rowFrom(x *store.Secret, m *api.SecretMetadata) {
	x.GroupID, x.Type, x.Name, x.Description, x.Labels = m.SecretGroupID, m.SecretType, m.Name, m.Description, m.Labels
	x.ExpirationDate, x.NextRotationDate = m.ExpirationDate.Time, m.NextRotationDate.Time
	x.Metadata = encodeMetadata(m)
}

// alias returns the alias of version seq of x.
func alias(x *store.Secret, seq int64) string {
	switch seq {
	case x.VersionsTotal:
		return "current"
	case x.VersionsTotal - 1:
		return "previous"
	}
	return ""
}

// versionMetaOf returns the api metadata of a stored version.
func versionMetaOf(x *store.Secret, v *store.SecretVersion) (*api.SecretVersionMetadata, error) {
	m := new(api.SecretVersionMetadata)
	if len(v.Metadata) > 0 {
		if err := json.Unmarshal(v.Metadata, m); err != nil {
			return nil, fmt.Errorf("secret %s version %s: stored metadata: %v: %w", x.ID, v.ID, err, api.ErrInternal)
		}
	}
	m.ID, m.SecretID, m.SecretType, m.SecretGroupID, m.SecretName = v.ID, x.ID, x.Type, x.GroupID, x.Name
	m.CreatedBy, m.CreatedAt = v.CreatedBy, api.NewSecretsTime(v.CreatedAt)
	m.PayloadAvailable, m.Downloaded, m.AutoRotated = v.PayloadAvailable, v.Downloaded, v.AutoRotated
	m.Alias = alias(x, v.Seq)
	m.ExpirationDate = api.NewSecretsTime(v.ExpirationDate)
	return m, nil
}

// binding binds a payload to its place.
func binding(instance, secret, version string) envelope.Binding {
	return envelope.Binding{Instance: instance, Secret: secret, Version: version}
}

// seal encrypts a payload for a version.
func (s *Service) seal(ctx context.Context, instance, secret, version string, payload []byte) ([]byte, error) {
	if payload == nil {
		return nil, nil
	}
	return s.keys.Encrypt(ctx, binding(instance, secret, version), payload)
}

// open decrypts a version's payload.
func (s *Service) open(ctx context.Context, instance, secret string, v *store.SecretVersion) ([]byte, error) {
	if !v.PayloadAvailable || v.Payload == nil {
		return nil, nil
	}
	pt, err := s.keys.Decrypt(ctx, binding(instance, secret, v.ID), v.Payload)
	if err != nil {
		return nil, fmt.Errorf("secret %s version %s: %w", secret, v.ID, err)
	}
	return pt, nil
}

// render fills the data fields of a type from a payload.
func render(secretType string, payload []byte, into *api.SecretData) error {
	if payload == nil {
		return nil
	}
	t, err := secrettype.Lookup(secretType)
	if err != nil {
		return fmt.Errorf("stored secret of unknown type %q: %w", secretType, api.ErrInternal)
	}
	return t.Render(payload, into)
}

// zero overwrites a decrypted payload once rendered.
func zero(b []byte) {
	clear(b)
}
