package secrets

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/identity"
	"github.com/cofferhq/coffer/internal/secrets/secrettype"
	"github.com/cofferhq/coffer/internal/store"
)

// env returns the environment of the secret types for call c; q collects
// the custom credentials tasks to store with the version (nil: none may be
// queued).
func (s *Service) env(c *call, q *taskQueue) secrettype.Env {
	e := secrettype.Env{Now: s.now(), Rand: s.rand, MaxPayload: s.maxPayload(),
		IAM: iamIssuer{s, c}, Services: serviceIssuer{s, c}}
	if q != nil {
		e.Tasks = q
	}
	return e
}

// iamIssuer issues iam_credentials API keys with Coffer's IAM: a service ID
// per secret (created, or the static one given, or reused with
// reuse_api_key) and a fresh API key per version, expiring after the
// secret's ttl. Access group membership is recorded on the secret but not
// applied: Coffer's access groups come with the policy service.
type iamIssuer struct {
	s *Service
	c *call
}

// IssueAPIKey implements secrettype.CredentialIssuer.
func (i iamIssuer) IssueAPIKey(ctx context.Context, req secrettype.IAMCredentialsRequest) (*secrettype.IssuedAPIKey, error) {
	account := req.AccountID
	if account == "" {
		account = i.c.in.AccountID
	}
	if account != i.c.in.AccountID {
		return nil, api.Errorf(api.ErrInvalid, "account_id: Coffer issues IAM credentials only in the instance's account")
	}
	static := req.ServiceID != "" && !req.ReuseAPIKey
	k, err := i.s.ids.IssueSecretAPIKey(ctx, identity.SecretAPIKeyRequest{AccountID: account, CreatedBy: i.c.p.IAMID,
		ServiceID: req.ServiceID, ServiceIDName: "sm-" + req.SecretName,
		ServiceDescription: "Service ID of the Secrets Manager iam_credentials secret " + req.SecretName,
		KeyName:            "sm-" + req.SecretName, KeyDescription: "API key of the Secrets Manager secret " + req.SecretName,
		ExpiresAt: expiresAfter(i.s.now(), req.TTL)})
	if err != nil {
		return nil, err
	}
	return &secrettype.IssuedAPIKey{APIKey: k.APIKey, APIKeyID: k.APIKeyID, ServiceID: k.ServiceID,
		ServiceIDIsStatic: static}, nil
}

// serviceIssuer issues service_credentials: a service ID and an API key for
// a Coffer Secrets Manager instance of the caller's account, in IBM's
// credentials shape. The role is recorded (iam_role_crn), not granted:
// granting comes with the policy service.
type serviceIssuer struct {
	s *Service
	c *call
}

// IssueServiceCredentials implements secrettype.ServiceCredentialIssuer.
func (i serviceIssuer) IssueServiceCredentials(ctx context.Context, req secrettype.ServiceCredentialsRequest) (*secrettype.IssuedServiceCredentials, error) {
	crn, err := identity.ParseCRN(req.SourceService.Instance.CRN)
	if err != nil {
		return nil, api.Errorf(api.ErrInvalid, "source_service.instance.crn: %s", api.Message(err))
	}
	if crn.Account() != i.c.in.AccountID || crn.ServiceInstance == "" {
		return nil, api.Errorf(api.ErrInvalid, "source_service.instance.crn must name a service instance of the account")
	}
	if _, err := i.s.instances.Instance(ctx, crn.ServiceInstance); err != nil {
		return nil, api.Errorf(api.ErrInvalid, "source_service.instance.crn: no such service instance")
	}
	k, err := i.s.ids.IssueSecretAPIKey(ctx, identity.SecretAPIKeyRequest{AccountID: i.c.in.AccountID,
		CreatedBy: i.c.p.IAMID, ServiceIDName: "sm-" + req.SecretName,
		ServiceDescription: "Service ID of the Secrets Manager service_credentials secret " + req.SecretName,
		KeyName:            "sm-" + req.SecretName, KeyDescription: "Service credentials of the Secrets Manager secret " + req.SecretName})
	if err != nil {
		return nil, err
	}
	creds := map[string]any{}
	for k, v := range req.SourceService.Parameters {
		creds[k] = v
	}
	creds["apikey"] = k.APIKey.Reveal()
	creds["iam_apikey_id"] = k.APIKeyID
	creds["iam_apikey_name"] = "sm-" + req.SecretName
	creds["iam_apikey_description"] = "Service credentials of the Secrets Manager secret " + req.SecretName
	creds["iam_serviceid_crn"] = k.ServiceCRN
	if r := req.SourceService.Role; r != nil {
		creds["iam_role_crn"] = r.CRN
	}
	b, err := json.Marshal(creds)
	if err != nil {
		return nil, err
	}
	return &secrettype.IssuedServiceCredentials{Credentials: api.SecretJSON(b),
		ResourceKey: &api.ResourceKey{CRN: k.ServiceCRN, Name: "sm-" + req.SecretName}}, nil
}

// taskQueue queues custom credentials tasks during a create or rotation and
// stores them with the version they belong to.
type taskQueue struct {
	s       *Service
	c       *call
	pending []pendingTask
	auto    bool // an automatic rotation: tasks are triggered automatic_secret_rotation
}

type pendingTask struct {
	id, trigger string
}

// QueueCreateCredentials implements secrettype.CustomCredentialsScheduler:
// the configuration must be a custom_credentials_configuration of the
// instance. The task is stored with the version (store) and waits for a
// provider to report through ReplaceSecretTask.
func (q *taskQueue) QueueCreateCredentials(ctx context.Context, req secrettype.CustomCredentialsRequest) (string, error) {
	cfgs, err := q.s.st.SecretConfigurationsNamed(ctx, q.c.in.GUID, req.Configuration)
	if err != nil {
		return "", err
	}
	found := false
	for _, c := range cfgs {
		found = found || c.ConfigType == api.ConfigTypeCustomCredentials
	}
	if !found {
		return "", api.Errorf(api.ErrInvalid, "configuration %q is not a custom_credentials_configuration of the instance", req.Configuration)
	}
	id := "sm-task-" + uuid.NewString()
	trigger := req.Trigger
	if q.auto && trigger == api.TaskTriggerManualRotation {
		trigger = api.TaskTriggerAutomaticRotation
	}
	q.pending = append(q.pending, pendingTask{id: id, trigger: trigger})
	return id, nil
}

// store writes the queued tasks for version versionID of secretID.
func (q *taskQueue) store(ctx context.Context, tx *store.Tx, secretID, versionID string) error {
	if q == nil {
		return nil
	}
	for _, p := range q.pending {
		err := tx.CreateSecretTask(ctx, &store.SecretTask{ID: p.id, SecretID: secretID, VersionID: versionID,
			Type: api.TaskTypeCreateCredentials, Status: api.TaskStatusQueued, Trigger: p.trigger,
			CreatedBy: q.c.p.IAMID, UpdatedBy: q.c.p.IAMID})
		if err != nil {
			return err
		}
	}
	return nil
}

// expiresAfter returns now + ttl, or zero for no ttl.
func expiresAfter(now time.Time, ttl time.Duration) time.Time {
	if ttl <= 0 {
		return time.Time{}
	}
	return now.Add(ttl)
}
