package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// This file holds the Secrets Manager v2 configuration types (config_type
// discriminator, eight types) and the paging envelope shared by the five
// paginated lists. Durations are strings on input ("43830h", "30s") and
// integer seconds with a _seconds suffix on output, as IBM's.

// Configuration types (the config_type discriminator).
const (
	ConfigTypeLetsEncrypt              = "public_cert_configuration_ca_lets_encrypt"
	ConfigTypeDNSClassic               = "public_cert_configuration_dns_classic_infrastructure"
	ConfigTypeDNSCloudInternetServices = "public_cert_configuration_dns_cloud_internet_services"
	ConfigTypeRootCA                   = "private_cert_configuration_root_ca"
	ConfigTypeIntermediateCA           = "private_cert_configuration_intermediate_ca"
	ConfigTypeTemplate                 = "private_cert_configuration_template"
	ConfigTypeIAMCredentials           = "iam_credentials_configuration"
	ConfigTypeCustomCredentials        = "custom_credentials_configuration"
)

// ConfigTypes lists the eight configuration types.
var ConfigTypes = []string{
	ConfigTypeLetsEncrypt, ConfigTypeDNSClassic, ConfigTypeDNSCloudInternetServices, ConfigTypeRootCA,
	ConfigTypeIntermediateCA, ConfigTypeTemplate, ConfigTypeIAMCredentials, ConfigTypeCustomCredentials,
}

// ConfigSecretType returns the secret_type a configuration of configType
// serves (public_cert, private_cert, iam_credentials or custom_credentials),
// or "" for an unknown type.
func ConfigSecretType(configType string) string {
	switch configType {
	case ConfigTypeLetsEncrypt, ConfigTypeDNSClassic, ConfigTypeDNSCloudInternetServices:
		return SecretTypePublicCert
	case ConfigTypeRootCA, ConfigTypeIntermediateCA, ConfigTypeTemplate:
		return SecretTypePrivateCert
	case ConfigTypeIAMCredentials:
		return SecretTypeIAMCredentials
	case ConfigTypeCustomCredentials:
		return SecretTypeCustomCredentials
	}
	return ""
}

// Configuration action types (action_type of CreateConfigurationAction).
const (
	ConfigActionSignIntermediate    = "private_cert_configuration_action_sign_intermediate"
	ConfigActionSignCSR             = "private_cert_configuration_action_sign_csr"
	ConfigActionSetSigned           = "private_cert_configuration_action_set_signed"
	ConfigActionRevokeCACertificate = "private_cert_configuration_action_revoke_ca_certificate"
	ConfigActionRotateCRL           = "private_cert_configuration_action_rotate_crl"
	ConfigActionRotateIntermediate  = "private_cert_configuration_action_rotate_intermediate"
)

// Subject holds the subject name arrays of private certificates and CAs.
type Subject struct {
	OU            []string `json:"ou,omitempty"`
	Organization  []string `json:"organization,omitempty"`
	Country       []string `json:"country,omitempty"`
	Locality      []string `json:"locality,omitempty"`
	Province      []string `json:"province,omitempty"`
	StreetAddress []string `json:"street_address,omitempty"`
	PostalCode    []string `json:"postal_code,omitempty"`
	// SerialNumber is the subject's serialNumber attribute, not the
	// certificate's serial number.
	SerialNumber string `json:"serial_number,omitempty"`
}

// SANs holds the subject alternative names of CAs and sign options. IP and
// URI SANs are comma-separated strings; other SANs are "<oid>;UTF8:<value>".
type SANs struct {
	AltNames  []string `json:"alt_names,omitempty"`
	IPSans    string   `json:"ip_sans,omitempty"`
	URISans   string   `json:"uri_sans,omitempty"`
	OtherSans []string `json:"other_sans,omitempty"`
}

// CAOptions holds the fields private root and intermediate CAs share in their
// prototypes and full representations.
type CAOptions struct {
	CommonName                     string     `json:"common_name,omitempty"`
	CryptoKey                      *CryptoKey `json:"crypto_key,omitempty"`
	CRLDisable                     *bool      `json:"crl_disable,omitempty"`
	CRLDistributionPointsEncoded   *bool      `json:"crl_distribution_points_encoded,omitempty"`
	IssuingCertificatesURLsEncoded *bool      `json:"issuing_certificates_urls_encoded,omitempty"`
	SANs
	Format              string   `json:"format,omitempty"`
	PrivateKeyFormat    string   `json:"private_key_format,omitempty"`
	KeyType             string   `json:"key_type,omitempty"`
	KeyBits             *int64   `json:"key_bits,omitempty"`
	MaxPathLength       *int64   `json:"max_path_length,omitempty"`
	ExcludeCNFromSans   *bool    `json:"exclude_cn_from_sans,omitempty"`
	PermittedDNSDomains []string `json:"permitted_dns_domains,omitempty"`
	Subject
	SigningMethod string `json:"signing_method,omitempty"` // intermediate: internal or external
	Issuer        string `json:"issuer,omitempty"`         // intermediate
}

