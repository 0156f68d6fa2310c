package secrets_test

import (
	"testing"

	"github.com/IBM/go-sdk-core/v5/core"
	sm "github.com/IBM/secrets-manager-go-sdk/v2/secretsmanagerv2"
)

// sdkOps returns the 41 operations in an order where each finds what it
// needs; sfx keeps names unique per routing form.
func sdkOps(sfx string) []sdkOp {
	ops := append(groupAndSecretOps(sfx), versionOps(sfx)...)
	ops = append(ops, lockOps()...)
	ops = append(ops, configOps(sfx)...)
	ops = append(ops, notificationOps()...)
	return append(ops, cleanupOps()...)
}

func groupAndSecretOps(sfx string) []sdkOp {
	return []sdkOp{
		{"CreateSecretGroup", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			o := c.NewCreateSecretGroupOptions("group-" + sfx)
			o.SetDescription("test group")
			g, resp, err := c.CreateSecretGroup(o)
			g = must(t, "CreateSecretGroup", g, resp, err, 201)
			if *g.Name != "group-"+sfx || *g.Description != "test group" || g.CreatedAt == nil {
				t.Errorf("CreateSecretGroup = %+v", g)
			}
			st.groupID = *g.ID
		}},
		{"ListSecretGroups", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			l, resp, err := c.ListSecretGroups(c.NewListSecretGroupsOptions())
			l = must(t, "ListSecretGroups", l, resp, err, 200)
			if *l.TotalCount < 2 || *l.SecretGroups[0].ID != "default" {
				t.Errorf("ListSecretGroups = %d groups, first %s; want the default group first", *l.TotalCount, *l.SecretGroups[0].ID)
			}
		}},
		{"GetSecretGroup", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			g, resp, err := c.GetSecretGroup(c.NewGetSecretGroupOptions(st.groupID))
			g = must(t, "GetSecretGroup", g, resp, err, 200)
			if *g.ID != st.groupID {
				t.Errorf("GetSecretGroup id = %s, want %s", *g.ID, st.groupID)
			}
		}},
		{"UpdateSecretGroup", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			patch, _ := (&sm.SecretGroupPatch{Description: core.StringPtr("changed")}).AsPatch()
			g, resp, err := c.UpdateSecretGroup(c.NewUpdateSecretGroupOptions(st.groupID, patch))
			g = must(t, "UpdateSecretGroup", g, resp, err, 200)
			if *g.Description != "changed" || *g.Name != "group-"+sfx {
				t.Errorf("UpdateSecretGroup = %s %q", *g.Name, *g.Description)
			}
		}},
		{"CreateSecret", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			p := &sm.ArbitrarySecretPrototype{SecretType: core.StringPtr("arbitrary"), Name: core.StringPtr("secret-" + sfx),
				SecretGroupID: &st.groupID, Payload: core.StringPtr("payload-1"), Labels: []string{"env:test", "team"},
				VersionCustomMetadata: map[string]any{"v": "1"}}
			s, resp, err := c.CreateSecret(c.NewCreateSecretOptions(p))
			s = must(t, "CreateSecret", s, resp, err, 201)
			a, ok := s.(*sm.ArbitrarySecret)
			if !ok {
				t.Fatalf("CreateSecret = %T, want *ArbitrarySecret", s)
			}
			if *a.Payload != "payload-1" || *a.VersionsTotal != 1 || *a.SecretGroupID != st.groupID || *a.StateDescription != "active" {
				t.Errorf("CreateSecret = payload %q versions %d group %s state %s", *a.Payload, *a.VersionsTotal, *a.SecretGroupID, *a.StateDescription)
			}
			st.secretID = *a.ID
		}},
		{"ListSecrets", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			o := c.NewListSecretsOptions()
			o.SetGroups([]string{st.groupID})
			o.SetMatchAllLabels([]string{"env:test"})
			o.SetSort("-name")
			pager, err := c.NewSecretsPager(o)
			if err != nil {
				t.Fatal(err)
			}
			all, err := pager.GetAll()
			if err != nil {
				t.Fatalf("ListSecrets pager: %v", err)
			}
			if len(all) != 1 || *all[0].(*sm.ArbitrarySecretMetadata).ID != st.secretID {
				t.Errorf("ListSecrets = %d secrets, want the one created", len(all))
			}
		}},
		{"GetSecret", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			s, resp, err := c.GetSecret(c.NewGetSecretOptions(st.secretID))
			s = must(t, "GetSecret", s, resp, err, 200)
			if a := s.(*sm.ArbitrarySecret); *a.Payload != "payload-1" || !*a.Downloaded {
				t.Errorf("GetSecret = payload %q downloaded %v", *a.Payload, *a.Downloaded)
			}
		}},
		{"GetSecretMetadata", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			m, resp, err := c.GetSecretMetadata(c.NewGetSecretMetadataOptions(st.secretID))
			m = must(t, "GetSecretMetadata", m, resp, err, 200)
			if a := m.(*sm.ArbitrarySecretMetadata); *a.Name != "secret-"+sfx || len(a.Labels) != 2 {
				t.Errorf("GetSecretMetadata = %s labels %v", *a.Name, a.Labels)
			}
		}},
		{"UpdateSecretMetadata", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			patch, _ := (&sm.ArbitrarySecretMetadataPatch{Description: core.StringPtr("described")}).AsPatch()
			m, resp, err := c.UpdateSecretMetadata(c.NewUpdateSecretMetadataOptions(st.secretID, patch))
			m = must(t, "UpdateSecretMetadata", m, resp, err, 200)
			if a := m.(*sm.ArbitrarySecretMetadata); *a.Description != "described" || *a.Name != "secret-"+sfx {
				t.Errorf("UpdateSecretMetadata = %q %q", *a.Name, *a.Description)
			}
		}},
		{"CreateSecretAction", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			_, resp, err := c.CreateSecretAction(c.NewCreateSecretActionOptions(st.secretID,
				&sm.PrivateCertificateActionRevokePrototype{ActionType: core.StringPtr("private_cert_action_revoke_certificate")}))
			wantError(t, "CreateSecretAction on an arbitrary secret", resp, err, 400)
		}},
		{"GetSecretByNameType", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			s, resp, err := c.GetSecretByNameType(c.NewGetSecretByNameTypeOptions("arbitrary", "secret-"+sfx, "group-"+sfx))
			s = must(t, "GetSecretByNameType", s, resp, err, 200)
			if a := s.(*sm.ArbitrarySecret); *a.ID != st.secretID {
				t.Errorf("GetSecretByNameType id = %s, want %s", *a.ID, st.secretID)
			}
		}},
	}
}

