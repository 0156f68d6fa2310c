package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// This file holds the wire types of IBM's Secrets Manager v2 API (/api/v2/...)
// for secrets, versions, secret groups, locks, actions, tasks and the
// notifications registration; secrets_config.go holds configurations, paging
// and the per-type field tables.
//
// Format (version 2.0.0 of IBM's Secrets Manager API, as decoded by IBM's Go
// SDK v2.0.11): JSON field names and types are IBM's. Each representation is
// one flat union struct carrying the discriminator (secret_type, config_type,
// action_type or status) and the fields of every type; a server fills only
// the fields of the object's type, and the omitempty/omitzero tags make each
// type emit exactly IBM's fields (FieldsOf lists them). Fields every type
// carries are always emitted; type-specific fields that IBM always sends for
// their type (rotation of username_password and public_cert, reuse_api_key of
// iam_credentials, ...) are pointers or non-empty values the server must set.
// Times are SecretsTime (RFC 3339, UTC, milliseconds). Arrays that are present
// are never null: List renders a nil slice as []. Secret material (payloads,
// passwords, keys) is SecretString or SecretJSON: in clear in JSON, REDACTED
// in fmt and slog.

// Secret types (the secret_type discriminator).
const (
	SecretTypeArbitrary          = "arbitrary"
	SecretTypeCustomCredentials  = "custom_credentials"
	SecretTypeIAMCredentials     = "iam_credentials"
	SecretTypeImportedCert       = "imported_cert"
	SecretTypeKV                 = "kv"
	SecretTypePrivateCert        = "private_cert"
	SecretTypePublicCert         = "public_cert"
	SecretTypeServiceCredentials = "service_credentials"
	SecretTypeUsernamePassword   = "username_password"
)

// SecretTypes lists the nine secret types in IBM's order.
var SecretTypes = []string{
	SecretTypeArbitrary, SecretTypeCustomCredentials, SecretTypeIAMCredentials, SecretTypeImportedCert,
	SecretTypeKV, SecretTypePrivateCert, SecretTypePublicCert, SecretTypeServiceCredentials,
	SecretTypeUsernamePassword,
}

// Secret states (state and state_description), after NIST SP 800-57.
const (
	StatePreActivation int64 = 0
	StateActive        int64 = 1
	StateSuspended     int64 = 2
	StateDeactivated   int64 = 3
	StateDestroyed     int64 = 5
)

// StateDescription returns IBM's state_description for a state, or "" for an
// unknown state.
func StateDescription(state int64) string {
	switch state {
	case StatePreActivation:
		return "pre_activation"
	case StateActive:
		return "active"
	case StateSuspended:
		return "suspended"
	case StateDeactivated:
		return "deactivated"
	case StateDestroyed:
		return "destroyed"
	}
	return ""
}

// Action types of secret, version and configuration actions.
const (
	ActionRevokeCertificate    = "private_cert_action_revoke_certificate"
	ActionValidateDNSChallenge = "public_cert_action_validate_dns_challenge"
)

// SecretsTimeLayout is the layout of every date-time Coffer emits in Secrets
// Manager bodies: RFC 3339 in UTC with milliseconds, as IBM's SDK sends them.
const SecretsTimeLayout = "2006-01-02T15:04:05.000Z07:00"

// SecretsTime is a date-time in a Secrets Manager body. It encodes in
// SecretsTimeLayout (UTC) and decodes any RFC 3339 time; JSON null and the
// zero time are the same, and fields tagged omitzero leave it out.
type SecretsTime struct{ time.Time }

// NewSecretsTime returns t truncated to milliseconds, in UTC.
func NewSecretsTime(t time.Time) SecretsTime {
	if t.IsZero() {
		return SecretsTime{}
	}
	return SecretsTime{t.UTC().Truncate(time.Millisecond)}
}

// MarshalJSON encodes the time in SecretsTimeLayout, or null when zero.
func (t SecretsTime) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte("null"), nil
	}
	b := make([]byte, 0, len(SecretsTimeLayout)+2)
	b = append(b, '"')
	b = t.UTC().AppendFormat(b, SecretsTimeLayout)
	return append(b, '"'), nil
}

// UnmarshalJSON decodes an RFC 3339 string or null. Other input is an error
// wrapping ErrInvalid.
func (t *SecretsTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*t = SecretsTime{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return Errorf(ErrInvalid, "a date-time must be an RFC 3339 string")
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return Errorf(ErrInvalid, "date-time %q is not in RFC 3339 format", s)
	}
	*t = SecretsTime{v}
	return nil
}

// SecretString is secret material that travels on the wire in clear (a
// payload, a password, a private key, an API key): JSON encodes the value, but
// fmt (every verb), and slog print REDACTED.
type SecretString string

// Reveal returns the value itself.
func (s SecretString) Reveal() string { return string(s) }

func (s SecretString) String() string { return redacted }