// TemplateOptions holds a certificate template's options (without its
// durations, which differ between input and output, and without
// certificate_authority, which ConfigurationMetadata carries).
type TemplateOptions struct {
	AllowedSecretGroups           string   `json:"allowed_secret_groups,omitempty"`
	AllowLocalhost                *bool    `json:"allow_localhost,omitempty"`
	AllowedDomains                []string `json:"allowed_domains,omitempty"`
	AllowedDomainsTemplate        *bool    `json:"allowed_domains_template,omitempty"`
	AllowBareDomains              *bool    `json:"allow_bare_domains,omitempty"`
	AllowSubdomains               *bool    `json:"allow_subdomains,omitempty"`
	AllowGlobDomains              *bool    `json:"allow_glob_domains,omitempty"`
	AllowAnyName                  *bool    `json:"allow_any_name,omitempty"`
	EnforceHostnames              *bool    `json:"enforce_hostnames,omitempty"`
	AllowIPSans                   *bool    `json:"allow_ip_sans,omitempty"`
	AllowedURISans                []string `json:"allowed_uri_sans,omitempty"`
	AllowedOtherSans              []string `json:"allowed_other_sans,omitempty"`
	ServerFlag                    *bool    `json:"server_flag,omitempty"`
	ClientFlag                    *bool    `json:"client_flag,omitempty"`
	CodeSigningFlag               *bool    `json:"code_signing_flag,omitempty"`
	EmailProtectionFlag           *bool    `json:"email_protection_flag,omitempty"`
	KeyUsage                      []string `json:"key_usage,omitempty"`
	ExtKeyUsage                   []string `json:"ext_key_usage,omitempty"`
	ExtKeyUsageOIDs               []string `json:"ext_key_usage_oids,omitempty"`
	UseCSRCommonName              *bool    `json:"use_csr_common_name,omitempty"`
	UseCSRSans                    *bool    `json:"use_csr_sans,omitempty"`
	RequireCN                     *bool    `json:"require_cn,omitempty"`
	PolicyIdentifiers             []string `json:"policy_identifiers,omitempty"`
	BasicConstraintsValidForNonCA *bool    `json:"basic_constraints_valid_for_non_ca,omitempty"`
}

// CryptoKey is an HSM-backed CA key (crypto_key).
type CryptoKey struct {
	ID               string          `json:"id,omitempty"`
	Label            string          `json:"label,omitempty"`
	AllowGenerateKey *bool           `json:"allow_generate_key,omitempty"`
	Provider         *CryptoProvider `json:"provider,omitempty"`
}

// CryptoProvider is a crypto_key's provider; type is
// "hyper_protect_crypto_services".
type CryptoProvider struct {
	Type                      string `json:"type"`
	InstanceCRN               string `json:"instance_crn,omitempty"`
	PinIAMCredentialsSecretID string `json:"pin_iam_credentials_secret_id,omitempty"`
	PrivateKeystoreID         string `json:"private_keystore_id,omitempty"`
}

// CAData is a CA configuration's data: a CSR and its key before signing, the
// certificate once signed. Expiration is in Unix seconds.
type CAData struct {
	CSR            string       `json:"csr,omitempty"`
	PrivateKey     SecretString `json:"private_key,omitempty"`
	PrivateKeyType string       `json:"private_key_type,omitempty"`
	Certificate    string       `json:"certificate,omitempty"`
	IssuingCA      string       `json:"issuing_ca,omitempty"`
	CAChain        []string     `json:"ca_chain,omitempty"`
	Expiration     *int64       `json:"expiration,omitempty"`
}

// CodeEngine names the Code Engine job of a custom credentials configuration.
type CodeEngine struct {
	JobName   string `json:"job_name"`
	ProjectID string `json:"project_id"`
	Region    string `json:"region"`
}

// CofferProvider selects one of Coffer's built-in custom credentials
// providers ("postgres" or "mariadb") instead of a Code Engine job: Coffer's
// extension of custom_credentials_configuration (docs/custom-credentials.md).
// AdminSecretID is the id of a kv (or username_password) secret of the same
// instance holding the admin connection; the configuration API shows the id,
// never the secret.
type CofferProvider struct {
	Provider      string                 `json:"provider"`
	AdminSecretID string                 `json:"admin_secret_id"`
	Template      CofferProviderTemplate `json:"template"`
}