func versionOps(sfx string) []sdkOp {
	return []sdkOp{
		{"CreateSecretVersion", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			v, resp, err := c.CreateSecretVersion(c.NewCreateSecretVersionOptions(st.secretID,
				&sm.ArbitrarySecretVersionPrototype{Payload: core.StringPtr("payload-2")}))
			v = must(t, "CreateSecretVersion", v, resp, err, 201)
			a := v.(*sm.ArbitrarySecretVersion)
			if *a.Payload != "payload-2" || *a.Alias != "current" {
				t.Errorf("CreateSecretVersion = %q alias %s", *a.Payload, *a.Alias)
			}
			st.versionID = *a.ID
		}},
		{"ListSecretVersions", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			l, resp, err := c.ListSecretVersions(c.NewListSecretVersionsOptions(st.secretID))
			l = must(t, "ListSecretVersions", l, resp, err, 200)
			if *l.TotalCount != 2 || *l.Versions[0].(*sm.ArbitrarySecretVersionMetadata).ID != st.versionID {
				t.Errorf("ListSecretVersions = %d versions", *l.TotalCount)
			}
		}},
		{"GetSecretVersion", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			v, resp, err := c.GetSecretVersion(c.NewGetSecretVersionOptions(st.secretID, "previous"))
			v = must(t, "GetSecretVersion", v, resp, err, 200)
			if a := v.(*sm.ArbitrarySecretVersion); *a.Payload != "payload-1" || *a.Alias != "previous" {
				t.Errorf("GetSecretVersion(previous) = %q alias %s", *a.Payload, *a.Alias)
			}
		}},
		{"GetSecretVersionMetadata", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			v, resp, err := c.GetSecretVersionMetadata(c.NewGetSecretVersionMetadataOptions(st.secretID, "current"))
			v = must(t, "GetSecretVersionMetadata", v, resp, err, 200)
			if a := v.(*sm.ArbitrarySecretVersionMetadata); *a.ID != st.versionID {
				t.Errorf("GetSecretVersionMetadata(current) = %s, want %s", *a.ID, st.versionID)
			}
		}},
		{"UpdateSecretVersionMetadata", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			patch, _ := (&sm.SecretVersionMetadataPatch{VersionCustomMetadata: map[string]any{"k": "v"}}).AsPatch()
			v, resp, err := c.UpdateSecretVersionMetadata(c.NewUpdateSecretVersionMetadataOptions(st.secretID, st.versionID, patch))
			v = must(t, "UpdateSecretVersionMetadata", v, resp, err, 200)
			if a := v.(*sm.ArbitrarySecretVersionMetadata); a.VersionCustomMetadata["k"] != "v" {
				t.Errorf("UpdateSecretVersionMetadata = %v", a.VersionCustomMetadata)
			}
		}},
		{"CreateSecretVersionAction", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			_, resp, err := c.CreateSecretVersionAction(c.NewCreateSecretVersionActionOptions(st.secretID, "current",
				&sm.PrivateCertificateVersionActionRevokePrototype{ActionType: core.StringPtr("private_cert_action_revoke_certificate")}))
			wantError(t, "CreateSecretVersionAction on an arbitrary secret", resp, err, 400)
		}},
		{"DeleteSecretVersionData", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			p := &sm.IAMCredentialsSecretPrototype{SecretType: core.StringPtr("iam_credentials"), Name: core.StringPtr("iam-" + sfx),
				TTL: core.StringPtr("1h"), ReuseApiKey: core.BoolPtr(false), AccessGroups: []string{"AccessGroupId-1"}}
			s, resp, err := c.CreateSecret(c.NewCreateSecretOptions(p))
			s = must(t, "CreateSecret(iam_credentials)", s, resp, err, 201)
			iam := s.(*sm.IAMCredentialsSecret)
			if iam.ApiKey == nil || *iam.ApiKey == "" || *iam.TTL != "1h" {
				t.Fatalf("CreateSecret(iam_credentials) = no API key or ttl %v", iam.TTL)
			}
			st.iamID = *iam.ID
			resp, err = c.DeleteSecretVersionData(c.NewDeleteSecretVersionDataOptions(st.iamID, "current"))
			must(t, "DeleteSecretVersionData", 0, resp, err, 204)
			m, resp, err := c.GetSecretVersionMetadata(c.NewGetSecretVersionMetadataOptions(st.iamID, "current"))
			m = must(t, "GetSecretVersionMetadata", m, resp, err, 200)
			if *m.(*sm.IAMCredentialsSecretVersionMetadata).PayloadAvailable {
				t.Error("payload_available after DeleteSecretVersionData = true, want false")
			}
			// Deleting the data revokes the API key itself, not only its copy.
			iamURL := c.Service.Options.Authenticator.(*core.IamAuthenticator).URL
			leaked := &core.IamAuthenticator{ApiKey: *iam.ApiKey, URL: iamURL}
			if _, err := leaked.RequestToken(); err == nil {
				t.Error("the API key of a version whose data was deleted still logs in")
			}
		}},
	}
}