// GoString implements fmt.GoStringer.
func (s SecretString) GoString() string { return redacted }

// LogValue implements slog.LogValuer.
func (s SecretString) LogValue() slog.Value { return slog.StringValue(redacted) }

// Format implements fmt.Formatter so that no verb (%x, %q, ...) shows the value.
func (s SecretString) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// SecretJSON is a JSON value holding secret material (a kv secret's data,
// service credentials, custom credentials content). JSON encodes it as is
// (empty means null); fmt and slog print REDACTED.
type SecretJSON []byte

// Reveal returns the JSON text itself.
func (s SecretJSON) Reveal() []byte { return s }

// MarshalJSON returns the JSON text, or null when empty.
func (s SecretJSON) MarshalJSON() ([]byte, error) {
	if len(s) == 0 {
		return []byte("null"), nil
	}
	return s, nil
}

// UnmarshalJSON keeps a copy of the JSON text (null becomes empty).
func (s *SecretJSON) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		*s = nil
		return nil
	}
	*s = append((*s)[:0], b...)
	return nil
}

func (s SecretJSON) String() string { return redacted }

// GoString implements fmt.GoStringer.
func (s SecretJSON) GoString() string { return redacted }

// LogValue implements slog.LogValuer.
func (s SecretJSON) LogValue() slog.Value { return slog.StringValue(redacted) }

// Format implements fmt.Formatter so that no verb shows the value.
func (s SecretJSON) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(redacted)) }

// List is a JSON array that encodes a nil slice as [] rather than null, for
// the arrays IBM always sends (list items, labels).
type List[T any] []T

// MarshalJSON encodes the elements, [] when there are none.
func (l List[T]) MarshalJSON() ([]byte, error) {
	if l == nil {
		return []byte("[]"), nil
	}
	return json.Marshal([]T(l))
}

// RotationPolicy is a secret's rotation policy (rotation). On input it is
// IBM's CommonRotationPolicy {auto_rotate, interval, unit} or
// PublicCertificateRotationPolicy {auto_rotate, rotate_keys}; responses carry
// the generic form. Unit is "day" or "month".
type RotationPolicy struct {
	AutoRotate bool   `json:"auto_rotate"`
	Interval   int64  `json:"interval,omitempty"`
	Unit       string `json:"unit,omitempty"`
	RotateKeys *bool  `json:"rotate_keys,omitempty"`
}

// PasswordGenerationPolicy is a username_password secret's
// password_generation_policy. Nil fields are absent (a patch changes only the
// fields it gives); responses carry all four.
type PasswordGenerationPolicy struct {
	Length           *int64 `json:"length,omitempty"`
	IncludeDigits    *bool  `json:"include_digits,omitempty"`
	IncludeSymbols   *bool  `json:"include_symbols,omitempty"`
	IncludeUppercase *bool  `json:"include_uppercase,omitempty"`
}

// CertificateValidity is a certificate's validity period.
type CertificateValidity struct {
	NotBefore SecretsTime `json:"not_before"`
	NotAfter  SecretsTime `json:"not_after"`
}

// CertificateIssuanceInfo is a public certificate's issuance_info.
type CertificateIssuanceInfo struct {
	AutoRotated                *bool               `json:"auto_rotated,omitempty"`
	Challenges                 []ChallengeResource `json:"challenges,omitempty"`
	DNSChallengeValidationTime SecretsTime         `json:"dns_challenge_validation_time,omitzero"`
	ErrorCode                  string              `json:"error_code,omitempty"`
	ErrorMessage               string              `json:"error_message,omitempty"`
	OrderedOn                  SecretsTime         `json:"ordered_on,omitzero"`
	State                      *int64              `json:"state,omitempty"`
	StateDescription           string              `json:"state_description,omitempty"`
}

// ChallengeResource is one ACME DNS challenge of a public certificate.
type ChallengeResource struct {
	Domain         string      `json:"domain,omitempty"`
	Expiration     SecretsTime `json:"expiration,omitzero"`
	Status         string      `json:"status,omitempty"`
	TXTRecordName  string      `json:"txt_record_name,omitempty"`
	TXTRecordValue string      `json:"txt_record_value,omitempty"`
}