// CofferProviderTemplate describes the database users a built-in provider
// makes (credprovider.Template).
type CofferProviderTemplate struct {
	RoleNamePattern string   `json:"role_name_pattern"`
	Grants          []string `json:"grants,omitempty"`
	InheritRole     string   `json:"inherit_role,omitempty"`
	ConnectionLimit int      `json:"connection_limit,omitempty"`
	Database        string   `json:"database,omitempty"`
	PasswordLength  int      `json:"password_length,omitempty"`
}

// CredentialsSchema is a custom credentials configuration's schema.
type CredentialsSchema struct {
	Parameters  List[SchemaParameter]  `json:"parameters"`
	Credentials List[SchemaCredential] `json:"credentials"`
}

// SchemaParameter is one parameter of a custom credentials schema; Format is
// IBM's format string, e.g. "required:true, type:string".
type SchemaParameter struct {
	Name            string `json:"name"`
	Format          string `json:"format"`
	EnvVariableName string `json:"env_variable_name,omitempty"`
}

// SchemaCredential is one credential field of a custom credentials schema.
type SchemaCredential struct {
	Name   string `json:"name"`
	Format string `json:"format"`
}

// ConfigurationMetadata is a configuration without its secret fields: the
// items of ListConfigurations. Only the fields of config_type are set.
type ConfigurationMetadata struct {
	ConfigType string      `json:"config_type"`
	Name       string      `json:"name"`
	SecretType string      `json:"secret_type"`
	CreatedBy  string      `json:"created_by"`
	CreatedAt  SecretsTime `json:"created_at"`
	UpdatedAt  SecretsTime `json:"updated_at"`

	LetsEncryptEnvironment    string `json:"lets_encrypt_environment,omitempty"`
	LetsEncryptPreferredChain string `json:"lets_encrypt_preferred_chain,omitempty"`

	CommonName                   string      `json:"common_name,omitempty"`
	CRLDistributionPointsEncoded *bool       `json:"crl_distribution_points_encoded,omitempty"`
	ExpirationDate               SecretsTime `json:"expiration_date,omitzero"`
	KeyType                      string      `json:"key_type,omitempty"`
	KeyBits                      *int64      `json:"key_bits,omitempty"`
	Status                       string      `json:"status,omitempty"`
	CryptoKey                    *CryptoKey  `json:"crypto_key,omitempty"`
	Issuer                       string      `json:"issuer,omitempty"`
	SigningMethod                string      `json:"signing_method,omitempty"`
	CertificateAuthority         string      `json:"certificate_authority,omitempty"`

	Disabled *bool `json:"disabled,omitempty"` // iam_credentials_configuration

	CodeEngineKeyRef string             `json:"code_engine_key_ref,omitempty"`
	APIKeyRef        string             `json:"api_key_ref,omitempty"`
	CodeEngine       *CodeEngine        `json:"code_engine,omitempty"`
	Schema           *CredentialsSchema `json:"schema,omitempty"`
	TaskTimeout      string             `json:"task_timeout,omitempty"`
	CofferProvider   *CofferProvider    `json:"coffer_provider,omitempty"` // Coffer's extension
}

// Configuration is a configuration with all its fields: CreateConfiguration,
// GetConfiguration and UpdateConfiguration.
type Configuration struct {
	ConfigurationMetadata

	LetsEncryptPrivateKey         SecretString `json:"lets_encrypt_private_key,omitempty"`
	ClassicInfrastructureUsername string       `json:"classic_infrastructure_username,omitempty"`
	ClassicInfrastructurePassword SecretString `json:"classic_infrastructure_password,omitempty"`
	CloudInternetServicesAPIKey   SecretString `json:"cloud_internet_services_apikey,omitempty"`
	CloudInternetServicesCRN      string       `json:"cloud_internet_services_crn,omitempty"`
	APIKey                        SecretString `json:"api_key,omitempty"`

	MaxTTLSeconds                  *int64 `json:"max_ttl_seconds,omitempty"`
	CRLExpirySeconds               *int64 `json:"crl_expiry_seconds,omitempty"`
	TTLSeconds                     *int64 `json:"ttl_seconds,omitempty"`
	NotBeforeDurationSeconds       *int64 `json:"not_before_duration_seconds,omitempty"`
	CRLDisable                     *bool  `json:"crl_disable,omitempty"`
	IssuingCertificatesURLsEncoded *bool  `json:"issuing_certificates_urls_encoded,omitempty"`
	SANs
	Format              string   `json:"format,omitempty"`
	PrivateKeyFormat    string   `json:"private_key_format,omitempty"`
	MaxPathLength       *int64   `json:"max_path_length,omitempty"`
	ExcludeCNFromSans   *bool    `json:"exclude_cn_from_sans,omitempty"`
	PermittedDNSDomains []string `json:"permitted_dns_domains,omitempty"`
	Subject
	Data *CAData `json:"data,omitempty"`
	TemplateOptions
}

