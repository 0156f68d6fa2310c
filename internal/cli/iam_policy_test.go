package cli_test

import (
	"strings"
	"testing"

	"github.com/cofferhq/coffer/api"
	"github.com/cofferhq/coffer/internal/cli"
)

func attrValue(p api.Policy, name string) string {
	for _, a := range p.Resources[0].Attributes {
		if a.Name == name {
			return a.Value
		}
	}
	return ""
}

func TestAccessGroupCommands(t *testing.T) {
	s, _ := newSession(t)
	s.ok("", "iam", "service-id-create", "ci")
	s.ok("", "iam", "access-group-create", "ops", "-d", "operators")
	s.ok("", "iam", "access-group-service-id-add", "ops", "ci")
	var members []api.GroupMember
	s.json(&members, "iam", "access-group-members", "ops")
	if len(members) != 1 || members[0].Type != "service" || !strings.HasPrefix(members[0].IAMID, "iam-ServiceId-") {
		t.Fatalf("members = %+v, want the service ID", members)
	}
	var groups []api.AccessGroup
	s.json(&groups, "iam", "access-groups")
	if len(groups) != 1 || groups[0].Name != "ops" || groups[0].Description != "operators" {
		t.Errorf("access-groups = %+v", groups)
	}
	var p api.Policy
	s.json(&p, "iam", "access-group-policy-create", "ops", "--roles", "Viewer", "--account-management")
	if attrValue(p, "serviceType") != "platform_service" || p.Subjects[0].Attributes[0].Name != "access_group_id" {
		t.Errorf("group policy = %+v", p)
	}
	var ps []api.Policy
	s.json(&ps, "iam", "access-group-policies", "ops")
	if len(ps) != 1 || ps[0].ID != p.ID {
		t.Errorf("access-group-policies = %+v, want %s", ps, p.ID)
	}
	s.ok("", "iam", "access-group-service-id-remove", "ops", "ci")
	s.json(&members, "iam", "access-group-members", "ops")
	if len(members) != 0 {
		t.Errorf("members after remove = %+v", members)
	}
	if code, _, _ := s.run("n\n", "iam", "access-group-delete", "ops"); code != cli.ExitOK {
		t.Errorf("declined delete = exit %d", code)
	}
	s.ok("", "iam", "access-group-delete", "ops", "-f")
	if code, _, _ := s.run("", "iam", "access-group", "ops"); code == cli.ExitOK {
		t.Errorf("access-group after delete succeeded")
	}
}

func TestPolicyCommands(t *testing.T) {
	s, srv := newSession(t)
	acct, guid := srv.Bootstrap().AccountID, srv.Bootstrap().DefaultInstance
	s.ok("", "iam", "trusted-profile-create", "app")
	crn := "crn:v1:coffer:public:secrets-manager:local:a/" + acct + ":" + guid + "::"
	var p api.Policy
	s.json(&p, "iam", "trusted-profile-policy-create", "app", "--roles", "SecretsReader", "--service-name", "secrets-manager",
		"--service-instance", crn, "--resource-type", "secret-group", "--resource", "default")
	if attrValue(p, "serviceInstance") != guid || attrValue(p, "resourceType") != "secret-group" ||
		p.Roles[0].DisplayName != "SecretsReader" {
		t.Errorf("trusted-profile-policy-create = %+v", p)
	}
	var ps []api.Policy
	s.json(&ps, "iam", "trusted-profile-policies", "app")
	if len(ps) != 1 {
		t.Errorf("trusted-profile-policies = %d policies, want 1", len(ps))
	}
	if code, _, errs := s.run("", "iam", "user-policy-create", "admin", "--roles", "Wizard"); code == cli.ExitOK || !strings.Contains(errs, "SecretsReader") && !strings.Contains(errs, "Viewer") {
		t.Errorf("unknown role = exit %d, stderr %q; want a failure listing the valid roles", code, errs)
	}
	s.json(&ps, "iam", "user-policies", "admin")
	if len(ps) != 2 {
		t.Errorf("the administrator has %d policies, want the 2 bootstrap ones", len(ps))
	}
	s.ok("", "iam", "policy-delete", p.ID, "-f")
	s.json(&ps, "iam", "trusted-profile-policies", "app")
	if len(ps) != 0 {
		t.Errorf("after policy-delete: %d policies", len(ps))
	}
	// Service to service, in both forms; a mixture is refused.
	s.json(&p, "iam", "authorization-policy-create", "codeengine", "secrets-manager", "SecretsReader")
	if p.Type != "authorization" || p.Subjects[0].Attributes[1].Value != "codeengine" {
		t.Errorf("authorization policy = %+v", p)
	}
	s.ok("", "iam", "authorization-policy-create", "Manager", "--source-service-name", "codeengine", "--target-service-name", "secrets-manager",
		"--target-service-instance-id", guid)
	if code, _, errs := s.run("", "iam", "authorization-policy-create", "secrets-manager", "Reader", "--source-service-name", "codeengine"); code != cli.ExitUsage || !strings.Contains(errs, "mixes") {
		t.Errorf("mixed forms = exit %d, stderr %q; want a usage error", code, errs)
	}
}

// TestTutorialTranslation: the tutorial's authorization policy for a
// trusted profile becomes an access policy, with a note and a warning.
func TestTutorialTranslation(t *testing.T) {
	s, srv := newSession(t)
	guid := srv.Bootstrap().DefaultInstance
	s.ok("", "iam", "trusted-profile-create", "app")
	code, out, errs := s.run("", "--output", "json", "iam", "authorization-policy-create", "secrets-manager", "Reader",
		"--source-service-name", "iam-profile", "--source-resource-instance-name", "app", "--target-resource-instance-name", "default")
	if code != cli.ExitOK {
		t.Fatalf("tutorial command = exit %d, stderr:\n%s", code, errs)
	}
	lines := strings.Split(strings.TrimSpace(errs), "\n")
	want := "coffer iam trusted-profile-policy-create app --roles Reader --service-name secrets-manager --service-instance " + guid
	if len(lines) != 2 || !strings.Contains(lines[0], want) || !strings.Contains(lines[1], "SecretsReader") {
		t.Errorf("stderr = %q; want one note naming %q and one warning suggesting SecretsReader", errs, want)
	}
	var ps []api.Policy
	s.json(&ps, "iam", "trusted-profile-policies", "app")
	if len(ps) != 1 || ps[0].Type != "access" || attrValue(ps[0], "serviceInstance") != guid || ps[0].Roles[0].DisplayName != "Reader" ||
		!strings.Contains(out, ps[0].ID) {
		t.Errorf("the profile's policies = %+v, want one access policy with Reader on %s", ps, guid)
	}
	if code, _, errs := s.run("", "iam", "authorization-policy-create", "secrets-manager", "SecretsReader", "--source-service-name", "iam-profile"); code != cli.ExitUsage || !strings.Contains(errs, "trusted-profile-policy-create") {
		t.Errorf("tutorial without a profile = exit %d, stderr %q", code, errs)
	}
}