// ManagedCSR is an imported certificate's managed_csr input. Names, SANs, key
// usages and policy identifiers are comma-delimited strings, as IBM's.
type ManagedCSR struct {
	OU                  []string `json:"ou,omitempty"`
	Organization        []string `json:"organization,omitempty"`
	Country             []string `json:"country,omitempty"`
	Locality            []string `json:"locality,omitempty"`
	Province            []string `json:"province,omitempty"`
	StreetAddress       []string `json:"street_address,omitempty"`
	PostalCode          []string `json:"postal_code,omitempty"`
	RequireCN           *bool    `json:"require_cn,omitempty"`
	CommonName          string   `json:"common_name,omitempty"`
	AltNames            string   `json:"alt_names,omitempty"`
	IPSans              string   `json:"ip_sans,omitempty"`
	URISans             string   `json:"uri_sans,omitempty"`
	OtherSans           string   `json:"other_sans,omitempty"`
	ExcludeCNFromSans   *bool    `json:"exclude_cn_from_sans,omitempty"`
	UserIDs             string   `json:"user_ids,omitempty"`
	ServerFlag          *bool    `json:"server_flag,omitempty"`
	ClientFlag          *bool    `json:"client_flag,omitempty"`
	CodeSigningFlag     *bool    `json:"code_signing_flag,omitempty"`
	EmailProtectionFlag *bool    `json:"email_protection_flag,omitempty"`
	KeyType             string   `json:"key_type,omitempty"`
	KeyBits             *int64   `json:"key_bits,omitempty"`
	KeyUsage            string   `json:"key_usage,omitempty"`
	ExtKeyUsage         string   `json:"ext_key_usage,omitempty"`
	PolicyIdentifiers   string   `json:"policy_identifiers,omitempty"`
	ExtKeyUsageOIDs     string   `json:"ext_key_usage_oids,omitempty"`
	RotateKeys          *bool    `json:"rotate_keys,omitempty"`
}

// ManagedCSRResponse is managed_csr in responses: the input plus the CSR and
// its private key.
type ManagedCSRResponse struct {
	ManagedCSR
	CSR        string       `json:"csr"`
	PrivateKey SecretString `json:"private_key"`
}

// ServiceCredentialsSourceService is a service_credentials secret's
// source_service: instance, role and parameters on input; responses add iam
// and resource_key. Parameters keeps any extra keys.
type ServiceCredentialsSourceService struct {
	Instance    *CRNRef        `json:"instance,omitempty"`
	Parameters  map[string]any `json:"parameters,omitempty"`
	Role        *CRNRef        `json:"role,omitempty"`
	IAM         *SourceIAM     `json:"iam,omitempty"`
	ResourceKey *ResourceKey   `json:"resource_key,omitempty"`
}

// CRNRef is an object that names a resource by CRN ({"crn": ...}).
type CRNRef struct {
	CRN string `json:"crn,omitempty"`
}

// SourceIAM is the iam part of a service_credentials source_service.
type SourceIAM struct {
	APIKey    *SourceIAMAPIKey `json:"apikey,omitempty"`
	Role      *CRNRef          `json:"role,omitempty"`
	ServiceID *CRNRef          `json:"serviceid,omitempty"`
}

// SourceIAMAPIKey describes the API key behind service credentials.
type SourceIAMAPIKey struct {
	Description string `json:"description,omitempty"`
	ID          string `json:"id,omitempty"`
	Name        string `json:"name,omitempty"`
}

// ResourceKey names the resource key behind service credentials.
type ResourceKey struct {
	CRN  string `json:"crn,omitempty"`
	Name string `json:"name,omitempty"`
}