// Metadata returns c's list representation (ListConfigurations items): the
// embedded ConfigurationMetadata without the fields a template shows only in
// full (key_type, key_bits).
func (c Configuration) Metadata() ConfigurationMetadata {
	m := c.ConfigurationMetadata
	if m.ConfigType == ConfigTypeTemplate {
		m.KeyType, m.KeyBits = "", nil
	}
	return m
}

// ConfigurationPrototype is the body of CreateConfiguration, for every type.
// Check a body's fields with ConfigFieldsOf(type, RepConfigurationPrototype).
type ConfigurationPrototype struct {
	ConfigType string `json:"config_type"`
	Name       string `json:"name"`

	LetsEncryptEnvironment        string       `json:"lets_encrypt_environment,omitempty"`
	LetsEncryptPrivateKey         SecretString `json:"lets_encrypt_private_key,omitempty"`
	LetsEncryptPreferredChain     string       `json:"lets_encrypt_preferred_chain,omitempty"`
	ClassicInfrastructureUsername string       `json:"classic_infrastructure_username,omitempty"`
	ClassicInfrastructurePassword SecretString `json:"classic_infrastructure_password,omitempty"`
	CloudInternetServicesAPIKey   SecretString `json:"cloud_internet_services_apikey,omitempty"`
	CloudInternetServicesCRN      string       `json:"cloud_internet_services_crn,omitempty"`

	MaxTTL            string `json:"max_ttl,omitempty"`
	CRLExpiry         string `json:"crl_expiry,omitempty"`
	TTL               string `json:"ttl,omitempty"`
	NotBeforeDuration string `json:"not_before_duration,omitempty"`
	CAOptions
	TemplateOptions
	AllowWildcardCertificates *bool  `json:"allow_wildcard_certificates,omitempty"`
	CertificateAuthority      string `json:"certificate_authority,omitempty"` // template

	APIKey   SecretString `json:"api_key,omitempty"`
	Disabled *bool        `json:"disabled,omitempty"`

	APIKeyRef      string          `json:"api_key_ref,omitempty"`
	CodeEngine     *CodeEngine     `json:"code_engine,omitempty"`
	TaskTimeout    string          `json:"task_timeout,omitempty"`
	CofferProvider *CofferProvider `json:"coffer_provider,omitempty"` // Coffer's extension
}

// ConfigurationPatch is the merge-patch body of UpdateConfiguration (no
// discriminator: check it with ConfigFieldsOf(stored type,
// RepConfigurationPatch)).
type ConfigurationPatch struct {
	LetsEncryptEnvironment        string       `json:"lets_encrypt_environment,omitempty"`
	LetsEncryptPrivateKey         SecretString `json:"lets_encrypt_private_key,omitempty"`
	LetsEncryptPreferredChain     string       `json:"lets_encrypt_preferred_chain,omitempty"`
	ClassicInfrastructureUsername string       `json:"classic_infrastructure_username,omitempty"`
	ClassicInfrastructurePassword SecretString `json:"classic_infrastructure_password,omitempty"`
	CloudInternetServicesAPIKey   SecretString `json:"cloud_internet_services_apikey,omitempty"`
	CloudInternetServicesCRN      string       `json:"cloud_internet_services_crn,omitempty"`

	MaxTTL                         string `json:"max_ttl,omitempty"`
	CRLExpiry                      string `json:"crl_expiry,omitempty"`
	TTL                            string `json:"ttl,omitempty"`
	NotBeforeDuration              string `json:"not_before_duration,omitempty"`
	CRLDisable                     *bool  `json:"crl_disable,omitempty"`
	CRLDistributionPointsEncoded   *bool  `json:"crl_distribution_points_encoded,omitempty"`
	IssuingCertificatesURLsEncoded *bool  `json:"issuing_certificates_urls_encoded,omitempty"`
	KeyType                        string `json:"key_type,omitempty"`
	KeyBits                        *int64 `json:"key_bits,omitempty"`
	Subject
	TemplateOptions

	APIKey         SecretString    `json:"api_key,omitempty"`
	Disabled       *bool           `json:"disabled,omitempty"`
	TaskTimeout    string          `json:"task_timeout,omitempty"`
	CofferProvider *CofferProvider `json:"coffer_provider,omitempty"` // Coffer's extension
}

