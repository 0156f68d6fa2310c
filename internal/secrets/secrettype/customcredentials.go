package secrettype

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/cofferhq/coffer/api"
)

// CustomCredentialsScheduler queues the create_credentials task of a
// custom_credentials version; the provider reports the credentials later
// through ReplaceSecretTask, and the service stores them with
// CustomCredentialsPayload.
type CustomCredentialsScheduler interface {
	QueueCreateCredentials(ctx context.Context, req CustomCredentialsRequest) (taskID string, err error)
}

// CustomCredentialsRequest describes the credentials to create.
type CustomCredentialsRequest struct {
	SecretName    string
	Configuration string         // the custom credentials configuration's name
	Parameters    map[string]any // string, number or boolean values
	Trigger       string         // api.TaskTrigger…
}

// CustomCredentials is the custom_credentials secret type (IBM's task model).
type CustomCredentials struct{}

// Name returns "custom_credentials".
func (CustomCredentials) Name() string { return api.SecretTypeCustomCredentials }

// Create requires configuration; parameters hold only strings, numbers and
// booleans; ttl is optional (1 to 90 days). The first version is Pending
// until its task reports credentials.
func (t CustomCredentials) Create(ctx context.Context, p *api.SecretPrototype, env Env) (*Version, error) {
	if err := ValidateCommon(p, env); err != nil {
		return nil, err
	}
	if p.Configuration == "" {
		return nil, invalid("configuration is required for custom_credentials secrets")
	}
	if err := validateParameters(p.Parameters); err != nil {
		return nil, err
	}
	if p.TTL != "" {
		if _, err := ValidateTTL(p.TTL, MinCredentialsTTL, MaxTTL); err != nil {
			return nil, err
		}
	}
	if err := ValidateRotation(p.Rotation); err != nil {
		return nil, err
	}
	return t.queue(ctx, CustomCredentialsRequest{SecretName: p.Name, Configuration: p.Configuration,
		Parameters: p.Parameters, Trigger: api.TaskTriggerSecretCreation}, env)
}

// NewVersion queues a manual rotation task. Until the task reports the new
// credentials, the new version serves a copy of the current version's
// credentials (when it has any), so that a rotation in progress, or one
// whose provider fails, never leaves the secret without credentials; the
// copied user is not dropped while it is served this way.
func (t CustomCredentials) NewVersion(ctx context.Context, p *api.SecretVersionPrototype, cur Current, env Env) (*Version, error) {
	if err := validateVersionCommon(p); err != nil {
		return nil, err
	}
	if cur.Metadata == nil {
		return nil, invalid("the secret has no configuration")
	}
	v, err := t.queue(ctx, CustomCredentialsRequest{SecretName: cur.Metadata.Name, Configuration: cur.Metadata.Configuration,
		Parameters: cur.Metadata.Parameters, Trigger: api.TaskTriggerManualRotation}, env)
	if err != nil || cur.Payload == nil {
		return v, err
	}
	v.Payload, v.Pending = bytes.Clone(cur.Payload), false
	return v, nil
}

func (CustomCredentials) queue(ctx context.Context, req CustomCredentialsRequest, env Env) (*Version, error) {
	if env.Tasks == nil {
		return nil, api.Errorf(api.ErrUnsupported, "custom_credentials secrets are not supported: no task scheduler is configured")
	}
	id, err := env.Tasks.QueueCreateCredentials(ctx, req)
	if err != nil {
		return nil, err
	}
	return &Version{Pending: true, TaskID: id}, nil
}

func validateParameters(params map[string]any) error {
	for k, v := range params {
		switch v.(type) {
		case string, float64, json.Number, bool:
		default:
			return invalid("parameters.%s must be a string, a number or a boolean", truncate(k, 64))
		}
	}
	return nil
}

// CustomCredentialsPayload validates the credentials a task reported (a JSON
// object within env's size limit) and returns the version payload.
func CustomCredentialsPayload(content api.SecretJSON, env Env) ([]byte, error) {
	canon, err := CanonicalKV(content.Reveal(), env)
	if err != nil {
		return nil, invalid("credentials.payload must be a JSON object within the payload limit")
	}
	return encodeJSONPayload(struct {
		C json.RawMessage `json:"credentials_content"`
	}{canon})
}

// Render sets CredentialsContent.
func (CustomCredentials) Render(payload []byte, into *api.SecretData) error {
	var p struct {
		C json.RawMessage `json:"credentials_content"`
	}
	if err := decodeJSONPayload(payload, &p); err != nil {
		return err
	}
	into.CredentialsContent = api.SecretJSON(p.C)
	return nil
}