func lockOps() []sdkOp {
	lock := func(name string) []sm.SecretLockPrototype {
		return []sm.SecretLockPrototype{{Name: core.StringPtr(name), Attributes: map[string]any{"app": "x"}}}
	}
	return []sdkOp{
		{"CreateSecretLocksBulk", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			l, resp, err := c.CreateSecretLocksBulk(c.NewCreateSecretLocksBulkOptions(st.secretID, lock("lock-a")))
			l = must(t, "CreateSecretLocksBulk", l, resp, err, 201)
			if len(l.Versions) != 1 || *l.Versions[0].VersionAlias != "current" || l.Versions[0].Locks[0] != "lock-a" {
				t.Errorf("CreateSecretLocksBulk = %+v", l.Versions)
			}
		}},
		{"CreateSecretVersionLocksBulk", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			o := c.NewCreateSecretVersionLocksBulkOptions(st.secretID, "previous", lock("lock-b"))
			l, resp, err := c.CreateSecretVersionLocksBulk(o)
			must(t, "CreateSecretVersionLocksBulk", l, resp, err, 201)
		}},
		{"ListSecretLocks", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			l, resp, err := c.ListSecretLocks(c.NewListSecretLocksOptions(st.secretID))
			l = must(t, "ListSecretLocks", l, resp, err, 200)
			if *l.TotalCount != 2 {
				t.Errorf("ListSecretLocks = %d locks, want 2 (current and previous)", *l.TotalCount)
			}
		}},
		{"ListSecretVersionLocks", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			l, resp, err := c.ListSecretVersionLocks(c.NewListSecretVersionLocksOptions(st.secretID, "previous"))
			l = must(t, "ListSecretVersionLocks", l, resp, err, 200)
			if *l.TotalCount != 1 || *l.Locks[0].Name != "lock-b" || *l.Locks[0].SecretVersionAlias != "previous" {
				t.Errorf("ListSecretVersionLocks = %d locks", *l.TotalCount)
			}
		}},
		{"ListSecretsLocks", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			l, resp, err := c.ListSecretsLocks(c.NewListSecretsLocksOptions())
			l = must(t, "ListSecretsLocks", l, resp, err, 200)
			if *l.TotalCount < 1 {
				t.Errorf("ListSecretsLocks = %d secrets", *l.TotalCount)
			}
		}},
		{"DeleteSecretVersionLocksBulk", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			o := c.NewDeleteSecretVersionLocksBulkOptions(st.secretID, "previous")
			o.SetName([]string{"lock-b"})
			for range 2 { // a repeat is a 200 no-op
				l, resp, err := c.DeleteSecretVersionLocksBulk(o)
				must(t, "DeleteSecretVersionLocksBulk", l, resp, err, 200)
			}
		}},
		{"DeleteSecretLocksBulk", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			resp, err := c.DeleteSecret(c.NewDeleteSecretOptions(st.secretID))
			wantError(t, "DeleteSecret with locks", resp, err, 412)
			l, resp, err := c.DeleteSecretLocksBulk(c.NewDeleteSecretLocksBulkOptions(st.secretID))
			l = must(t, "DeleteSecretLocksBulk", l, resp, err, 200)
			for _, v := range l.Versions {
				if len(v.Locks) != 0 {
					t.Errorf("DeleteSecretLocksBulk left %v on %s", v.Locks, *v.VersionID)
				}
			}
		}},
	}
}