// SignOptions are the options of the sign_intermediate and sign_csr
// configuration actions.
type SignOptions struct {
	CommonName string `json:"common_name,omitempty"`
	SANs
	TTL                 string   `json:"ttl,omitempty"`
	Format              string   `json:"format,omitempty"`
	MaxPathLength       *int64   `json:"max_path_length,omitempty"`
	ExcludeCNFromSans   *bool    `json:"exclude_cn_from_sans,omitempty"`
	PermittedDNSDomains []string `json:"permitted_dns_domains,omitempty"`
	UseCSRValues        *bool    `json:"use_csr_values,omitempty"`
	Subject
}

// ConfigurationActionPrototype is the body of CreateConfigurationAction, for
// every action type.
type ConfigurationActionPrototype struct {
	ActionType string `json:"action_type"`
	SignOptions
	CSR                              string `json:"csr,omitempty"`
	IntermediateCertificateAuthority string `json:"intermediate_certificate_authority,omitempty"`
	Certificate                      string `json:"certificate,omitempty"`
}

// ConfigurationAction is the answer of CreateConfigurationAction; only the
// fields of action_type are set (success is required for rotate_crl).
type ConfigurationAction struct {
	ActionType string `json:"action_type"`
	SignOptions
	CSR                              string                    `json:"csr,omitempty"`
	IntermediateCertificateAuthority string                    `json:"intermediate_certificate_authority,omitempty"`
	Certificate                      string                    `json:"certificate,omitempty"`
	Data                             *CACertificate            `json:"data,omitempty"`
	RevocationTimeSeconds            *int64                    `json:"revocation_time_seconds,omitempty"`
	Success                          *bool                     `json:"success,omitempty"`
	Name                             string                    `json:"name,omitempty"`
	Config                           *RotateIntermediateConfig `json:"config,omitempty"`
}

// CACertificate is a signed CA certificate; Expiration is in Unix seconds.
type CACertificate struct {
	Certificate string   `json:"certificate"`
	IssuingCA   string   `json:"issuing_ca,omitempty"`
	CAChain     []string `json:"ca_chain,omitempty"`
	Expiration  *int64   `json:"expiration,omitempty"`
}

// RotateIntermediateConfig is the config of a rotate_intermediate answer:
// the sign options with ttl in integer seconds, the CSR and the new data.
type RotateIntermediateConfig struct {
	SignOptions
	TTL  int64          `json:"ttl,omitempty"`
	CSR  string         `json:"csr,omitempty"`
	Data *CACertificate `json:"data,omitempty"`
}

// ConfigurationsPage is the answer of ListConfigurations.
type ConfigurationsPage struct {
	Page
	Configurations List[ConfigurationMetadata] `json:"configurations"`
}

// Page is the paging envelope of Secrets Manager lists. First and Last are
// always present; Next only when more items follow, Previous only when
// Offset > 0. Build it with NewPage.
type Page struct {
	TotalCount int64 `json:"total_count"`
	Limit      int64 `json:"limit"`
	Offset     int64 `json:"offset"`
	First      *Href `json:"first"`
	Next       *Href `json:"next,omitempty"`
	Previous   *Href `json:"previous,omitempty"`
	Last       *Href `json:"last"`
}

// Href is a link of a Page.
type Href struct {
	Href string `json:"href"`
}

// NewPage returns the paging envelope of a page of returned items starting
// at offset, out of total, for a request to path with the given query (its
// filters are kept in every link; offset and limit are replaced). limit must
// be positive.
func NewPage(path string, query url.Values, total, limit, offset, returned int64) Page {
	link := func(off int64) *Href {
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		q.Set("limit", strconv.FormatInt(limit, 10))
		q.Set("offset", strconv.FormatInt(off, 10))
		return &Href{Href: path + "?" + q.Encode()}
	}
	p := Page{TotalCount: total, Limit: limit, Offset: offset, First: link(0)}
	last := int64(0)
	if total > 0 && limit > 0 {
		last = (total - 1) / limit * limit
	}
	p.Last = link(last)
	if offset+returned < total && returned > 0 {
		p.Next = link(offset + limit)
	}
	if offset > 0 {
		p.Previous = link(max(offset-limit, 0))
	}
	return p
}

// Representations of Secrets Manager objects, for FieldsOf and ConfigFieldsOf.
type Representation int