// SecretMetadata is a secret without its data: GetSecretMetadata,
// UpdateSecretMetadata and the items of ListSecrets. The fields up to
// ReferencedBy are common to every type; the others belong to the types named
// in their comments and must stay empty for other types.
type SecretMetadata struct {
	ID               string         `json:"id"`
	SecretType       string         `json:"secret_type"`
	SecretGroupID    string         `json:"secret_group_id"`
	CRN              string         `json:"crn"`
	Name             string         `json:"name"`
	Description      string         `json:"description,omitempty"`
	Labels           List[string]   `json:"labels"`
	CustomMetadata   map[string]any `json:"custom_metadata,omitempty"`
	CreatedBy        string         `json:"created_by"`
	CreatedAt        SecretsTime    `json:"created_at"`
	UpdatedAt        SecretsTime    `json:"updated_at"`
	Downloaded       bool           `json:"downloaded"`
	LocksTotal       int64          `json:"locks_total"`
	VersionsTotal    int64          `json:"versions_total"`
	State            int64          `json:"state"`
	StateDescription string         `json:"state_description"`
	ReferencedBy     []string       `json:"referenced_by,omitempty"`

	// Every type but kv.
	ExpirationDate SecretsTime `json:"expiration_date,omitzero"`
	// Rotatable types; required (set it) for username_password and public_cert.
	Rotation         *RotationPolicy `json:"rotation,omitempty"`
	NextRotationDate SecretsTime     `json:"next_rotation_date,omitzero"`
	// iam_credentials (required there), service_credentials, custom_credentials.
	TTL string `json:"ttl,omitempty"`

	// iam_credentials.
	AccessGroups      []string `json:"access_groups,omitempty"`
	APIKeyID          string   `json:"api_key_id,omitempty"`
	ServiceID         string   `json:"service_id,omitempty"`
	AccountID         string   `json:"account_id,omitempty"`
	ServiceIDIsStatic *bool    `json:"service_id_is_static,omitempty"`
	ReuseAPIKey       *bool    `json:"reuse_api_key,omitempty"` // required

	// Certificates (imported_cert, private_cert, public_cert).
	SigningAlgorithm      string                   `json:"signing_algorithm,omitempty"`
	AltNames              []string                 `json:"alt_names,omitempty"`
	CommonName            string                   `json:"common_name,omitempty"`
	Issuer                string                   `json:"issuer,omitempty"`
	KeyAlgorithm          string                   `json:"key_algorithm,omitempty"`
	SerialNumber          string                   `json:"serial_number,omitempty"`
	Validity              *CertificateValidity     `json:"validity,omitempty"`
	IntermediateIncluded  *bool                    `json:"intermediate_included,omitempty"` // imported_cert
	PrivateKeyIncluded    *bool                    `json:"private_key_included,omitempty"`  // imported_cert
	ManagedCSR            *ManagedCSRResponse      `json:"managed_csr,omitempty"`           // imported_cert
	CertificateAuthority  string                   `json:"certificate_authority,omitempty"` // private_cert
	CertificateTemplate   string                   `json:"certificate_template,omitempty"`  // private_cert
	RevocationTimeSeconds *int64                   `json:"revocation_time_seconds,omitempty"`
	RevocationTimeRFC3339 SecretsTime              `json:"revocation_time_rfc3339,omitzero"`
	IssuanceInfo          *CertificateIssuanceInfo `json:"issuance_info,omitempty"` // public_cert
	BundleCerts           *bool                    `json:"bundle_certs,omitempty"`  // public_cert
	CA                    string                   `json:"ca,omitempty"`            // public_cert
	DNS                   string                   `json:"dns,omitempty"`           // public_cert

	// service_credentials (required there).
	SourceService *ServiceCredentialsSourceService `json:"source_service,omitempty"`
	// username_password.
	PasswordGenerationPolicy *PasswordGenerationPolicy `json:"password_generation_policy,omitempty"`

	// custom_credentials.
	TaskCount        *int64         `json:"task_count,omitempty"`
	ProcessingTaskID string         `json:"processing_task_id,omitempty"`
	QueuedTaskCount  *int64         `json:"queued_task_count,omitempty"`
	LastFailedTaskID string         `json:"last_failed_task_id,omitempty"`
	Configuration    string         `json:"configuration,omitempty"` // required
	Parameters       map[string]any `json:"parameters,omitempty"`
}

// SecretData holds the data fields of a secret or a version (the part the
// server decrypts): only the fields of the object's type are set.
type SecretData struct {
	Payload            SecretString `json:"payload,omitempty"`             // arbitrary
	Username           string       `json:"username,omitempty"`            // username_password
	Password           SecretString `json:"password,omitempty"`            // username_password
	APIKey             SecretString `json:"api_key,omitempty"`             // iam_credentials
	Data               SecretJSON   `json:"data,omitempty"`                // kv: a JSON object
	Certificate        SecretString `json:"certificate,omitempty"`         // certificates
	Intermediate       SecretString `json:"intermediate,omitempty"`        // imported_cert, public_cert
	PrivateKey         SecretString `json:"private_key,omitempty"`         // certificates
	CSR                string       `json:"csr,omitempty"`                 // imported_cert
	IssuingCA          string       `json:"issuing_ca,omitempty"`          // private_cert
	CAChain            []string     `json:"ca_chain,omitempty"`            // private_cert
	Credentials        SecretJSON   `json:"credentials,omitempty"`         // service_credentials: an object
	CredentialsContent SecretJSON   `json:"credentials_content,omitempty"` // custom_credentials: an object
}

// Secret is a secret with the data of its current version: CreateSecret,
// GetSecret and GetSecretByNameType.
type Secret struct {
	SecretMetadata
	SecretData
}

// SecretVersionMetadata is a version without its data:
// GetSecretVersionMetadata, UpdateSecretVersionMetadata and the items of
// ListSecretVersions.
type SecretVersionMetadata struct {
	ID                    string         `json:"id"`
	SecretID              string         `json:"secret_id"`
	SecretType            string         `json:"secret_type"`
	SecretGroupID         string         `json:"secret_group_id"`
	SecretName            string         `json:"secret_name"`
	CreatedBy             string         `json:"created_by"`
	CreatedAt             SecretsTime    `json:"created_at"`
	PayloadAvailable      bool           `json:"payload_available"`
	Downloaded            bool           `json:"downloaded"`
	AutoRotated           bool           `json:"auto_rotated"`
	Alias                 string         `json:"alias,omitempty"` // current or previous
	VersionCustomMetadata map[string]any `json:"version_custom_metadata,omitempty"`
	ExpirationDate        SecretsTime    `json:"expiration_date,omitzero"`

	APIKeyID      string               `json:"api_key_id,omitempty"`     // iam_credentials
	ServiceID     string               `json:"service_id,omitempty"`     // iam_credentials
	SerialNumber  string               `json:"serial_number,omitempty"`  // certificates
	Validity      *CertificateValidity `json:"validity,omitempty"`       // certificates
	ResourceKey   *ResourceKey         `json:"resource_key,omitempty"`   // service_credentials
	CredentialsID string               `json:"credentials_id,omitempty"` // custom_credentials
}

