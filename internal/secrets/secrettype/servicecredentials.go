package secrettype

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/cofferhq/coffer/api"
)

// ServiceCredentialIssuer creates the credentials behind a
// service_credentials version: a service ID and API key with the requested
// role on a Coffer service instance, in IBM's credentials shape.
type ServiceCredentialIssuer interface {
	IssueServiceCredentials(ctx context.Context, req ServiceCredentialsRequest) (*IssuedServiceCredentials, error)
}

// ServiceCredentialsRequest describes the credentials to issue.
type ServiceCredentialsRequest struct {
	SecretName    string
	SourceService api.ServiceCredentialsSourceService
}

// IssuedServiceCredentials is what an issuer created: the credentials object
// (apikey, iam_apikey_id, iam_role_crn, … and any extra keys) and the
// resource key.
type IssuedServiceCredentials struct {
	Credentials api.SecretJSON
	ResourceKey *api.ResourceKey
}

// ServiceCredentials is the service_credentials secret type.
type ServiceCredentials struct{}

type svcPayload struct {
	Credentials json.RawMessage `json:"credentials"`
}

// Name returns "service_credentials".
func (ServiceCredentials) Name() string { return api.SecretTypeServiceCredentials }

// Create requires source_service.instance.crn (and role.crn when a role is
// given); ttl is optional (1 to 90 days).
func (t ServiceCredentials) Create(ctx context.Context, p *api.SecretPrototype, env Env) (*Version, error) {
	if err := ValidateCommon(p, env); err != nil {
		return nil, err
	}
	s := p.SourceService
	if s == nil || s.Instance == nil || s.Instance.CRN == "" {
		return nil, invalid("source_service.instance.crn is required for service_credentials secrets")
	}
	if s.Role != nil && s.Role.CRN == "" {
		return nil, invalid("source_service.role.crn is required when source_service.role is given")
	}
	if s.IAM != nil || s.ResourceKey != nil {
		return nil, invalid("source_service.iam and source_service.resource_key are read-only")
	}
	if p.TTL != "" {
		if _, err := ValidateTTL(p.TTL, MinCredentialsTTL, MaxTTL); err != nil {
			return nil, err
		}
	}
	if err := ValidateRotation(p.Rotation); err != nil {
		return nil, err
	}
	return t.issue(ctx, ServiceCredentialsRequest{SecretName: p.Name, SourceService: *s}, env)
}

// NewVersion issues new credentials for the secret's source service.
func (t ServiceCredentials) NewVersion(ctx context.Context, p *api.SecretVersionPrototype, cur Current, env Env) (*Version, error) {
	if err := validateVersionCommon(p); err != nil {
		return nil, err
	}
	if cur.Metadata == nil || cur.Metadata.SourceService == nil {
		return nil, invalid("the secret has no source_service")
	}
	src := *cur.Metadata.SourceService
	src.IAM, src.ResourceKey = nil, nil
	return t.issue(ctx, ServiceCredentialsRequest{SecretName: cur.Metadata.Name, SourceService: src}, env)
}

func (ServiceCredentials) issue(ctx context.Context, req ServiceCredentialsRequest, env Env) (*Version, error) {
	if env.Services == nil {
		return nil, api.Errorf(api.ErrUnsupported, "service_credentials secrets are not supported: no service credentials issuer is configured")
	}
	c, err := env.Services.IssueServiceCredentials(ctx, req)
	if err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(c.Credentials)) == 0 || bytes.TrimSpace(c.Credentials)[0] != '{' {
		return nil, api.Errorf(api.ErrInternal, "service credentials issuer returned no credentials object")
	}
	b, err := encodeJSONPayload(svcPayload{Credentials: json.RawMessage(c.Credentials)})
	if err != nil {
		return nil, err
	}
	return &Version{Payload: b, ResourceKey: c.ResourceKey}, nil
}

// Render sets Credentials.
func (ServiceCredentials) Render(payload []byte, into *api.SecretData) error {
	var p svcPayload
	if err := decodeJSONPayload(payload, &p); err != nil {
		return err
	}
	into.Credentials = api.SecretJSON(p.Credentials)
	return nil
}
