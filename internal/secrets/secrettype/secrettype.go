// Package secrettype holds the logic of each Secrets Manager secret type:
// validating create and version prototypes and metadata patches, producing
// the payload to encrypt and the metadata derived from it, and rendering a
// decrypted payload into a response. It is pure: no I/O besides the
// injected Env.Rand, and the issuers the service injects for the types
// whose data lives elsewhere (IAM credentials, service credentials, custom
// credentials tasks).
//
// # Model
//
// The service decodes and field-checks a body with api.FieldsOf, finds the
// Type with Lookup, calls Create or NewVersion, seals Version.Payload with
// package envelope, and stores Version's metadata with the secret and the
// version (Version.ApplyTo, Version.ApplyToVersion). To answer a full read it
// opens the payload and calls Render. Metadata patches go through Patch.
//
// # Payload format
//
// Payload bytes are what the store keeps (encrypted). Every payload starts
// with a format byte; 1 is the only format. For arbitrary secrets the rest is
// the UTF-8 payload string itself (no escaping, so reads stay cheap); for
// every other type the rest is a compact JSON object whose fields are the
// type's data fields, with their wire names:
//
//	arbitrary            0x01 | payload bytes
//	username_password    0x01 | {"username":…,"password":…}
//	kv                   0x01 | {"data":{…}}  (object keys sorted, numbers kept exactly)
//	imported_cert        0x01 | {"certificate":…,"intermediate":…,"private_key":…}
//	iam_credentials      0x01 | {"api_key":…}
//	service_credentials  0x01 | {"credentials":{…}}
//	custom_credentials   0x01 | {"credentials_content":{…}}
//
// # Errors
//
// Invalid input is an error wrapping api.ErrInvalid whose message names the
// field and the rule; a type or feature Coffer does not implement yet
// (private_cert and public_cert issuing, managed CSRs, a missing issuer) wraps
// api.ErrUnsupported. Messages never contain secret material.
package secrettype

import (
	"context"
	"io"
	"time"

	"github.com/cofferhq/coffer/api"
)

// DefaultMaxPayload is the payload size limit when Env.MaxPayload is zero.
const DefaultMaxPayload = 1 << 20

// payloadFormat is the first byte of every payload.
const payloadFormat = 1

// Env is what a Type needs from its caller.
type Env struct {
	Now        time.Time // the current time; required
	Rand       io.Reader // randomness for generated passwords; required by username_password
	MaxPayload int       // payload size limit in bytes; 0 means DefaultMaxPayload

	IAM      CredentialIssuer           // issues iam_credentials API keys; nil: unsupported
	Services ServiceCredentialIssuer    // issues service_credentials; nil: unsupported
	Tasks    CustomCredentialsScheduler // queues custom_credentials tasks; nil: unsupported
}

func (e Env) maxPayload() int {
	if e.MaxPayload > 0 {
		return e.MaxPayload
	}
	return DefaultMaxPayload
}

// Current is the state of an existing secret that NewVersion needs.
type Current struct {
	Metadata *api.SecretMetadata
	Payload  []byte // the current version's decrypted payload; nil when unavailable
}

// Version is a validated new version: the payload to seal and the metadata
// derived from the input.
type Version struct {
	Payload        []byte                        // canonical payload (see the package doc); nil while Pending
	Pending        bool                          // custom_credentials: a task will supply the payload
	TaskID         string                        // custom_credentials: the queued task
	RestoreFrom    string                        // iam_credentials: copy the payload of this version (id or alias)
	ExpirationDate time.Time                     // zero when the version does not expire
	Certificate    *CertInfo                     // imported_cert: fields parsed from the certificate
	PasswordPolicy *api.PasswordGenerationPolicy // username_password: the effective policy (create only)

	APIKeyID          string           // iam_credentials
	ServiceID         string           // iam_credentials
	ServiceIDIsStatic bool             // iam_credentials
	ResourceKey       *api.ResourceKey // service_credentials
}

// ApplyTo copies the version's derived metadata into the secret's metadata.
func (v *Version) ApplyTo(m *api.SecretMetadata) {
	if !v.ExpirationDate.IsZero() {
		m.ExpirationDate = api.NewSecretsTime(v.ExpirationDate)
	}
	if c := v.Certificate; c != nil {
		m.SigningAlgorithm, m.AltNames, m.CommonName, m.Issuer = c.SigningAlgorithm, c.AltNames, c.CommonName, c.Issuer
		m.KeyAlgorithm, m.SerialNumber, m.Validity = c.KeyAlgorithm, c.SerialNumber, c.validity()
		m.IntermediateIncluded, m.PrivateKeyIncluded = &c.IntermediateIncluded, &c.PrivateKeyIncluded
	}
	if v.PasswordPolicy != nil {
		m.PasswordGenerationPolicy = v.PasswordPolicy
	}
	if v.APIKeyID != "" {
		m.APIKeyID, m.ServiceID, m.ServiceIDIsStatic = v.APIKeyID, v.ServiceID, &v.ServiceIDIsStatic
	}
}

// ApplyToVersion copies the version's derived metadata into the version's
// metadata.
func (v *Version) ApplyToVersion(m *api.SecretVersionMetadata) {
	if !v.ExpirationDate.IsZero() {
		m.ExpirationDate = api.NewSecretsTime(v.ExpirationDate)
	}
	if c := v.Certificate; c != nil {
		m.SerialNumber, m.Validity = c.SerialNumber, c.validity()
	}
	m.APIKeyID, m.ServiceID, m.ResourceKey = v.APIKeyID, v.ServiceID, v.ResourceKey
}

// Type is the logic of one secret type.
type Type interface {
	// Name returns the secret_type.
	Name() string
	// Create validates a create prototype (already field-checked with
	// api.FieldsOf) beyond the rules every type shares (see ValidateCommon,
	// which Create also runs) and returns the first version.
	Create(ctx context.Context, p *api.SecretPrototype, env Env) (*Version, error)
	// NewVersion validates a version prototype for the secret cur and returns
	// the new version (a rotation).
	NewVersion(ctx context.Context, p *api.SecretVersionPrototype, cur Current, env Env) (*Version, error)
	// Render fills the data fields of a full secret or version from a payload
	// Create or NewVersion produced. A malformed payload wraps api.ErrInternal.
	Render(payload []byte, into *api.SecretData) error
}

// Lookup returns the Type of a secret_type, or an error wrapping
// api.ErrInvalid for an unknown one.
func Lookup(secretType string) (Type, error) {
	switch secretType {
	case api.SecretTypeArbitrary:
		return Arbitrary{}, nil
	case api.SecretTypeUsernamePassword:
		return UsernamePassword{}, nil
	case api.SecretTypeKV:
		return KV{}, nil
	case api.SecretTypeImportedCert:
		return ImportedCert{}, nil
	case api.SecretTypeIAMCredentials:
		return IAMCredentials{}, nil
	case api.SecretTypeServiceCredentials:
		return ServiceCredentials{}, nil
	case api.SecretTypeCustomCredentials:
		return CustomCredentials{}, nil
	case api.SecretTypePrivateCert:
		return PrivateCert{}, nil
	case api.SecretTypePublicCert:
		return PublicCert{}, nil
	}
	return nil, api.Errorf(api.ErrInvalid, "secret_type %q is not a known secret type", secretType)
}