// SecretVersion is a version with its data: CreateSecretVersion and
// GetSecretVersion.
type SecretVersion struct {
	SecretVersionMetadata
	SecretData
}

// SecretPrototype is the body of CreateSecret, for every type (the union of
// IBM's nine prototypes). Check a body's fields with FieldsOf(type,
// RepPrototype) before decoding.
type SecretPrototype struct {
	SecretType            string          `json:"secret_type"`
	Name                  string          `json:"name"`
	Description           string          `json:"description,omitempty"`
	SecretGroupID         string          `json:"secret_group_id,omitempty"`
	Labels                []string        `json:"labels,omitempty"`
	CustomMetadata        map[string]any  `json:"custom_metadata,omitempty"`
	VersionCustomMetadata map[string]any  `json:"version_custom_metadata,omitempty"`
	ExpirationDate        SecretsTime     `json:"expiration_date,omitzero"`
	Rotation              *RotationPolicy `json:"rotation,omitempty"`
	TTL                   string          `json:"ttl,omitempty"`

	Payload                  SecretString              `json:"payload,omitempty"`
	Username                 string                    `json:"username,omitempty"`
	Password                 SecretString              `json:"password,omitempty"`
	PasswordGenerationPolicy *PasswordGenerationPolicy `json:"password_generation_policy,omitempty"`
	Data                     SecretJSON                `json:"data,omitempty"`

	AccessGroups []string `json:"access_groups,omitempty"`
	ServiceID    string   `json:"service_id,omitempty"`
	AccountID    string   `json:"account_id,omitempty"`
	ReuseAPIKey  *bool    `json:"reuse_api_key,omitempty"`

	Certificate         SecretString `json:"certificate,omitempty"`
	Intermediate        SecretString `json:"intermediate,omitempty"`
	PrivateKey          SecretString `json:"private_key,omitempty"`
	ManagedCSR          *ManagedCSR  `json:"managed_csr,omitempty"`
	CertificateTemplate string       `json:"certificate_template,omitempty"`
	CommonName          string       `json:"common_name,omitempty"`
	AltNames            []string     `json:"alt_names,omitempty"`
	IPSans              string       `json:"ip_sans,omitempty"`
	URISans             string       `json:"uri_sans,omitempty"`
	OtherSans           []string     `json:"other_sans,omitempty"`
	CSR                 string       `json:"csr,omitempty"`
	Format              string       `json:"format,omitempty"`
	PrivateKeyFormat    string       `json:"private_key_format,omitempty"`
	ExcludeCNFromSans   *bool        `json:"exclude_cn_from_sans,omitempty"`
	KeyAlgorithm        string       `json:"key_algorithm,omitempty"`
	CA                  string       `json:"ca,omitempty"`
	DNS                 string       `json:"dns,omitempty"`
	BundleCerts         *bool        `json:"bundle_certs,omitempty"`

	SourceService *ServiceCredentialsSourceService `json:"source_service,omitempty"`
	Configuration string                           `json:"configuration,omitempty"`
	Parameters    map[string]any                   `json:"parameters,omitempty"`
}

// SecretMetadataPatch is the merge-patch body of UpdateSecretMetadata (no
// discriminator: check it with FieldsOf(stored type, RepMetadataPatch)).
// Nil fields were absent or null; Fields.Decode reports the null ones.
type SecretMetadataPatch struct {
	Name                     *string                   `json:"name,omitempty"`
	Description              *string                   `json:"description,omitempty"`
	Labels                   []string                  `json:"labels,omitempty"`
	CustomMetadata           map[string]any            `json:"custom_metadata,omitempty"`
	ExpirationDate           *SecretsTime              `json:"expiration_date,omitempty"`
	TTL                      *string                   `json:"ttl,omitempty"`
	Rotation                 *RotationPolicy           `json:"rotation,omitempty"`
	ManagedCSR               *ManagedCSR               `json:"managed_csr,omitempty"`
	PasswordGenerationPolicy *PasswordGenerationPolicy `json:"password_generation_policy,omitempty"`
	Parameters               map[string]any            `json:"parameters,omitempty"`
}