// The representations of secrets (FieldsOf) and configurations
// (ConfigFieldsOf).
const (
	RepSecret                 Representation = iota // Secret
	RepSecretMetadata                               // SecretMetadata
	RepVersion                                      // SecretVersion
	RepVersionMetadata                              // SecretVersionMetadata
	RepPrototype                                    // SecretPrototype (input)
	RepMetadataPatch                                // SecretMetadataPatch (input)
	RepVersionPrototype                             // SecretVersionPrototype (input)
	RepConfiguration                                // Configuration
	RepConfigurationMetadata                        // ConfigurationMetadata
	RepConfigurationPrototype                       // ConfigurationPrototype (input)
	RepConfigurationPatch                           // ConfigurationPatch (input)
)

var repNames = [...]string{"secret", "secret metadata", "secret version", "secret version metadata",
	"secret prototype", "secret metadata patch", "secret version prototype", "configuration",
	"configuration metadata", "configuration prototype", "configuration patch"}

func (r Representation) String() string {
	if r < 0 || int(r) >= len(repNames) {
		return "representation(" + strconv.Itoa(int(r)) + ")"
	}
	return repNames[r]
}

// Fields is the set of JSON fields one type allows in one representation,
// some of them required. The tables behind FieldsOf and ConfigFieldsOf are
// IBM's SDK v2.0.11 models, field for field.
type Fields struct {
	what     string // e.g. "arbitrary secret prototype", for messages
	names    []string
	required []string
	allowed  map[string]bool
}

func newFields(what, spec string) Fields {
	f := Fields{what: what, allowed: map[string]bool{}}
	for _, n := range strings.Fields(spec) {
		name, req := strings.CutSuffix(n, "*")
		f.names = append(f.names, name)
		f.allowed[name] = true
		if req {
			f.required = append(f.required, name)
		}
	}
	return f
}

// Names returns the allowed field names in IBM's order.
func (f Fields) Names() []string { return slices.Clone(f.names) }

// Required returns the names of the required fields.
func (f Fields) Required() []string { return slices.Clone(f.required) }

// Allows reports whether name is an allowed field.
func (f Fields) Allows(name string) bool { return f.allowed[name] }

// Check checks the top-level keys of a JSON object: the first (in sorted
// order) key that is not allowed, or the first required key that is missing
// or null, is an error wrapping ErrInvalid that names the field. It returns
// the keys whose value is null (a merge patch's deletions), sorted.
func (f Fields) Check(obj map[string]json.RawMessage) (nulls []string, err error) {
	keys := slices.Sorted(maps.Keys(obj))
	for _, k := range keys {
		if !f.allowed[k] {
			return nil, Errorf(ErrInvalid, "field %q is not allowed in a %s", k, f.what)
		}
		if string(bytes.TrimSpace(obj[k])) == "null" {
			nulls = append(nulls, k)
		}
	}
	for _, k := range f.required {
		v, ok := obj[k]
		if !ok || string(bytes.TrimSpace(v)) == "null" {
			return nil, Errorf(ErrInvalid, "field %q is required in a %s", k, f.what)
		}
	}
	return nulls, nil
}

// Decode checks body with Check, then decodes it into v (a pointer to the
// representation's struct) refusing unknown fields. Errors wrap ErrInvalid
// and name the offending field, never its value. It returns the null keys.
func (f Fields) Decode(body []byte, v any) (nulls []string, err error) {
	obj, err := decodeObject(body)
	if err != nil {
		return nil, err
	}
	if nulls, err = f.Check(obj); err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return nil, decodeError(err, f.what)
	}
	return nulls, nil
}

// Discriminator returns the string value of key (secret_type, config_type,
// action_type, status) in the JSON object body. A body that is not an object,
// or a key that is missing, null or not a string, is an error wrapping
// ErrInvalid.
func Discriminator(body []byte, key string) (string, error) {
	obj, err := decodeObject(body)
	if err != nil {
		return "", err
	}
	raw, ok := obj[key]
	if !ok || string(bytes.TrimSpace(raw)) == "null" {
		return "", Errorf(ErrInvalid, "field %q is required", key)
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", Errorf(ErrInvalid, "field %q must be a string", key)
	}
	return s, nil
}

func decodeObject(body []byte) (map[string]json.RawMessage, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil || obj == nil {
		return nil, Errorf(ErrInvalid, "the request body must be a JSON object")
	}
	return obj, nil
}

