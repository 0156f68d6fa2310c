package authz_test

import (
	"context"
	"errors"
	"testing"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/client"
	"github.com/cofferhq/coffer/internal/servertest"
)

// serviceIDWithRole creates a service ID holding role on the instance and
// returns a client logged in with its API key, and the policy's id.
func serviceIDWithRole(t *testing.T, srv *servertest.Server, account, instance, name, role string) (*client.Client, string) {
	t.Helper()
	ctx := context.Background()
	sid, err := srv.Client.CreateServiceID(ctx, api.CreateServiceIDRequest{AccountID: account, Name: name}, client.CreateOptions{})
	if err != nil {
		t.Fatalf("CreateServiceID: %v", err)
	}
	key, err := srv.Client.CreateAPIKey(ctx, api.CreateAPIKeyRequest{Name: name, IAMID: sid.IAMID, AccountID: account},
		client.CreateOptions{})
	if err != nil {
		t.Fatalf("CreateAPIKey: %v", err)
	}
	pol, err := srv.Client.CreatePolicy(ctx, api.Policy{Type: "access",
		Subjects: []api.PolicySubject{{Attributes: []api.SubjectAttribute{{Name: "iam_id", Value: sid.IAMID}}}},
		Roles:    []api.PolicyRole{{RoleID: role}},
		Resources: []api.PolicyResource{{Attributes: []api.ResourceAttribute{{Name: "accountId", Value: account},
			{Name: "serviceName", Value: "secrets-manager"}, {Name: "serviceInstance", Value: instance}}}},
	})
	if err != nil {
		t.Fatalf("CreatePolicy(%s): %v", role, err)
	}
	return client.New(client.Config{URL: srv.URL, APIKey: key.APIKey.Sensitive()}), pol.ID
}

// The role table's central promise, through the real Secrets Manager API:
// Reader sees metadata but never a value; SecretsReader sees the value but
// cannot create; removing a policy takes effect on the next request.
func TestReaderAndSecretsReaderOnTheSecretsAPI(t *testing.T) {
	srv := servertest.New(t)
	ctx := context.Background()
	boot := srv.Bootstrap()
	admin := srv.Client.SecretsManager(boot.DefaultInstance)
	sec, err := admin.CreateSecret(ctx, api.SecretPrototype{SecretType: "arbitrary", Name: "db-password", Payload: "s3cret"})
	if err != nil {
		t.Fatalf("CreateSecret: %v", err)
	}
	newSecret := api.SecretPrototype{SecretType: "arbitrary", Name: "another", Payload: "x"}

	reader, _ := serviceIDWithRole(t, srv, boot.AccountID, boot.DefaultInstance, "reader",
		"crn:v1:coffer:public:iam::::serviceRole:Reader")
	rsm := reader.SecretsManager(boot.DefaultInstance)
	if md, err := rsm.SecretMetadata(ctx, sec.ID); err != nil || md.Name != "db-password" {
		t.Errorf("Reader: SecretMetadata = %+v, %v; want the metadata", md, err)
	}
	if got, err := rsm.Secret(ctx, sec.ID); !errors.Is(err, api.ErrPermissionDenied) {
		t.Errorf("Reader: Secret = %+v, %v; want 403", got, err)
	}
	if _, err := rsm.CreateSecret(ctx, newSecret); !errors.Is(err, api.ErrPermissionDenied) {
		t.Errorf("Reader: CreateSecret = %v, want 403", err)
	}

	sreader, policyID := serviceIDWithRole(t, srv, boot.AccountID, boot.DefaultInstance, "secrets-reader",
		"crn:v1:coffer:public:secrets-manager::::serviceRole:SecretsReader")
	ssm := sreader.SecretsManager(boot.DefaultInstance)
	if got, err := ssm.Secret(ctx, sec.ID); err != nil || got.Payload.Reveal() != "s3cret" {
		t.Errorf("SecretsReader: Secret = %v; want the payload", err)
	}
	if _, err := ssm.CreateSecret(ctx, newSecret); !errors.Is(err, api.ErrPermissionDenied) {
		t.Errorf("SecretsReader: CreateSecret = %v, want 403", err)
	}

	if err := srv.Client.DeletePolicy(ctx, policyID); err != nil {
		t.Fatalf("DeletePolicy: %v", err)
	}
	if _, err := ssm.Secret(ctx, sec.ID); err == nil {
		t.Errorf("SecretsReader still reads the payload on the request after its policy was deleted")
	} else if !errors.Is(err, api.ErrNotFound) && !errors.Is(err, api.ErrPermissionDenied) {
		t.Errorf("after the policy was deleted, Secret = %v, want 403 or 404", err)
	}
}