// SecretVersionPrototype is the body of CreateSecretVersion (no
// discriminator: check it with FieldsOf(stored type, RepVersionPrototype)).
type SecretVersionPrototype struct {
	CustomMetadata        map[string]any `json:"custom_metadata,omitempty"`
	VersionCustomMetadata map[string]any `json:"version_custom_metadata,omitempty"`
	Payload               SecretString   `json:"payload,omitempty"`
	Password              SecretString   `json:"password,omitempty"`
	Data                  SecretJSON     `json:"data,omitempty"`
	Certificate           SecretString   `json:"certificate,omitempty"`
	Intermediate          SecretString   `json:"intermediate,omitempty"`
	PrivateKey            SecretString   `json:"private_key,omitempty"`
	CSR                   string         `json:"csr,omitempty"`
	RestoreFromVersion    string         `json:"restore_from_version,omitempty"`
	Rotation              *RotateKeys    `json:"rotation,omitempty"`
}

// RotateKeys is a public_cert version prototype's rotation object.
type RotateKeys struct {
	RotateKeys *bool `json:"rotate_keys,omitempty"`
}

// SecretVersionMetadataPatch is the merge-patch body of
// UpdateSecretVersionMetadata.
type SecretVersionMetadataPatch struct {
	VersionCustomMetadata map[string]any `json:"version_custom_metadata,omitempty"`
}

// SecretVersionList is the answer of ListSecretVersions (not paginated).
type SecretVersionList struct {
	Versions   List[SecretVersionMetadata] `json:"versions"`
	TotalCount int64                       `json:"total_count"`
}

// SecretGroup is a secret group. The default group has ID "default".
type SecretGroup struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	CreatedAt   SecretsTime `json:"created_at"`
	CreatedBy   string      `json:"created_by"`
	UpdatedAt   SecretsTime `json:"updated_at"`
}

// SecretGroupPrototype is the body of CreateSecretGroup.
type SecretGroupPrototype struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// SecretGroupPatch is the merge-patch body of UpdateSecretGroup.
type SecretGroupPatch struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
}

// SecretGroupList is the answer of ListSecretGroups (not paginated).
type SecretGroupList struct {
	SecretGroups List[SecretGroup] `json:"secret_groups"`
	TotalCount   int64             `json:"total_count"`
}

// Lock modes of the bulk lock operations (query parameter mode).
const (
	LockModeRemovePrevious          = "remove_previous"
	LockModeRemovePreviousAndDelete = "remove_previous_and_delete"
)

// SecretLockPrototype is one lock to create.
type SecretLockPrototype struct {
	Name        string         `json:"name"`
	Description string         `json:"description,omitempty"`
	Attributes  map[string]any `json:"attributes,omitempty"`
}

// SecretLocksPrototype is the body of CreateSecretLocksBulk and
// CreateSecretVersionLocksBulk.
type SecretLocksPrototype struct {
	Locks []SecretLockPrototype `json:"locks"`
}

// SecretLock is one lock on a version.
type SecretLock struct {
	Name               string         `json:"name"`
	Description        string         `json:"description,omitempty"`
	Attributes         map[string]any `json:"attributes,omitempty"`
	CreatedAt          SecretsTime    `json:"created_at"`
	UpdatedAt          SecretsTime    `json:"updated_at"`
	CreatedBy          string         `json:"created_by"`
	SecretGroupID      string         `json:"secret_group_id"`
	SecretID           string         `json:"secret_id"`
	SecretVersionID    string         `json:"secret_version_id"`
	SecretVersionAlias string         `json:"secret_version_alias"`
}

// SecretLocks is the locks of one secret, grouped by version: the answer of
// the bulk lock operations and the items of ListSecretsLocks.
type SecretLocks struct {
	SecretID      string                   `json:"secret_id"`
	SecretGroupID string                   `json:"secret_group_id"`
	SecretType    string                   `json:"secret_type"`
	SecretName    string                   `json:"secret_name,omitempty"`
	Versions      List[SecretVersionLocks] `json:"versions"`
}

// SecretVersionLocks is the lock names of one version.
type SecretVersionLocks struct {
	VersionID        string       `json:"version_id"`
	VersionAlias     string       `json:"version_alias"`
	Locks            List[string] `json:"locks"`
	PayloadAvailable *bool        `json:"payload_available,omitempty"`
}

// SecretActionPrototype is the body of CreateSecretAction and
// CreateSecretVersionAction: action_type is ActionRevokeCertificate or
// (secrets only) ActionValidateDNSChallenge.
type SecretActionPrototype struct {
	ActionType string `json:"action_type"`
}

// SecretAction is the answer of CreateSecretAction and
// CreateSecretVersionAction.
type SecretAction struct {
	ActionType            string `json:"action_type"`
	RevocationTimeSeconds *int64 `json:"revocation_time_seconds,omitempty"`
}