// decodeError turns a JSON decoding error into an ErrInvalid naming the
// field; the messages of encoding/json may quote input, so they are not used.
func decodeError(err error, what string) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return Errorf(ErrInvalid, "field %q of a %s must be of JSON type %s", te.Field, what, jsonKind(te.Type))
	}
	var ae *Error
	if errors.As(err, &ae) {
		return ae
	}
	if s, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return Errorf(ErrInvalid, "field %s is not allowed in a %s", s, what)
	}
	return Errorf(ErrInvalid, "the request body is not a valid %s", what)
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "string"
	case reflect.Bool:
		return "boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "integer"
	case reflect.Float32, reflect.Float64:
		return "number"
	case reflect.Slice, reflect.Array:
		return "array"
	}
	return "object"
}

// ConfigFieldsOf returns the fields a configuration of configType allows in
// rep (one of the RepConfiguration... values). An unknown configType or a
// secret representation is an error wrapping ErrInvalid.
func ConfigFieldsOf(configType string, rep Representation) (Fields, error) {
	return lookupFields(configFieldTables(), configType, rep, "config_type")
}

func lookupFields(t map[Representation]map[string]Fields, typ string, rep Representation, disc string) (Fields, error) {
	byType, ok := t[rep]
	if !ok {
		return Fields{}, Errorf(ErrInvalid, "no %s fields for a %s", disc, rep)
	}
	f, ok := byType[typ]
	if !ok {
		return Fields{}, Errorf(ErrInvalid, "%s %q is not one of %s", disc, typ, strings.Join(slices.Sorted(maps.Keys(byType)), ", "))
	}
	return f, nil
}

// buildFieldTables expands a table of common and per-type field specs (names
// separated by spaces, required ones ending in "*"; the "" entry lists the
// fields common to every type).
func buildFieldTables(spec map[Representation]map[string]string, noun string) map[Representation]map[string]Fields {
	t := map[Representation]map[string]Fields{}
	for rep, byType := range spec {
		t[rep] = map[string]Fields{}
		for typ, extra := range byType {
			if typ != "" {
				t[rep][typ] = newFields(typ+" "+noun+" "+strings.TrimPrefix(rep.String(), noun+" "), byType[""]+" "+extra)
			}
		}
	}
	return t
}

var configFieldTables = sync.OnceValue(func() map[Representation]map[string]Fields {
	return buildFieldTables(configFieldSpec, "configuration")
})

