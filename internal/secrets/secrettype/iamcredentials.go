package secrettype

import (
	"context"
	"fmt"
	"time"

	"github.com/cofferhq/coffer/api"
)

// MaxAccessGroups is the most access groups an iam_credentials secret names.
const MaxAccessGroups = 10

// CredentialIssuer creates the API key behind an iam_credentials version.
// The service implements it with Coffer's IAM: for a static service ID it
// creates a key for that ID; otherwise it creates (or, with ReuseAPIKey,
// reuses) a service ID in the access groups.
type CredentialIssuer interface {
	IssueAPIKey(ctx context.Context, req IAMCredentialsRequest) (*IssuedAPIKey, error)
}

// IAMCredentialsRequest describes the API key to issue.
type IAMCredentialsRequest struct {
	SecretName   string
	AccountID    string   // target account; "" for the instance's account
	ServiceID    string   // a static service ID; "" to create one
	AccessGroups []string // access groups of a created service ID
	ReuseAPIKey  bool
	TTL          time.Duration // the key expires TTL after it is issued; 0: never
}

// IssuedAPIKey is an API key an issuer created.
type IssuedAPIKey struct {
	APIKey            api.Sensitive
	APIKeyID          string
	ServiceID         string
	ServiceIDIsStatic bool
}

// IAMCredentials is the iam_credentials secret type: an API key for a
// service ID, created by Env.IAM.
type IAMCredentials struct{}

type iamPayload struct {
	APIKey string `json:"api_key"`
}

// Name returns "iam_credentials".
func (IAMCredentials) Name() string { return api.SecretTypeIAMCredentials }

// Create requires ttl (1 minute to 90 days), reuse_api_key, and either
// service_id or 1 to 10 access_groups, then asks Env.IAM for the key.
func (t IAMCredentials) Create(ctx context.Context, p *api.SecretPrototype, env Env) (*Version, error) {
	if err := ValidateCommon(p, env); err != nil {
		return nil, err
	}
	ttl, err := ValidateTTL(p.TTL, MinIAMTTL, MaxTTL)
	if err != nil {
		return nil, err
	}
	if p.ReuseAPIKey == nil {
		return nil, invalid("reuse_api_key is required for iam_credentials secrets")
	}
	if err := validateIAMTarget(p.ServiceID, p.AccessGroups); err != nil {
		return nil, err
	}
	if err := ValidateRotation(p.Rotation); err != nil {
		return nil, err
	}
	return t.issue(ctx, IAMCredentialsRequest{SecretName: p.Name, AccountID: p.AccountID, ServiceID: p.ServiceID,
		AccessGroups: p.AccessGroups, ReuseAPIKey: *p.ReuseAPIKey, TTL: ttl}, env)
}

func validateIAMTarget(serviceID string, groups []string) error {
	switch {
	case serviceID != "" && len(groups) > 0:
		return invalid("give either service_id or access_groups, not both")
	case serviceID == "" && len(groups) == 0:
		return invalid("access_groups or service_id is required for iam_credentials secrets")
	case len(groups) > MaxAccessGroups:
		return invalid("access_groups: at most %d access groups are allowed", MaxAccessGroups)
	}
	for i, g := range groups {
		if g == "" {
			return invalid("access_groups[%d] must not be empty", i)
		}
	}
	return nil
}

// NewVersion issues a new key for the secret's service ID, or, with
// restore_from_version, returns a Version whose RestoreFrom names the
// version whose payload the service copies.
func (t IAMCredentials) NewVersion(ctx context.Context, p *api.SecretVersionPrototype, cur Current, env Env) (*Version, error) {
	if err := validateVersionCommon(p); err != nil {
		return nil, err
	}
	if p.RestoreFromVersion != "" {
		return &Version{RestoreFrom: p.RestoreFromVersion}, nil
	}
	if cur.Metadata == nil {
		return nil, fmt.Errorf("iam_credentials rotation without the secret's metadata: %w", api.ErrInternal)
	}
	m := cur.Metadata
	req := IAMCredentialsRequest{SecretName: m.Name, AccountID: m.AccountID, AccessGroups: m.AccessGroups, ReuseAPIKey: deref(m.ReuseAPIKey)}
	if m.TTL != "" {
		if d, err := ParseTTL(m.TTL); err == nil {
			req.TTL = d
		}
	}
	if deref(m.ServiceIDIsStatic) || deref(m.ReuseAPIKey) {
		req.ServiceID = m.ServiceID
	}
	return t.issue(ctx, req, env)
}

func (IAMCredentials) issue(ctx context.Context, req IAMCredentialsRequest, env Env) (*Version, error) {
	if env.IAM == nil {
		return nil, api.Errorf(api.ErrUnsupported, "iam_credentials secrets are not supported: no IAM credentials issuer is configured")
	}
	k, err := env.IAM.IssueAPIKey(ctx, req)
	if err != nil {
		return nil, err
	}
	b, err := encodeJSONPayload(iamPayload{APIKey: k.APIKey.Reveal()})
	if err != nil {
		return nil, err
	}
	return &Version{Payload: b, APIKeyID: k.APIKeyID, ServiceID: k.ServiceID, ServiceIDIsStatic: k.ServiceIDIsStatic}, nil
}

// Render sets APIKey.
func (IAMCredentials) Render(payload []byte, into *api.SecretData) error {
	var p iamPayload
	if err := decodeJSONPayload(payload, &p); err != nil {
		return err
	}
	into.APIKey = api.SecretString(p.APIKey)
	return nil
}