// Task types, statuses and triggers of custom credentials tasks.
const (
	TaskTypeCreateCredentials = "create_credentials"
	TaskTypeDeleteCredentials = "delete_credentials"

	TaskStatusQueued             = "queued"
	TaskStatusProcessing         = "processing"
	TaskStatusCredentialsCreated = "credentials_created"
	TaskStatusCredentialsDeleted = "credentials_deleted"
	TaskStatusFailed             = "failed"

	TaskTriggerSecretCreation      = "secret_creation"
	TaskTriggerManualRotation      = "manual_secret_rotation"
	TaskTriggerAutomaticRotation   = "automatic_secret_rotation"
	TaskTriggerVersionExpiration   = "secret_version_expiration"
	TaskTriggerVersionDataDeletion = "secret_version_data_deletion"
)

// SecretTask is a custom credentials task. Note IBM's creation_date and
// last_update_date instead of created_at and updated_at.
type SecretTask struct {
	ID              string            `json:"id"`
	CreatedBy       string            `json:"created_by"`
	CreationDate    SecretsTime       `json:"creation_date"`
	LastUpdateDate  SecretsTime       `json:"last_update_date"`
	UpdatedBy       string            `json:"updated_by"`
	Type            string            `json:"type"`
	Status          string            `json:"status"`
	Trigger         string            `json:"trigger"`
	SecretID        string            `json:"secret_id"`
	SecretVersionID string            `json:"secret_version_id,omitempty"`
	Errors          []SecretTaskError `json:"errors,omitempty"`
}

// SecretTaskError is one error a task reports.
type SecretTaskError struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

// SecretTaskPrototype is the body of ReplaceSecretTask, by status:
// credentials_created carries credentials, failed carries errors,
// credentials_deleted carries nothing else.
type SecretTaskPrototype struct {
	Status      string            `json:"status"`
	Credentials *NewCredentials   `json:"credentials,omitempty"`
	Errors      []SecretTaskError `json:"errors,omitempty"`
}

// NewCredentials is the credentials a custom credentials provider created.
type NewCredentials struct {
	ID      string     `json:"id"`
	Payload SecretJSON `json:"payload"`
}

// SecretTaskList is the answer of ListSecretTasks (no total, no paging).
type SecretTaskList struct {
	Tasks List[SecretTask] `json:"tasks"`
}

// NotificationsRegistrationPrototype is the body of
// CreateNotificationsRegistration.
type NotificationsRegistrationPrototype struct {
	InstanceCRN       string `json:"event_notifications_instance_crn"`
	SourceName        string `json:"event_notifications_source_name"`
	SourceDescription string `json:"event_notifications_source_description,omitempty"`
}

// NotificationsRegistration is the Event Notifications registration.
type NotificationsRegistration struct {
	InstanceCRN string `json:"event_notifications_instance_crn"`
}

// SecretsPage is the answer of ListSecrets.
type SecretsPage struct {
	Page
	Secrets List[SecretMetadata] `json:"secrets"`
}

// SecretsLocksPage is the answer of ListSecretsLocks.
type SecretsLocksPage struct {
	Page
	SecretsLocks List[SecretLocks] `json:"secrets_locks"`
}

// SecretLocksPage is the answer of ListSecretLocks and ListSecretVersionLocks.
type SecretLocksPage struct {
	Page
	Locks List[SecretLock] `json:"locks"`
}

// FieldsOf returns the fields a secret of secretType allows in rep (one of
// RepSecret ... RepVersionPrototype), with the required ones: the server
// refuses other fields on input, and emits only these. An unknown secretType
// or a configuration representation is an error wrapping ErrInvalid.
func FieldsOf(secretType string, rep Representation) (Fields, error) {
	return lookupFields(secretFieldTables(), secretType, rep, "secret_type")
}

var secretFieldTables = sync.OnceValue(func() map[Representation]map[string]Fields {
	return buildFieldTables(secretFieldSpec, "secret")
})