// configFieldSpec is generated from IBM's SDK v2.0.11 models (see the test
// that compares it with the SDK), plus Coffer's extension: a
// custom_credentials_configuration may carry coffer_provider (a built-in
// provider) instead of code_engine, so code_engine is optional here and the
// secrets service requires one of the two.
var configFieldSpec = map[Representation]map[string]string{
	RepConfiguration: {
		"": "config_type* name* secret_type* created_by* created_at* updated_at*",
		"public_cert_configuration_ca_lets_encrypt":             "lets_encrypt_environment* lets_encrypt_preferred_chain lets_encrypt_private_key*",
		"public_cert_configuration_dns_classic_infrastructure":  "classic_infrastructure_username* classic_infrastructure_password*",
		"public_cert_configuration_dns_cloud_internet_services": "cloud_internet_services_apikey cloud_internet_services_crn*",
		"private_cert_configuration_root_ca":                    "common_name* crl_distribution_points_encoded expiration_date key_type key_bits status crypto_key max_ttl_seconds crl_expiry_seconds crl_disable issuing_certificates_urls_encoded alt_names ip_sans uri_sans other_sans ttl_seconds format private_key_format max_path_length exclude_cn_from_sans permitted_dns_domains ou organization country locality province street_address postal_code serial_number data",
		"private_cert_configuration_intermediate_ca":            "common_name* crl_distribution_points_encoded expiration_date issuer key_type key_bits signing_method* status crypto_key max_ttl_seconds crl_expiry_seconds crl_disable issuing_certificates_urls_encoded alt_names ip_sans uri_sans other_sans format private_key_format exclude_cn_from_sans ou organization country locality province street_address postal_code serial_number data",
		"private_cert_configuration_template":                   "certificate_authority* allowed_secret_groups max_ttl_seconds ttl_seconds allow_localhost allowed_domains allowed_domains_template allow_bare_domains allow_subdomains allow_glob_domains allow_any_name enforce_hostnames allow_ip_sans allowed_uri_sans allowed_other_sans server_flag client_flag code_signing_flag email_protection_flag key_type key_bits key_usage ext_key_usage ext_key_usage_oids use_csr_common_name use_csr_sans ou organization country locality province street_address postal_code serial_number require_cn policy_identifiers basic_constraints_valid_for_non_ca not_before_duration_seconds",
		"iam_credentials_configuration":                         "disabled api_key",
		"custom_credentials_configuration":                      "code_engine_key_ref api_key_ref code_engine schema* task_timeout coffer_provider",
	},
	RepConfigurationMetadata: {
		"": "config_type* name* secret_type* created_by* created_at* updated_at*",
		"public_cert_configuration_ca_lets_encrypt":             "lets_encrypt_environment* lets_encrypt_preferred_chain",
		"public_cert_configuration_dns_classic_infrastructure":  "",
		"public_cert_configuration_dns_cloud_internet_services": "",
		"private_cert_configuration_root_ca":                    "common_name* crl_distribution_points_encoded expiration_date key_type key_bits status crypto_key",
		"private_cert_configuration_intermediate_ca":            "common_name* crl_distribution_points_encoded expiration_date issuer key_type key_bits signing_method* status crypto_key",
		"private_cert_configuration_template":                   "certificate_authority*",
		"iam_credentials_configuration":                         "disabled",
		"custom_credentials_configuration":                      "code_engine_key_ref api_key_ref code_engine schema* task_timeout coffer_provider",
	},
	RepConfigurationPrototype: {
		"": "config_type* name*",
		"public_cert_configuration_ca_lets_encrypt":             "lets_encrypt_environment* lets_encrypt_private_key* lets_encrypt_preferred_chain",
		"public_cert_configuration_dns_classic_infrastructure":  "classic_infrastructure_username* classic_infrastructure_password*",
		"public_cert_configuration_dns_cloud_internet_services": "cloud_internet_services_apikey cloud_internet_services_crn*",
		"private_cert_configuration_root_ca":                    "crypto_key max_ttl* crl_expiry crl_disable crl_distribution_points_encoded issuing_certificates_urls_encoded common_name* alt_names ip_sans uri_sans other_sans ttl format private_key_format key_type key_bits max_path_length exclude_cn_from_sans permitted_dns_domains ou organization country locality province street_address postal_code serial_number",
		"private_cert_configuration_intermediate_ca":            "crypto_key max_ttl* signing_method* issuer crl_expiry crl_disable crl_distribution_points_encoded issuing_certificates_urls_encoded common_name* alt_names ip_sans uri_sans other_sans format private_key_format key_type key_bits exclude_cn_from_sans ou organization country locality province street_address postal_code serial_number",
		"private_cert_configuration_template":                   "certificate_authority* allowed_secret_groups max_ttl ttl allow_localhost allowed_domains allowed_domains_template allow_bare_domains allow_subdomains allow_glob_domains allow_wildcard_certificates allow_any_name enforce_hostnames allow_ip_sans allowed_uri_sans allowed_other_sans server_flag client_flag code_signing_flag email_protection_flag key_type key_bits key_usage ext_key_usage ext_key_usage_oids use_csr_common_name use_csr_sans ou organization country locality province street_address postal_code serial_number require_cn policy_identifiers basic_constraints_valid_for_non_ca not_before_duration",
		"iam_credentials_configuration":                         "api_key* disabled",
		"custom_credentials_configuration":                      "api_key_ref code_engine task_timeout coffer_provider",
	},
	RepConfigurationPatch: {
		"": "",
		"public_cert_configuration_ca_lets_encrypt":             "lets_encrypt_environment* lets_encrypt_private_key lets_encrypt_preferred_chain",
		"public_cert_configuration_dns_classic_infrastructure":  "classic_infrastructure_username classic_infrastructure_password",
		"public_cert_configuration_dns_cloud_internet_services": "cloud_internet_services_apikey* cloud_internet_services_crn",
		"private_cert_configuration_root_ca":                    "max_ttl crl_expiry crl_disable crl_distribution_points_encoded issuing_certificates_urls_encoded",
		"private_cert_configuration_intermediate_ca":            "max_ttl crl_expiry crl_disable crl_distribution_points_encoded issuing_certificates_urls_encoded",
		"private_cert_configuration_template":                   "allowed_secret_groups max_ttl ttl allow_localhost allowed_domains allowed_domains_template allow_bare_domains allow_subdomains allow_glob_domains allow_any_name enforce_hostnames allow_ip_sans allowed_uri_sans allowed_other_sans server_flag client_flag code_signing_flag email_protection_flag key_type key_bits key_usage ext_key_usage ext_key_usage_oids use_csr_common_name use_csr_sans ou organization country locality province street_address postal_code serial_number require_cn policy_identifiers basic_constraints_valid_for_non_ca not_before_duration",
		"iam_credentials_configuration":                         "api_key disabled",
		"custom_credentials_configuration":                      "task_timeout coffer_provider",
	},
}