func configOps(sfx string) []sdkOp {
	return []sdkOp{
		{"CreateConfiguration", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			p := &sm.CustomCredentialsConfigurationPrototype{ConfigType: core.StringPtr("custom_credentials_configuration"),
				Name: core.StringPtr("custom-" + sfx), CodeEngine: &sm.CustomCredentialsConfigurationCodeEngine{
					JobName: core.StringPtr("job"), ProjectID: core.StringPtr("project"), Region: core.StringPtr("us-south")}}
			cfg, resp, err := c.CreateConfiguration(c.NewCreateConfigurationOptions(p))
			cfg = must(t, "CreateConfiguration", cfg, resp, err, 201)
			if cc := cfg.(*sm.CustomCredentialsConfiguration); *cc.CodeEngine.JobName != "job" || cc.Schema == nil {
				t.Errorf("CreateConfiguration = %+v", cc)
			}
			root := &sm.PrivateCertificateConfigurationRootCAPrototype{ConfigType: core.StringPtr("private_cert_configuration_root_ca"),
				Name: core.StringPtr("root-" + sfx), MaxTTL: core.StringPtr("8760h"), CommonName: core.StringPtr("example.com")}
			cfg, resp, err = c.CreateConfiguration(c.NewCreateConfigurationOptions(root))
			cfg = must(t, "CreateConfiguration(root CA)", cfg, resp, err, 201)
			if r := cfg.(*sm.PrivateCertificateConfigurationRootCA); *r.MaxTtlSeconds != 8760*3600 {
				t.Errorf("max_ttl_seconds = %d, want %d", *r.MaxTtlSeconds, 8760*3600)
			}
		}},
		{"ListConfigurations", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			o := c.NewListConfigurationsOptions()
			o.SetSecretTypes([]string{"custom_credentials"})
			o.SetSearch("custom-" + sfx)
			l, resp, err := c.ListConfigurations(o)
			l = must(t, "ListConfigurations", l, resp, err, 200)
			if *l.TotalCount != 1 {
				t.Errorf("ListConfigurations(custom_credentials) = %d, want 1", *l.TotalCount)
			}
			if _, ok := l.Configurations[0].(*sm.CustomCredentialsConfigurationMetadata); !ok {
				t.Errorf("ListConfigurations item = %T", l.Configurations[0])
			}
		}},
		{"GetConfiguration", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			o := c.NewGetConfigurationOptions("custom-" + sfx)
			o.SetXSmAcceptConfigurationType("custom_credentials_configuration")
			cfg, resp, err := c.GetConfiguration(o)
			cfg = must(t, "GetConfiguration", cfg, resp, err, 200)
			if _, ok := cfg.(*sm.CustomCredentialsConfiguration); !ok {
				t.Errorf("GetConfiguration = %T", cfg)
			}
		}},
		{"UpdateConfiguration", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			patch, _ := (&sm.CustomCredentialsConfigurationPatch{TaskTimeout: core.StringPtr("20m")}).AsPatch()
			cfg, resp, err := c.UpdateConfiguration(c.NewUpdateConfigurationOptions("custom-"+sfx, patch))
			cfg = must(t, "UpdateConfiguration", cfg, resp, err, 200)
			if cc := cfg.(*sm.CustomCredentialsConfiguration); cc.TaskTimeout == nil || *cc.TaskTimeout != "20m" {
				t.Errorf("UpdateConfiguration task_timeout = %v", cc.TaskTimeout)
			}
		}},
		{"CreateConfigurationAction", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			_, resp, err := c.CreateConfigurationAction(c.NewCreateConfigurationActionOptions("root-"+sfx,
				&sm.PrivateCertificateConfigurationActionRotateCRLPrototype{ActionType: core.StringPtr("private_cert_configuration_action_rotate_crl")}))
			wantError(t, "CreateConfigurationAction (no CA yet)", resp, err, 400)
		}},
		{"ListSecretTasks", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			p := &sm.CustomCredentialsSecretPrototype{SecretType: core.StringPtr("custom_credentials"),
				Name: core.StringPtr("cc-" + sfx), Configuration: core.StringPtr("custom-" + sfx)}
			s, resp, err := c.CreateSecret(c.NewCreateSecretOptions(p))
			s = must(t, "CreateSecret(custom_credentials)", s, resp, err, 201)
			st.customID = *s.(*sm.CustomCredentialsSecret).ID
			l, resp, err := c.ListSecretTasks(c.NewListSecretTasksOptions(st.customID))
			l = must(t, "ListSecretTasks", l, resp, err, 200)
			if len(l.Tasks) != 1 || *l.Tasks[0].Status != "queued" || *l.Tasks[0].Trigger != "secret_creation" {
				t.Fatalf("ListSecretTasks = %d tasks", len(l.Tasks))
			}
			st.taskID = *l.Tasks[0].ID
		}},
		{"ReplaceSecretTask", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			put := &sm.SecretTaskPrototypeUpdateSecretTaskCredentialsCreated{Status: core.StringPtr("credentials_created"),
				Credentials: &sm.CustomCredentialsNewCredentials{ID: core.StringPtr("cred-1"), Payload: map[string]any{"user": "u1"}}}
			_, resp, err := c.ReplaceSecretTask(c.NewReplaceSecretTaskOptions(st.customID, st.taskID, put))
			wantError(t, "ReplaceSecretTask by a Manager", resp, err, 403)
			task, resp, err := st.updater.ReplaceSecretTask(c.NewReplaceSecretTaskOptions(st.customID, st.taskID, put))
			task = must(t, "ReplaceSecretTask", task, resp, err, 200)
			if *task.Status != "credentials_created" {
				t.Errorf("ReplaceSecretTask status = %s", *task.Status)
			}
			s, resp, err := c.GetSecret(c.NewGetSecretOptions(st.customID))
			s = must(t, "GetSecret(custom_credentials)", s, resp, err, 200)
			if cc := s.(*sm.CustomCredentialsSecret); cc.CredentialsContent["user"] != "u1" {
				t.Errorf("credentials_content = %v", cc.CredentialsContent)
			}
		}},
		{"GetSecretTask", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			task, resp, err := c.GetSecretTask(c.NewGetSecretTaskOptions(st.customID, st.taskID))
			task = must(t, "GetSecretTask", task, resp, err, 200)
			if *task.ID != st.taskID || task.CreationDate == nil {
				t.Errorf("GetSecretTask = %+v", task)
			}
		}},
		{"DeleteSecretTask", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			resp, err := c.DeleteSecretTask(c.NewDeleteSecretTaskOptions(st.customID, st.taskID))
			must(t, "DeleteSecretTask", 0, resp, err, 204)
		}},
		{"DeleteConfiguration", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			resp, err := c.DeleteConfiguration(c.NewDeleteConfigurationOptions("root-" + sfx))
			must(t, "DeleteConfiguration", 0, resp, err, 204)
		}},
	}
}