// secretFieldSpec is generated from IBM's SDK v2.0.11 models (the union of
// IAMCredentialsSecretVersionPrototype and ...RestoreFromVersionPrototype for
// iam_credentials versions); a test compares it with the SDK.
var secretFieldSpec = map[Representation]map[string]string{
	RepSecret: {
		"":                    "created_by* created_at* crn* custom_metadata description downloaded id* labels locks_total name secret_group_id* secret_type* state state_description updated_at* versions_total* referenced_by",
		"arbitrary":           "expiration_date payload",
		"custom_credentials":  "next_rotation_date rotation ttl expiration_date task_count processing_task_id queued_task_count last_failed_task_id configuration* parameters credentials_content*",
		"iam_credentials":     "ttl* access_groups api_key_id service_id account_id service_id_is_static reuse_api_key* rotation next_rotation_date expiration_date api_key",
		"imported_cert":       "signing_algorithm alt_names common_name expiration_date intermediate_included issuer key_algorithm private_key_included serial_number validity managed_csr certificate intermediate private_key csr",
		"kv":                  "data*",
		"private_cert":        "signing_algorithm* alt_names certificate_authority certificate_template* common_name* expiration_date issuer* key_algorithm next_rotation_date rotation serial_number* validity* revocation_time_seconds revocation_time_rfc3339 certificate* private_key* issuing_ca ca_chain",
		"public_cert":         "signing_algorithm alt_names common_name expiration_date issuance_info issuer key_algorithm* serial_number validity rotation* bundle_certs ca dns certificate intermediate private_key",
		"service_credentials": "next_rotation_date rotation ttl expiration_date source_service* credentials*",
		"username_password":   "rotation* expiration_date next_rotation_date password_generation_policy username* password*",
	},
	RepSecretMetadata: {
		"":                    "created_by* created_at* crn* custom_metadata description downloaded id* labels locks_total name secret_group_id* secret_type* state state_description updated_at* versions_total* referenced_by",
		"arbitrary":           "expiration_date",
		"custom_credentials":  "next_rotation_date rotation ttl expiration_date task_count processing_task_id queued_task_count last_failed_task_id configuration* parameters",
		"iam_credentials":     "ttl* access_groups api_key_id service_id account_id service_id_is_static reuse_api_key* rotation next_rotation_date expiration_date",
		"imported_cert":       "signing_algorithm alt_names common_name expiration_date intermediate_included issuer key_algorithm private_key_included serial_number validity managed_csr",
		"kv":                  "",
		"private_cert":        "signing_algorithm* alt_names certificate_authority certificate_template* common_name* expiration_date issuer* key_algorithm next_rotation_date rotation serial_number* validity* revocation_time_seconds revocation_time_rfc3339",
		"public_cert":         "signing_algorithm alt_names common_name expiration_date issuance_info issuer key_algorithm* serial_number validity rotation* bundle_certs ca dns",
		"service_credentials": "next_rotation_date rotation ttl expiration_date source_service*",
		"username_password":   "rotation* expiration_date next_rotation_date password_generation_policy",
	},
	RepVersion: {
		"":                    "auto_rotated created_by* created_at* downloaded id* secret_name secret_type* secret_group_id* payload_available* alias version_custom_metadata secret_id* expiration_date",
		"arbitrary":           "payload",
		"custom_credentials":  "credentials_id credentials_content*",
		"iam_credentials":     "api_key_id service_id api_key",
		"imported_cert":       "serial_number* validity* certificate intermediate private_key csr",
		"kv":                  "data*",
		"private_cert":        "serial_number* validity* certificate* private_key* issuing_ca ca_chain",
		"public_cert":         "serial_number validity certificate intermediate private_key",
		"service_credentials": "resource_key credentials*",
		"username_password":   "username* password*",
	},
	RepVersionMetadata: {
		"":                    "auto_rotated created_by* created_at* downloaded id* secret_name secret_type* secret_group_id* payload_available* alias version_custom_metadata secret_id* expiration_date",
		"arbitrary":           "",
		"custom_credentials":  "credentials_id",
		"iam_credentials":     "api_key_id service_id",
		"imported_cert":       "serial_number* validity*",
		"kv":                  "",
		"private_cert":        "serial_number* validity*",
		"public_cert":         "serial_number validity",
		"service_credentials": "resource_key",
		"username_password":   "",
	},
	RepPrototype: {
		"":                    "custom_metadata description labels name* secret_group_id secret_type* version_custom_metadata",
		"arbitrary":           "expiration_date payload*",
		"custom_credentials":  "rotation ttl configuration* parameters",
		"iam_credentials":     "ttl* access_groups service_id account_id reuse_api_key* rotation",
		"imported_cert":       "certificate intermediate private_key managed_csr",
		"kv":                  "data*",
		"private_cert":        "certificate_template* common_name* alt_names ip_sans uri_sans other_sans csr format private_key_format exclude_cn_from_sans ttl rotation",
		"public_cert":         "common_name alt_names key_algorithm ca* dns* bundle_certs rotation",
		"service_credentials": "rotation source_service* ttl",
		"username_password":   "username* password expiration_date rotation password_generation_policy",
	},
	RepMetadataPatch: {
		"":                    "name description labels custom_metadata",
		"arbitrary":           "expiration_date",
		"custom_credentials":  "rotation ttl parameters",
		"iam_credentials":     "ttl rotation",
		"imported_cert":       "managed_csr",
		"kv":                  "",
		"private_cert":        "rotation",
		"public_cert":         "rotation",
		"service_credentials": "rotation ttl",
		"username_password":   "rotation expiration_date password_generation_policy",
	},
	RepVersionPrototype: {
		"":                    "custom_metadata version_custom_metadata",
		"arbitrary":           "payload*",
		"custom_credentials":  "",
		"iam_credentials":     "restore_from_version",
		"imported_cert":       "certificate* intermediate private_key",
		"kv":                  "data*",
		"private_cert":        "csr",
		"public_cert":         "rotation*",
		"service_credentials": "",
		"username_password":   "password",
	},
}