func notificationOps() []sdkOp {
	return []sdkOp{
		{"CreateNotificationsRegistration", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			crn := "crn:v1:bluemix:public:event-notifications:us-south:a/acct:instance-1::"
			n, resp, err := c.CreateNotificationsRegistration(c.NewCreateNotificationsRegistrationOptions(crn, "coffer"))
			n = must(t, "CreateNotificationsRegistration", n, resp, err, 201)
			if *n.EventNotificationsInstanceCrn != crn {
				t.Errorf("CreateNotificationsRegistration = %s", *n.EventNotificationsInstanceCrn)
			}
		}},
		{"GetNotificationsRegistration", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			n, resp, err := c.GetNotificationsRegistration(c.NewGetNotificationsRegistrationOptions())
			must(t, "GetNotificationsRegistration", n, resp, err, 200)
		}},
		{"GetNotificationsRegistrationTest", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			resp, err := c.GetNotificationsRegistrationTest(c.NewGetNotificationsRegistrationTestOptions())
			must(t, "GetNotificationsRegistrationTest", 0, resp, err, 204)
		}},
		{"DeleteNotificationsRegistration", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			resp, err := c.DeleteNotificationsRegistration(c.NewDeleteNotificationsRegistrationOptions())
			must(t, "DeleteNotificationsRegistration", 0, resp, err, 204)
			_, resp, err = c.GetNotificationsRegistration(c.NewGetNotificationsRegistrationOptions())
			wantError(t, "GetNotificationsRegistration after delete", resp, err, 404)
		}},
	}
}

func cleanupOps() []sdkOp {
	return []sdkOp{
		{"DeleteSecret", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			o := c.NewDeleteSecretOptions(st.secretID)
			o.SetForceDelete(false)
			resp, err := c.DeleteSecret(o)
			must(t, "DeleteSecret", 0, resp, err, 204)
			_, resp, err = c.GetSecret(c.NewGetSecretOptions(st.secretID))
			wantError(t, "GetSecret after delete", resp, err, 404)
		}},
		{"DeleteSecretGroup", func(t *testing.T, c *sm.SecretsManagerV2, st *sdkState) {
			resp, err := c.DeleteSecretGroup(c.NewDeleteSecretGroupOptions(st.groupID))
			must(t, "DeleteSecretGroup", 0, resp, err, 204)
		}},
	}
}
